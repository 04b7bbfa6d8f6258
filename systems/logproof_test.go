package systems

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/worldtest"
)

// The inspector proves a selected event's inclusion off the game goroutine and shows the
// leaf, the checkpoint size and the proof's length; an event the checkpoint does not cover
// says so, a failed proof shows its error, objects and rejected messages are not proved, and
// a slow proof of an earlier selection never lands on the later one.
func TestInspectorShowsLogProof(t *testing.T) {
	w, es := inspectWorld()
	release := make(chan struct{})
	calls := make(chan cid.Cid, 16)
	prove := func(ctx context.Context, c cid.Cid) (LogProof, error) {
		calls <- c
		switch c {
		case worldtest.CID(0):
			<-release
			return LogProof{Leaf: 0, Size: 456, Hashes: 9, KeyVerified: true}, nil
		case worldtest.CID(1):
			return LogProof{Leaf: 123, Size: 456, Hashes: 9, KeyVerified: true}, nil
		case worldtest.CID(2):
			return LogProof{}, fmt.Errorf("%w (seq 999 is later than size 456)", ErrNotInLog)
		case worldtest.CID(3):
			return LogProof{}, errors.New("log inconsistent: entry 3 does not hash to its leaf")
		case worldtest.CID(6):
			return LogProof{Leaf: 7, Size: 8, Hashes: 3}, nil
		}
		return LogProof{}, ErrNoLog
	}
	e := newECS(w)
	Setup(e, Options{Width: 800, Height: 600, Prove: prove})
	UpdateScene(e)
	row := func() string { // the log row and its wrapped continuation rows
		var b strings.Builder
		in := false
		for _, l := range SelectionLines(e) {
			switch {
			case l.Label == "log":
				in = true
			case l.Label != "" || l.Heading:
				in = false
			}
			if in {
				b.WriteString(l.Value)
			}
		}
		return b.String()
	}
	settle := func() {
		deadline := time.Now().Add(5 * time.Second)
		for Info(e).LogPending && time.Now().Before(deadline) {
			UpdateInspector(e)
			time.Sleep(time.Millisecond)
		}
	}
	Select(e, es[0])
	if r := row(); r != "proving…" {
		t.Errorf("while proving: log row %q", r)
	}
	Select(e, es[1])
	settle()
	close(release)
	time.Sleep(20 * time.Millisecond)
	UpdateInspector(e) // e0's late proof must not land on e1
	if r := row(); r != "leaf 123 of 456 √ proof 9 hashes" {
		t.Errorf("e1: log row %q", r)
	}
	for _, tc := range []struct {
		i    int
		want string
	}{
		{2, "not in the latest checkpoint (seq 999 is later than size 456)"},
		{3, "× log inconsistent: entry 3 does not hash to its leaf"},
		{6, "leaf 7 of 8 √ proof 3 hashes (checkpoint unverified: no key)"},
	} {
		Select(e, es[tc.i])
		settle()
		// wrapped rows lose the space they break at
		if r := row(); strings.ReplaceAll(r, " ", "") != strings.ReplaceAll(tc.want, " ", "") {
			t.Errorf("e%d: log row %q, want %q", tc.i, r, tc.want)
		}
	}
	// The row survives the inspector's periodic re-read of the node.
	for range coneEvery + 1 {
		UpdateInspector(e)
	}
	if r := row(); !strings.HasPrefix(r, "leaf 7 of 8") {
		t.Errorf("after a refresh: log row %q", r)
	}
	for len(calls) > 0 {
		<-calls
	}
	for _, i := range []int{4, 5} { // an object, a rejected message: no proof asked
		Select(e, es[i])
		time.Sleep(10 * time.Millisecond)
		UpdateInspector(e)
		if r := row(); r != "" || len(calls) != 0 {
			t.Errorf("%s: log row %q, %d proofs asked", components.DddElement.Get(w.Entry(es[i])).Kind, r, len(calls))
		}
	}
}
