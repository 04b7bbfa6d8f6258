package cli_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// rawLink writes a link record straight into the bucket, as a client with bucket rights can,
// bypassing every check of LinkObjects.
func rawLink(t *testing.T, nc *nats.Conn, from, to cid.Cid, typ string, ts int64) {
	t.Helper()
	ctx := context.Background()
	data, err := block.Encode(map[string]any{"from": from, "to": to, "type": typ, "timestamp": ts})
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	bucket, err := js.ObjectStore(ctx, store.ObjectBucket)
	if err != nil {
		t.Fatal(err)
	}
	md := map[string]string{"jetdag-kind": string(store.KindLink), "jetdag-from": from.String(), "jetdag-to": to.String(),
		"jetdag-type": typ, "jetdag-timestamp": strconv.FormatInt(ts, 10)}
	if _, err := bucket.Put(ctx, jetstream.ObjectMeta{Name: block.Sum(data).String(), Metadata: md}, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
}

// A link that closes a cycle is refused at link time (exit 2); link records already in the
// bucket that close cycles (written raw, as an attacker with bucket rights would) and links to
// and from file content never make a dag command fail: the cycle-closing edge is left out
// with a warning, file content is a node, and every dag command answers.
func TestDagHostileLinks(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	url := srv.ClientURL()
	var a appended
	objRunOK(t, url, nil, &a, "append", "--aggregate", "acct", "--type", "Opened")
	var o, f putOut
	objRunOK(t, url, strings.NewReader(`{"note":"o"}`), &o, "put", "--json")
	objRunOK(t, url, strings.NewReader("file content"), &f, "put")
	objRunOK(t, url, nil, nil, "link", o.CID, a.CID, "--type", "References")
	_, errs, code := objRun(t, url, nil, "link", a.CID, o.CID, "--type", "References")
	if code != cli.ExitBadInput || !strings.Contains(errs, "cycle") {
		t.Fatalf("link closing a cycle: exit %d, %q; want 2 naming the cycle", code, errs)
	}

	nc := srv.Connect(t)
	ac, _ := cid.Decode(a.CID)
	oc, _ := cid.Decode(o.CID)
	content, _ := cid.Decode(*f.Content)
	rawLink(t, nc, ac, oc, "References", 1)       // closes the cycle o -> a -> o
	rawLink(t, nc, oc, content, "Contains", 2)    // object -> file content
	rawLink(t, nc, content, ac, "DerivedFrom", 3) // file content -> event

	for _, args := range [][]string{
		{"dag", "heads"},
		{"dag", "ancestors", o.CID},
		{"dag", "descendants", a.CID},
		{"dag", "ancestors", *f.Content},
		{"dag", "path", o.CID, a.CID},
	} {
		out, errs, code := objRun(t, url, nil, args...)
		if code != cli.ExitOK {
			t.Fatalf("jetdag %v: exit %d\n%s", args, code, errs)
		}
		if !strings.Contains(errs, "edge left out of the DAG") {
			t.Errorf("jetdag %v gave no warning for the cycle: %q", args, errs)
		}
		if args[1] == "ancestors" && !strings.Contains(out, a.CID) {
			t.Errorf("jetdag %v: %s lacks the event %s", args, out, a.CID)
		}
	}
	_ = ctx
}
