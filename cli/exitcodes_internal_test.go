package cli

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// The exit codes of what a real store refuses, as docs/operations.md states them: a message ID
// squatted by another message is the store saying no (1, like not found), not bad input (2)
// nor a conflict (3); malformed names, unknown parents and payloads over the limit are 2, a
// head other than the expected one 3. (The squat cannot be arranged through `jetdag append`,
// whose events carry the time they are made; `import` of a squatted event is a row of
// TestHostileIssue12.)
func TestStoreErrExitCodes(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	nc := srv.Connect(t)
	es, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	const ts = 1_700_000_000_000_000_000
	squatted := block.Event{AggregateID: "victim", EventType: "T", Payload: []byte("p"), Timestamp: ts}
	_, c, err := squatted.Block()
	if err != nil {
		t.Fatal(err)
	}
	junk := &nats.Msg{Subject: store.SubjectFor("victim", "T"), Header: nats.Header{store.HeaderMsgID: []string{c.String()}}, Data: []byte("junk")}
	if _, err := nc.RequestMsg(junk, 5e9); err != nil {
		t.Fatal(err)
	}
	first, err := es.Append(ctx, "other", "T", nil)
	if err != nil {
		t.Fatal(err)
	}
	unknown, err := cid.Decode("bafyreigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		err      func() error
		sentinel error
		code     int
	}{
		{"squatted message ID", func() error {
			_, err := es.AppendEvent(ctx, store.NewEvent{AggregateID: "victim", EventType: "T", Payload: []byte("p"), Timestamp: ts})
			return err
		}, store.ErrDuplicateMsgID, ExitFailure},
		{"squatted message ID, async", func() error {
			_, err := es.AppendAsync(ctx, store.NewEvent{AggregateID: "victim", EventType: "T", Payload: []byte("p"), Timestamp: ts}).Result()
			return err
		}, store.ErrDuplicateMsgID, ExitFailure},
		{"not found", func() error { _, err := es.Get(ctx, unknown); return err }, store.ErrNotFound, ExitFailure},
		{"another head than expected", func() error {
			_, err := es.AppendEvent(ctx, store.NewEvent{AggregateID: "other", EventType: "T"}, store.ExpectNew())
			return err
		}, store.ErrConflict, ExitConflict},
		{"unknown parent", func() error {
			_, err := es.AppendEvent(ctx, store.NewEvent{AggregateID: "other", EventType: "T", Parents: []cid.Cid{unknown}}, store.ExpectHead(first.CID))
			return err
		}, store.ErrUnknownParent, ExitBadInput},
		{"malformed name", func() error { _, err := es.Append(ctx, "bad\nname", "T", nil); return err }, store.ErrInvalidInput, ExitBadInput},
		{"payload over the limit", func() error {
			_, err := es.Append(ctx, "other", "T", []byte(strings.Repeat("x", 2<<20)))
			return err
		}, store.ErrPayloadTooLarge, ExitBadInput},
	}
	for _, tc := range tests {
		err := tc.err()
		if !errors.Is(err, tc.sentinel) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.sentinel)
			continue
		}
		code, mapped := ExitFailure, storeErr(err) // RunWithViewer's code for an error without one
		var ee *ExitError
		if errors.As(mapped, &ee) {
			code = ee.Code
		}
		if code != tc.code {
			t.Errorf("%s: storeErr(%v) exits %d, want %d", tc.name, err, code, tc.code)
		}
	}
}
