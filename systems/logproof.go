package systems

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// LogProof is what the inspector shows of an event in the transparency log: its leaf index,
// the size of the checkpoint it was proved against, the number of hashes of the inclusion
// proof, and whether that checkpoint's signature verified with the log's key.
type LogProof struct {
	Leaf, Size int64
	Hashes     int
	// KeyVerified: the checkpoint verified with --log-vkey (false: shown unverified).
	KeyVerified bool
}

// ErrNotInLog is what a ProofFetcher returns (wrapped) for an event the latest checkpoint
// does not cover: newer than it, or rejected; the inspector says so without alarm.
var ErrNotInLog = errors.New("not in the latest checkpoint")

// ErrNoLog is what a ProofFetcher returns when the store has no log (or no checkpoint yet):
// the inspector shows no log row.
var ErrNoLog = errors.New("the store has no transparency log")

// ProofFetcher proves the event c's inclusion in the newest checkpoint the window holds;
// it returns only a proof it has checked against that checkpoint's root. The window calls it
// off the game goroutine, with a deadline, when an event is selected.
type ProofFetcher func(ctx context.Context, c cid.Cid) (LogProof, error)

// LogProofText is the inspector's log row: "leaf 123 of 456 √ proof 9 hashes", with
// "(checkpoint unverified: no key)" when the checkpoint was not checked with the log's key.
func LogProofText(p LogProof) string {
	s := fmt.Sprintf("leaf %d of %d √ proof %d hashes", p.Leaf, p.Size, p.Hashes)
	if !p.KeyVerified {
		s += " (checkpoint unverified: no key)"
	}
	return s
}

// startProof starts proving the selected event's inclusion, when the window has a prover.
func startProof(e *ecs.ECS, info *components.InspectorInfo) {
	o := Opts(e)
	if o.Prove == nil || info == nil || info.Kind != components.ElementEvent || !info.CID.Defined() {
		return
	}
	io := getInspectorIO(e)
	info.LogPending = true
	ctx, cancel := context.WithTimeout(context.Background(), o.FetchTimeout)
	prev := io.fetchStop
	io.fetchStop = func() {
		cancel()
		if prev != nil {
			prev()
		}
	}
	seq, prove, c, done := io.fetchSeq, o.Prove, info.CID, io.proofDone
	go func() {
		defer cancel()
		p, err := prove(ctx, c)
		r := proofResult{seq: seq}
		switch {
		case errors.Is(err, ErrNoLog):
			// no row
		case errors.Is(err, ErrNotInLog):
			r.text = err.Error()
		case err != nil:
			r.err = err
		default:
			r.text = LogProofText(p)
		}
		select {
		case done <- r:
		case <-time.After(time.Second):
		}
	}()
}
