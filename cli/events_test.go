package cli_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store/storetest"
)

type appended struct {
	CID      string  `json:"cid"`
	Seq      uint64  `json:"seq"`
	Previous *string `json:"previous_cid"`
}

// A user's session: append with parents and expectations, read back, walk the DAG, verify,
// then a raw client forges a message and verify says so.
func TestEventCommands(t *testing.T) {
	srv := storetest.Start(t)
	url := srv.ClientURL()
	var a, b, c appended
	objRunOK(t, url, nil, &a, "append", "--aggregate", "customer-1", "--type", "CustomerCreated", "--data", `{"name":"Ada"}`)
	objRunOK(t, url, nil, &b, "append", "--aggregate", "order-1", "--type", "OrderCreated", "--parent", a.CID, "--expect-head", "none")
	objRunOK(t, url, strings.NewReader("from stdin"), &c, "append", "--aggregate", "order-1", "--type", "OrderPaid", "--expect-head", b.CID)
	if a.Previous != nil || b.Previous != nil || c.Previous == nil || *c.Previous != b.CID || c.Seq != 3 {
		t.Fatalf("appends: %+v %+v %+v", a, b, c)
	}
	// A stale expectation is a conflict (exit 3); malformed input is exit 2.
	if _, errs, code := objRun(t, url, nil, "append", "--aggregate", "order-1", "--type", "X", "--expect-head", b.CID); code != cli.ExitConflict || !strings.Contains(errs, "conflict") {
		t.Fatalf("stale head: exit %d %s", code, errs)
	}
	for _, args := range [][]string{
		{"append", "--aggregate", "o", "--type", "X", "--parent", "notacid"},
		{"append", "--aggregate", "", "--type", "X"},
		{"append", "--type", "X"},
		{"get", "bafy-nope"},
		{"history"},
		{"dag", "ancestors", "QmNotCanonical"},
	} {
		if _, errs, code := objRun(t, url, nil, args...); code != cli.ExitBadInput {
			t.Errorf("jetdag %v: exit %d (%s), want 2", args, code, errs)
		}
	}
	hist := objRunOK(t, url, nil, nil, "history", "order-1")
	lines := strings.Split(strings.TrimSpace(hist), "\n")
	if len(lines) != 2 {
		t.Fatalf("history: %q", hist)
	}
	var last struct {
		CID        string   `json:"cid"`
		Payload    string   `json:"payload"`
		ParentCIDs []string `json:"parent_cids"`
	}
	if err := json.Unmarshal([]byte(lines[1]), &last); err != nil || last.CID != c.CID || last.Payload != "from stdin" {
		t.Fatalf("history line %q: %v", lines[1], err)
	}
	var got struct {
		ParentCIDs []string `json:"parent_cids"`
	}
	objRunOK(t, url, nil, &got, "get", b.CID)
	if len(got.ParentCIDs) != 1 || got.ParentCIDs[0] != a.CID {
		t.Fatalf("get: %+v", got)
	}
	var anc struct {
		Ancestors []string `json:"ancestors"`
	}
	objRunOK(t, url, nil, &anc, "dag", "ancestors", c.CID)
	if len(anc.Ancestors) != 2 {
		t.Fatalf("ancestors of %s: %v", c.CID, anc.Ancestors)
	}
	var path struct {
		Path []string `json:"path"`
	}
	objRunOK(t, url, nil, &path, "dag", "path", c.CID, a.CID)
	if len(path.Path) != 3 || path.Path[0] != c.CID || path.Path[2] != a.CID {
		t.Fatalf("path: %v", path.Path)
	}
	objRunOK(t, url, nil, nil, "verify")

	// A forged message: valid-looking headers, a body that does not hash to its Cid.
	nc := srv.Connect(t)
	js, _ := jetstream.New(nc)
	m := &nats.Msg{Subject: "event.store.order-1.OrderPaid", Data: []byte("junk"), Header: nats.Header{"Cid": {c.CID}}}
	if _, err := js.PublishMsg(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	out, _, code := objRun(t, url, nil, "verify")
	if code != cli.ExitFailure || !strings.Contains(out, `"seq":4`) || !strings.Contains(out, "hashes to") {
		t.Fatalf("verify after forgery: exit %d\n%s", code, out)
	}
	// tail --from 1 --until-caught-up shows the events and the rejected message.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var tout, terr strings.Builder
	if code := cli.Run(ctx, []string{"--nats", url, "tail", "--from", "1", "--until-caught-up"}, strings.NewReader(""), &tout, &terr); code != 0 {
		t.Fatalf("tail: exit %d %s", code, terr.String())
	}
	if n := strings.Count(tout.String(), "\n"); n != 4 || !strings.Contains(tout.String(), `"rejected":true`) {
		t.Fatalf("tail printed %d lines:\n%s", n, tout.String())
	}
}

// tail without --from prints only what arrives after it starts, and JSON output keeps
// characters such as > and & as they are.
func TestTailFollowsNewEvents(t *testing.T) {
	srv := storetest.Start(t)
	url := srv.ClientURL()
	var old appended
	objRunOK(t, url, nil, &old, "append", "--aggregate", "a>b&c", "--type", "Old")
	if hist := objRunOK(t, url, nil, nil, "history", "a>b&c"); !strings.Contains(hist, `"aggregate_id":"a>b&c"`) {
		t.Fatalf("history escapes the aggregate ID: %s", hist)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		var terr strings.Builder
		code := cli.Run(ctx, []string{"--nats", url, "tail"}, strings.NewReader(""), pw, &terr)
		pw.CloseWithError(fmt.Errorf("tail ended with exit %d: %s", code, terr.String()))
		done <- code
	}()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// tail reads the stream's end before it subscribes, so append until a line arrives.
	var first string
	for first == "" {
		var a appended
		objRunOK(t, url, nil, &a, "append", "--aggregate", "a>b&c", "--type", "New")
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("tail ended before printing")
			}
			first = l
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
			t.Fatal("tail printed nothing")
		}
	}
	var got struct {
		Seq       uint64 `json:"seq"`
		EventType string `json:"event_type"`
	}
	if err := json.Unmarshal([]byte(first), &got); err != nil {
		t.Fatalf("%v: %q", err, first)
	}
	if got.Seq <= old.Seq || got.EventType != "New" {
		t.Fatalf("tail printed an event stored before it started: %s", first)
	}
	cancel()
	if code := <-done; code != 0 && code != cli.ExitFailure {
		t.Fatalf("tail exit %d after cancel", code)
	}
}
