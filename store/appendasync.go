package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// PendingAppend is an append started by AppendAsync. Its result is ready once Done is closed.
type PendingAppend struct {
	done chan struct{}
	ev   *StoredEvent
	err  error
}

func newPendingAppend() *PendingAppend { return &PendingAppend{done: make(chan struct{})} }

// resolvedAppend is a PendingAppend that is already over.
func resolvedAppend(ev *StoredEvent, err error) *PendingAppend {
	p := newPendingAppend()
	p.finish(ev, err)
	return p
}

func (p *PendingAppend) finish(ev *StoredEvent, err error) {
	p.ev, p.err = ev, err
	close(p.done)
}

// Done is closed once the append has been stored or has failed.
func (p *PendingAppend) Done() <-chan struct{} { return p.done }

// Result waits for the append and returns what Append would have: the stored event, or an
// error such as *ConflictError.
func (p *PendingAppend) Result() (*StoredEvent, error) {
	<-p.done
	return p.ev, p.err
}

// Wait is Result, giving up when ctx ends (the append itself goes on under the context it was
// started with).
func (p *PendingAppend) Wait(ctx context.Context) (*StoredEvent, error) {
	select {
	case <-p.done:
		return p.ev, p.err
	default:
	}
	select {
	case <-p.done:
		return p.ev, p.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// AppendAsync starts appending one event and returns without waiting for the server, so that
// one goroutine can keep appends to many aggregates in flight at once (as JetStream's
// PublishAsync does for plain messages). Appends to one aggregate are sent one after the
// other in call order, each chained on the one before and carrying the same expected-sequence
// check and message ID as Append; appends to different aggregates travel together. Each
// PendingAppend ends exactly as the same Append call would have: stored, or with the same
// errors (ErrConflict on a lost race, ErrUnknownParent, ErrPermissionDenied, …).
//
// Invalid input and unknown parents fail before anything is sent (the parents are looked up
// first, which can take a round trip for a parent this process has not seen). The appends are
// independent, as separate Append calls are: one that fails does not stop those queued after
// it on the same aggregate, which then chain on the head as it is. Where order across a failure
// matters, wait for each result before starting the next append of that aggregate.
func (s *JetStreamEvents) AppendAsync(ctx context.Context, ne NewEvent, opts ...AppendOption) *PendingAppend {
	if err := validateBatch(ne.AggregateID, []NewEvent{ne}); err != nil {
		return resolvedAppend(nil, err)
	}
	if err := s.checkParents(ctx, []NewEvent{ne}); err != nil {
		return resolvedAppend(nil, err)
	}
	op := &asyncOp{ctx: ctx, ne: ne, opts: opts, p: newPendingAppend()}
	a := &s.async
	a.mu.Lock()
	if err := a.subscribeLocked(s); err != nil {
		a.mu.Unlock()
		return resolvedAppend(nil, err)
	}
	if q, busy := a.aggs[ne.AggregateID]; busy {
		q.ops = append(q.ops, op) // sent when the ones before it are over
		a.mu.Unlock()
		return op.p
	}
	a.aggs[ne.AggregateID] = &aggQueue{ops: []*asyncOp{op}}
	a.mu.Unlock()
	s.startAsync(op)
	return op.p
}

// asyncAppender holds the appends in flight: one reply subscription for all of them (Append's
// publishes wait on it too), a queue per aggregate (its first entry is the one in progress),
// and the published messages awaiting their acks by reply token.
type asyncAppender struct {
	mu       sync.Mutex
	sub      *nats.Subscription
	inbox    string
	token    uint64
	inflight map[string]*asyncOp
	waiters  map[string]*waiter // publishAwait calls
	aggs     map[string]*aggQueue
	sweeping bool
}

type aggQueue struct{ ops []*asyncOp }

// waiter is a publishAwait call waiting for its ack (or for the sweeper to give up on it).
type waiter struct {
	ch      chan ackResult // buffered: whoever removes the waiter from the map sends once
	subject string
	sent    time.Time
}

type ackResult struct {
	m   *nats.Msg
	err error
}

// asyncOp is one AppendAsync call.
type asyncOp struct {
	ctx  context.Context
	ne   NewEvent
	opts []AppendOption
	p    *PendingAppend

	// Set when it is published on the fast path.
	msg    *nats.Msg
	head   headRef
	stored *StoredEvent
	sent   time.Time
}

func (a *asyncAppender) subscribeLocked(s *JetStreamEvents) error {
	if a.sub != nil {
		return nil
	}
	a.inbox = s.nc.NewInbox()
	sub, err := s.nc.Subscribe(a.inbox+".*", s.asyncAck)
	if err != nil {
		return fmt.Errorf("subscribe to append acks: %w", err)
	}
	a.sub = sub
	a.inflight = make(map[string]*asyncOp)
	a.waiters = make(map[string]*waiter)
	a.aggs = make(map[string]*aggQueue)
	return nil
}

// startAsync sends op on the fast path (the head is cached, no options), or hands it to a
// goroutine that runs the ordinary Append.
func (s *JetStreamEvents) startAsync(op *asyncOp) {
	agg := op.ne.AggregateID
	s.mu.Lock()
	head, cached := s.heads[agg]
	s.mu.Unlock()
	if err := op.ctx.Err(); err != nil {
		go s.asyncDone(op, nil, err)
		return
	}
	if !cached || len(op.opts) > 0 {
		go func() {
			ev, err := s.AppendEvent(op.ctx, op.ne, op.opts...)
			s.asyncDone(op, ev, err)
		}()
		return
	}
	ts := op.ne.Timestamp
	if ts == 0 {
		ts = s.cfg.Now()
	}
	evs, err := s.buildChain(agg, head, []NewEvent{{EventType: op.ne.EventType, Payload: op.ne.Payload, Parents: op.ne.Parents, Timestamp: ts}})
	if err != nil {
		go s.asyncDone(op, nil, err)
		return
	}
	op.msg, op.stored, op.head = evs.msgs[0], evs.stored[0], head

	a := &s.async
	a.mu.Lock()
	a.token++
	tok := strconv.FormatUint(a.token, 36)
	op.sent = time.Now()
	a.inflight[tok] = op
	s.sweepLocked()
	a.mu.Unlock()
	m := &nats.Msg{Subject: op.msg.Subject, Reply: a.inbox + "." + tok, Header: op.msg.Header, Data: op.msg.Data}
	if err := s.nc.PublishMsg(m); err != nil {
		if a.take(tok) != nil {
			go s.asyncResend(op)
		}
	}
}

// take removes the op in flight under tok, nil when it is no longer there (already answered
// or timed out).
func (a *asyncAppender) take(tok string) *asyncOp {
	a.mu.Lock()
	defer a.mu.Unlock()
	op := a.inflight[tok]
	delete(a.inflight, tok)
	return op
}

// asyncAck handles the server's answer to a publish: it hands it to the publishAwait call
// waiting for it, or finishes an AppendAsync. It runs on the subscription's goroutine and
// never waits on the network: anything but a plain ack goes to a goroutine.
func (s *JetStreamEvents) asyncAck(m *nats.Msg) {
	tok := m.Subject[strings.LastIndexByte(m.Subject, '.')+1:]
	a := &s.async
	a.mu.Lock()
	if w, ok := a.waiters[tok]; ok {
		delete(a.waiters, tok)
		a.mu.Unlock()
		w.ch <- ackResult{m: m}
		return
	}
	op := a.inflight[tok]
	delete(a.inflight, tok)
	a.mu.Unlock()
	if op == nil {
		return // answered already, or timed out and resent
	}
	seq, dup, err := readAck(m)
	switch {
	case err == nil && dup:
		go s.asyncDuplicate(op, seq) // reads the stream: not on this goroutine
	case err == nil:
		s.asyncStored(op, seq)
	case errors.Is(err, nats.ErrNoResponders), isDupInProcess(err):
		go s.asyncResend(op) // the stream is moving or restarting
	case isWrongLastSeq(err):
		go s.asyncConflict(op)
	default:
		s.asyncDone(op, nil, fmt.Errorf("publish %s: %w", op.msg.Subject, storageFull(err)))
	}
}

// readAck reads a publish's answer: the stored sequence and whether the server called the
// message a duplicate (its Nats-Msg-Id was seen within the duplicate window, and seq is the
// sequence of the message stored under that ID), the server's *jetstream.APIError, or
// nats.ErrNoResponders when no stream took the subject.
func readAck(m *nats.Msg) (seq uint64, dup bool, err error) {
	if seq, ok := plainAckSeq(m.Data); ok {
		return seq, false, nil
	}
	if len(m.Data) == 0 && m.Header.Get("Status") == "503" {
		return 0, false, nats.ErrNoResponders
	}
	var ack struct {
		Seq       uint64              `json:"seq"`
		Duplicate bool                `json:"duplicate"`
		Error     *jetstream.APIError `json:"error"`
	}
	if err := json.Unmarshal(m.Data, &ack); err != nil {
		return 0, false, fmt.Errorf("unreadable ack %q: %w", m.Data, err)
	}
	if ack.Error != nil {
		return 0, false, ack.Error
	}
	if ack.Seq == 0 {
		return 0, false, fmt.Errorf("ack %q names no sequence", m.Data)
	}
	return ack.Seq, ack.Duplicate, nil
}

// publishAwait publishes m with its reply on the store's ack subscription and waits for the
// answer. The server drops a forbidden publish and only says so on the connection, so while
// the ack is late the sweeper looks for that every permissionProbe (a forbidden append then
// fails at once and is not resent), until the publish timeout (context.DeadlineExceeded,
// which publishOne resends).
func (s *JetStreamEvents) publishAwait(ctx context.Context, m *nats.Msg) (pubAck, error) {
	a := &s.async
	w := &waiter{ch: make(chan ackResult, 1), subject: m.Subject, sent: time.Now()}
	a.mu.Lock()
	if err := a.subscribeLocked(s); err != nil {
		a.mu.Unlock()
		return pubAck{}, err
	}
	a.token++
	tok := strconv.FormatUint(a.token, 36)
	a.waiters[tok] = w
	s.sweepLocked()
	a.mu.Unlock()
	if err := s.nc.PublishMsg(&nats.Msg{Subject: m.Subject, Reply: a.inbox + "." + tok, Header: m.Header, Data: m.Data}); err != nil {
		a.mu.Lock()
		delete(a.waiters, tok)
		a.mu.Unlock()
		return pubAck{}, err
	}
	select {
	case r := <-w.ch:
		if r.err != nil {
			return pubAck{}, r.err
		}
		seq, dup, err := readAck(r.m)
		return pubAck{seq: seq, dup: dup}, err
	case <-ctx.Done():
		a.mu.Lock()
		delete(a.waiters, tok)
		a.mu.Unlock()
		return pubAck{}, ctx.Err()
	}
}

// pubAck is a publish's answer: the sequence, and whether the server called it a duplicate.
type pubAck struct {
	seq uint64
	dup bool
}

// plainAckSeq reads the sequence of the common ack, {"stream":"<name>","seq":<n>} exactly
// (no error, no duplicate flag, no domain), without the JSON decoder; anything else is left to
// encoding/json.
func plainAckSeq(data []byte) (uint64, bool) {
	const head, mid = `{"stream":"`, `","seq":`
	if len(data) < len(head)+len(mid)+2 || string(data[:len(head)]) != head || data[len(data)-1] != '}' {
		return 0, false
	}
	rest := data[len(head) : len(data)-1]
	i := 0
	for i < len(rest) && rest[i] != '"' && rest[i] != '\\' {
		i++
	}
	if len(rest)-i <= len(mid) || string(rest[i:i+len(mid)]) != mid {
		return 0, false
	}
	digits := rest[i+len(mid):]
	if len(digits) == 0 || len(digits) > 19 {
		return 0, false
	}
	var seq uint64
	for _, d := range digits {
		if d < '0' || d > '9' {
			return 0, false
		}
		seq = seq*10 + uint64(d-'0')
	}
	return seq, seq > 0
}

// asyncStored records a stored fast-path event, as publishChainN does.
func (s *JetStreamEvents) asyncStored(op *asyncOp, seq uint64) {
	s.recordStored(op.ne.AggregateID, []*StoredEvent{op.stored}, seq)
	s.asyncDone(op, op.stored, nil)
}

// asyncDuplicate finishes a fast-path publish the server answered as a duplicate: stored only
// when the message under its ID really is this event (confirmDuplicate).
func (s *JetStreamEvents) asyncDuplicate(op *asyncOp, seq uint64) {
	if err := s.confirmDuplicate(op.ctx, op.msg, seq); err != nil {
		s.asyncDone(op, nil, err)
		return
	}
	s.asyncStored(op, seq)
}

// asyncResend sends the same message again (same CID, so the same Nats-Msg-Id: stored at
// most once) the way Append does after a timeout, permission checks included.
func (s *JetStreamEvents) asyncResend(op *asyncOp) {
	seq, err := s.publishOne(op.ctx, op.msg)
	switch {
	case err == nil:
		s.asyncStored(op, seq)
	case isWrongLastSeq(err):
		s.asyncConflict(op)
	default:
		s.asyncDone(op, nil, err)
	}
}

// asyncConflict handles a fast-path publish the server refused because the aggregate moved,
// as Append does (lostRace).
func (s *JetStreamEvents) asyncConflict(op *asyncOp) {
	stored, err := s.lostRace(op.ctx, op.ne.AggregateID, op.head, []NewEvent{op.ne}, 3)
	if err != nil {
		s.asyncDone(op, nil, err)
		return
	}
	s.asyncDone(op, stored[0], nil)
}

// asyncDone ends op and starts the next append queued on its aggregate.
func (s *JetStreamEvents) asyncDone(op *asyncOp, ev *StoredEvent, err error) {
	op.p.finish(ev, err)
	a := &s.async
	a.mu.Lock()
	q := a.aggs[op.ne.AggregateID]
	q.ops = q.ops[1:]
	if len(q.ops) == 0 {
		delete(a.aggs, op.ne.AggregateID)
		a.mu.Unlock()
		return
	}
	next := q.ops[0]
	a.mu.Unlock()
	s.startAsync(next)
}

// sweepLocked starts the sweeper unless it runs; s.async.mu is held.
func (s *JetStreamEvents) sweepLocked() {
	if !s.async.sweeping {
		s.async.sweeping = true
		go s.sweepAsync()
	}
}

// sweepAsync looks at the publishes awaiting acks every permissionProbe while there are any:
// a publish the server refused for permissions fails at once, an AppendAsync whose context
// ended fails with that, and one unanswered for the publish timeout is resent (AppendAsync)
// or reported as timed out to its publishAwait, which resends it.
func (s *JetStreamEvents) sweepAsync() {
	a := &s.async
	tick := min(permissionProbe, s.cfg.PublishTimeout)
	for {
		time.Sleep(tick)
		a.mu.Lock()
		if len(a.inflight) == 0 && len(a.waiters) == 0 {
			a.sweeping = false
			a.mu.Unlock()
			return
		}
		now := time.Now()
		for tok, w := range a.waiters {
			age := now.Sub(w.sent)
			if age < tick {
				continue
			}
			err := PermissionDenied(s.nc, w.subject)
			if err == nil && age >= s.cfg.PublishTimeout {
				err = context.DeadlineExceeded
			}
			if err != nil {
				delete(a.waiters, tok)
				w.ch <- ackResult{err: err}
			}
		}
		type late struct {
			op  *asyncOp
			err error
		}
		var lates []late
		for tok, op := range a.inflight {
			var err error
			switch age := now.Sub(op.sent); {
			case op.ctx.Err() != nil:
				err = op.ctx.Err()
			case age >= tick:
				if err = PermissionDenied(s.nc, op.msg.Subject); err == nil && age < s.cfg.PublishTimeout {
					continue
				}
			default:
				continue
			}
			delete(a.inflight, tok)
			lates = append(lates, late{op, err})
		}
		a.mu.Unlock()
		for _, l := range lates {
			if l.err != nil {
				go s.asyncDone(l.op, nil, l.err)
			} else {
				go s.asyncResend(l.op)
			}
		}
	}
}
