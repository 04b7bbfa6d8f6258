package cli_test

import (
	"context"
	"encoding/binary"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
)

// verifyLine is verify's summary line.
type verifyLine struct {
	OK       bool   `json:"ok"`
	Events   uint64 `json:"events"`
	LastSeq  uint64 `json:"last_seq"`
	IndexBad int    `json:"index_bad"`
}

// Two `jetdag load --index-appends` writers at once, one with single appends and parents, one with batches:
// when both have exited, the index's watermarks reach the stream's end with no reader having
// indexed anything (each writer indexed its own events and closed the gaps of the other's),
// `jetdag verify` counts no bad index entry, and an entry deleted below the watermark is
// found (index_bad 1, exit 1) and put back by --repair-index.
func TestLoadWritersIndex(t *testing.T) {
	srv := storetest.Start(t)
	url := srv.ClientURL()
	var wg sync.WaitGroup
	outs := make([]string, 2)
	for i, args := range [][]string{
		{"load", "--index-appends", "--prefix", "s", "--aggregates", "20", "--rate", "1500", "--duration", "1500ms", "--parents", "1"},
		{"load", "--index-appends", "--prefix", "b", "--aggregates", "5", "--rate", "1500", "--duration", "1500ms", "--batch", "20", "--parents", "1"},
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, errs, code := objRun(t, url, nil, args...)
			if code != cli.ExitOK {
				t.Errorf("jetdag %v: exit %d\n%s", args, code, errs)
			}
			outs[i] = out
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for i, out := range outs {
		var fin loadFinal
		lastJSONLine(t, out, &fin)
		if !fin.Final || fin.Acked < 500 || fin.Errors != 0 {
			t.Fatalf("load %d: %+v", i, fin)
		}
	}

	ctx := context.Background()
	js, err := jetstream.New(srv.Connect(t))
	if err != nil {
		t.Fatal(err)
	}
	stream, err := js.Stream(ctx, store.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	last := stream.CachedInfo().State.LastSeq
	kv, err := js.KeyValue(ctx, store.IndexBucket)
	if err != nil {
		t.Fatal(err)
	}
	mark := func(key string) uint64 {
		t.Helper()
		e, err := kv.Get(ctx, key)
		if err != nil || len(e.Value()) != 8 {
			t.Fatalf("%s: %v", key, err)
		}
		return binary.BigEndian.Uint64(e.Value())
	}
	// The writers raised both watermarks with no reader's help. Their index writes are best
	// effort (Close waits at most 2 s for them), so on a loaded machine (a CI run under -race)
	// the last stretch may be left to the readers' tail passes; it is never passed over.
	cw, kw := mark("watermark"), mark("children-watermark")
	if cw == 0 || kw == 0 || cw > last || kw > last {
		t.Fatalf("after both loads: watermarks %d (CID), %d (children), want the writers' own, up to the stream's end %d", cw, kw, last)
	}
	if cw != last || kw != last {
		t.Logf("after both loads: watermarks %d (CID), %d (children) of %d: the rest is left to readers", cw, kw, last)
	}

	verify := func(args ...string) (verifyLine, int) {
		t.Helper()
		out, errs, code := objRun(t, url, nil, append([]string{"verify", "--quiet"}, args...)...)
		var v verifyLine
		lastJSONLine(t, out, &v)
		if code != cli.ExitOK && !strings.Contains(errs, "CID index entries failed verification") {
			t.Fatalf("verify %v: exit %d\n%s", args, code, errs)
		}
		return v, code
	}
	if v, code := verify(); code != cli.ExitOK || v.IndexBad != 0 || v.LastSeq != last {
		t.Fatalf("verify after the loads: exit %d, %+v", code, v)
	}
	// An entry deleted below the watermark: the first event's.
	msg, err := stream.GetMsg(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	first := msg.Header.Get(store.HeaderCID)
	if err := kv.Delete(ctx, first); err != nil {
		t.Fatal(err)
	}
	if v, code := verify(); code != cli.ExitFailure || v.IndexBad != 1 {
		t.Fatalf("verify with an entry deleted below the watermark: exit %d, %+v; want exit 1, index_bad 1", code, v)
	}
	if v, code := verify("--repair-index"); code != cli.ExitOK || v.IndexBad != 1 {
		t.Fatalf("verify --repair-index: exit %d, %+v", code, v)
	}
	if v, code := verify(); code != cli.ExitOK || v.IndexBad != 0 {
		t.Fatalf("verify after the repair: exit %d, %+v", code, v)
	}
}
