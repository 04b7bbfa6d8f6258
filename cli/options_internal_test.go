package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jetdag/jetdag/store/storetest"
)

// testEnv is an env on url whose output goes to stdout.
func testEnv(url string, stdout *bytes.Buffer) *env {
	return &env{
		stdin: strings.NewReader(""), stdout: stdout, stderr: new(bytes.Buffer),
		logger: slog.New(slog.DiscardHandler),
		conn:   connFlags{URLs: url, urlSet: true, MaxReconnects: 1, ReconnectWait: 100 * time.Millisecond, ConnectTimeout: 5 * time.Second},
	}
}

// A command's options struct is the whole of its input: run called directly, without cobra,
// does what the command line does, and its output reads back through the command line.
func TestOptionsRunWithoutCobra(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	var out bytes.Buffer
	e := testEnv(srv.ClientURL(), &out)

	ao := appendOptions{agg: "direct-1", typ: "Created", data: `{"n":1}`, dataSet: true, retries: 10}
	if err := ao.run(ctx, e); err != nil {
		t.Fatalf("append run: %v", err)
	}
	var ev struct {
		CID string `json:"cid"`
		Seq uint64 `json:"seq"`
	}
	if err := json.Unmarshal(out.Bytes(), &ev); err != nil || ev.Seq != 1 || ev.CID == "" {
		t.Fatalf("append printed %q (%v)", out.String(), err)
	}

	out.Reset()
	if err := (&getOptions{}).run(ctx, e, ev.CID); err != nil {
		t.Fatalf("get run: %v", err)
	}
	direct := out.String()
	var viaCLI, errs bytes.Buffer
	if code := Run(ctx, []string{"--nats", srv.ClientURL(), "get", ev.CID}, strings.NewReader(""), &viaCLI, &errs); code != ExitOK {
		t.Fatalf("jetdag get: exit %d %s", code, errs.String())
	}
	if direct != viaCLI.String() || !strings.Contains(direct, `"aggregate_id":"direct-1"`) {
		t.Fatalf("get run printed %q, jetdag get %q", direct, viaCLI.String())
	}

	// A stale expectation is a conflict from run too; the given-flag fields carry what cobra
	// knew about the flags.
	out.Reset()
	stale := appendOptions{agg: "direct-1", typ: "Again", expect: "none", expectSet: true}
	if err := stale.run(ctx, e); exitCode(err) != ExitConflict || out.Len() != 0 {
		t.Fatalf("stale append run: %v (exit %d), printed %q; want a conflict", err, exitCode(err), out.String())
	}
	both := appendOptions{agg: "direct-1", typ: "X", dataSet: true, dataFileSet: true}
	if err := both.run(ctx, e); exitCode(err) != ExitBadInput {
		t.Fatalf("--data with --data-file: %v (exit %d), want exit 2", err, exitCode(err))
	}
	if err := (&initOptions{replicas: 7}).run(ctx, e); exitCode(err) != ExitBadInput || !strings.Contains(err.Error(), "--replicas 7") {
		t.Fatalf("init --replicas 7: %v, want exit 2 naming the flag", err)
	}
}

// exitCode is the exit code Run gives err (0 for nil).
func exitCode(err error) int {
	var ee *ExitError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.Code
	}
	return ExitFailure
}
