// This file checks a load run's acknowledgements against the stream (`jetdag verify
// --acked`): every event the server acknowledged is stored exactly once, verified, at the
// sequence it was acknowledged with; batches are whole; no logical event is stored twice.

package store

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// AckedEvent is one line of an acknowledgement file written by `jetdag load`: an event the
// server acknowledged, written only after its ack.
type AckedEvent struct {
	CID       string `json:"cid"`
	Seq       uint64 `json:"seq"`
	Aggregate string `json:"aggregate"`
	// Batch is the ID of the atomic batch the event was appended in, "" for a single append.
	Batch string `json:"batch,omitempty"`
	// AtMillis is when the ack arrived (Unix milliseconds).
	AtMillis int64 `json:"at_ms,omitempty"`
}

// LoadPayload is the payload `jetdag load` gives every event: the writer (a random ID per
// process), a counter unique within the writer, and for a batch its ID, size and the event's
// place in it. Two stored events with the same writer and counter are one logical event
// stored twice; a batch with members missing was stored in part.
type LoadPayload struct {
	Writer     string `json:"writer"`
	N          uint64 `json:"n"`
	Batch      string `json:"batch,omitempty"`
	BatchSize  int    `json:"batch_size,omitempty"`
	BatchIndex int    `json:"batch_index,omitempty"`
	Pad        string `json:"pad,omitempty"`
}

// AckedReport is what AckedChecker found.
type AckedReport struct {
	// Acked is the number of distinct acknowledged events, Found those stored and verified
	// at the acknowledged sequence on the acknowledged aggregate.
	Acked, Found int
	// Lost acknowledged events are not in the stream as verified events.
	Lost int
	// Moved acknowledged events are stored, but at another sequence or aggregate than
	// their ack said.
	Moved int
	// Duplicates are rejected messages that carry an acknowledged event's CID again.
	Duplicates int
	// Rejected messages in the stream (forks, junk, duplicates), Forks those rejected as
	// forks of a chain.
	Rejected, Forks int
	// LoadEvents are stored events with a LoadPayload; DuplicatePayloads are those whose
	// writer and counter an earlier stored event already had.
	LoadEvents, DuplicatePayloads int
	// Batches are the atomic batches seen (stored in the stream or acknowledged);
	// PartialBatches those with a member missing, out of order or not contiguous.
	Batches, PartialBatches int
}

// OK reports whether nothing acknowledged was lost, moved or stored twice, and no batch
// was stored in part.
func (r AckedReport) OK() bool {
	return r.Lost == 0 && r.Moved == 0 && r.Duplicates == 0 && r.DuplicatePayloads == 0 &&
		r.PartialBatches == 0 && r.Forks == 0
}

// AckedChecker compares acknowledgements with a replay of the stream: feed it every Record
// of Replay in order with Observe, then ask for the Report.
type AckedChecker struct {
	acked    map[string]*ackState
	payloads map[string]uint64 // writer/n -> first sequence
	batches  map[string]*batchState
	rejected int
	forks    int
	dupCIDs  int
	loadEvs  int
	dupPay   []string
}

type ackState struct {
	AckedEvent
	seen  bool
	moved string
}

type batchState struct {
	size   int
	acked  int // acknowledgement lines naming it
	seqs   []uint64
	idx    []int
	stored bool
}

// NewAckedChecker returns a checker for these acknowledgements. The same CID acknowledged
// twice counts once (a writer restarted from the same file cannot get one event acked twice
// with different sequences without that being reported as moved).
func NewAckedChecker(acked []AckedEvent) *AckedChecker {
	c := &AckedChecker{
		acked:    make(map[string]*ackState, len(acked)),
		payloads: make(map[string]uint64),
		batches:  make(map[string]*batchState),
	}
	for _, a := range acked {
		if prev, ok := c.acked[a.CID]; ok {
			if prev.Seq != a.Seq {
				prev.moved = fmt.Sprintf("acknowledged twice, at seq %d and %d", prev.Seq, a.Seq)
			}
			continue
		}
		c.acked[a.CID] = &ackState{AckedEvent: a}
		if a.Batch != "" {
			c.batch(a.Batch).acked++
		}
	}
	return c
}

func (c *AckedChecker) batch(id string) *batchState {
	b, ok := c.batches[id]
	if !ok {
		b = &batchState{}
		c.batches[id] = b
	}
	return b
}

// Observe takes the next record of a replay.
func (c *AckedChecker) Observe(r Record) {
	if r.Rejected != nil {
		c.rejected++
		if strings.HasPrefix(r.Rejected.Reason, "fork") {
			c.forks++
		}
		if _, ok := c.acked[r.Rejected.ClaimedCID]; ok {
			c.dupCIDs++
		}
		return
	}
	ev := r.Event
	if ev == nil {
		return
	}
	if a, ok := c.acked[cidString(ev.CID)]; ok {
		a.seen = true
		switch {
		case a.moved != "":
		case ev.Seq != a.Seq:
			a.moved = fmt.Sprintf("acknowledged at seq %d, stored at %d", a.Seq, ev.Seq)
		case ev.AggregateID != a.Aggregate:
			a.moved = fmt.Sprintf("acknowledged on aggregate %q, stored on %q", a.Aggregate, ev.AggregateID)
		}
	}
	var p LoadPayload
	if len(ev.Payload) == 0 || ev.Payload[0] != '{' || json.Unmarshal(ev.Payload, &p) != nil || p.Writer == "" {
		return
	}
	c.loadEvs++
	key := p.Writer + "/" + strconv.FormatUint(p.N, 10)
	if first, dup := c.payloads[key]; dup {
		c.dupPay = append(c.dupPay, fmt.Sprintf("payload %s stored at seq %d and again at %d", key, first, ev.Seq))
	} else {
		c.payloads[key] = ev.Seq
	}
	if p.Batch != "" {
		b := c.batch(p.Batch)
		b.stored = true
		b.size = p.BatchSize
		b.seqs = append(b.seqs, ev.Seq)
		b.idx = append(b.idx, p.BatchIndex)
	}
}

// Report returns the counts, and calls problem (when not nil) once for each thing wrong,
// in a stable order.
func (c *AckedChecker) Report(problem func(string)) AckedReport {
	say := func(format string, args ...any) {
		if problem != nil {
			problem(fmt.Sprintf(format, args...))
		}
	}
	r := AckedReport{Acked: len(c.acked), Rejected: c.rejected, Forks: c.forks, Duplicates: c.dupCIDs,
		LoadEvents: c.loadEvs, DuplicatePayloads: len(c.dupPay)}
	cids := make([]string, 0, len(c.acked))
	for k := range c.acked {
		cids = append(cids, k)
	}
	slices.SortFunc(cids, func(a, b string) int { return cmp.Compare(c.acked[a].Seq, c.acked[b].Seq) })
	for _, k := range cids {
		a := c.acked[k]
		switch {
		case !a.seen:
			r.Lost++
			say("lost: %s (acknowledged at seq %d on %q) is not in the stream as a verified event", k, a.Seq, a.Aggregate)
		case a.moved != "":
			r.Moved++
			say("moved: %s %s", k, a.moved)
		default:
			r.Found++
		}
	}
	for _, d := range c.dupPay {
		say("duplicate payload: %s", d)
	}
	ids := make([]string, 0, len(c.batches))
	for id := range c.batches {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		b := c.batches[id]
		r.Batches++
		if why := b.partial(); why != "" {
			r.PartialBatches++
			say("partial batch %s: %s", id, why)
		}
	}
	return r
}

// partial says what is wrong with a batch, "" when it is whole: every member stored, in
// order, at consecutive sequences, and acknowledged whole or not at all.
func (b *batchState) partial() string {
	if !b.stored {
		return fmt.Sprintf("%d events acknowledged, none stored with a load payload", b.acked)
	}
	if b.size <= 0 || len(b.seqs) != b.size {
		return fmt.Sprintf("%d of %d events stored", len(b.seqs), b.size)
	}
	for i := range b.seqs {
		if b.idx[i] != i || (i > 0 && b.seqs[i] != b.seqs[i-1]+1) {
			return fmt.Sprintf("events out of order or not contiguous (sequences %v, indexes %v)", b.seqs, b.idx)
		}
	}
	if b.acked != 0 && b.acked != b.size {
		return fmt.Sprintf("%d of %d events acknowledged", b.acked, b.size)
	}
	return ""
}
