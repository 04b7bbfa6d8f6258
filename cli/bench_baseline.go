// This file holds the references bench append and bench replay are measured against: raw
// JetStream publishing (plain, and with the checks an append asks for), a raw ordered read,
// and the quick stream fill the benchmarks start from.

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// rawBaselineStream makes a scratch stream with the event stream's storage settings for the
// raw JetStream baselines.
func rawBaselineStream(ctx context.Context, js jetstream.JetStream, name string) (func(), error) {
	cfg := store.StreamConfig(1)
	cfg.Name = name
	cfg.Subjects = []string{"jetdag-bench." + name + ".>"}
	cfg.DenyPurge, cfg.DenyDelete = false, false
	if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
		return nil, fmt.Errorf("baseline stream: %w", err)
	}
	return func() { _ = js.DeleteStream(context.Background(), name) }, nil
}

// rawPublish is the baseline: n same-size messages, each waited for (sync) or pipelined.
func rawPublish(ctx context.Context, js jetstream.JetStream, subj string, body []byte, n int, async bool) error {
	for range n {
		var err error
		if async {
			_, err = js.PublishAsync(subj, body)
		} else {
			_, err = js.Publish(ctx, subj, body)
		}
		if err != nil {
			return fmt.Errorf("baseline publish: %w", err)
		}
	}
	if async {
		select {
		case <-js.PublishAsyncComplete():
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// checkedPublisher is the second baseline: raw JetStream messages of the same size that ask
// the server for what an append asks (a Nats-Msg-Id for the duplicate window, and the
// expected last sequence of a per-aggregate wildcard filter), so the next one on an aggregate
// waits for the ack of the one before. It shows how much of the gap to plain publishing is the
// server's checking rather than jetdag's client. With workers > 0 that many goroutines each
// wait for every ack (as Append does); with 0 one message per aggregate is in flight and the
// ack handler sends the next (as AppendAsync does, with no event to build).
type checkedPublisher struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	prefix  string
	workers int
	mu      sync.Mutex
	last    []uint64 // per aggregate
	sent    atomic.Int64
}

func newCheckedPublisher(nc *nats.Conn, js jetstream.JetStream, prefix string, aggregates, workers int) *checkedPublisher {
	if aggregates == 1 {
		workers = 1
	}
	return &checkedPublisher{nc: nc, js: js, prefix: prefix, workers: min(workers, aggregates), last: make([]uint64, aggregates)}
}

// message is the checked message for aggregate a.
func (c *checkedPublisher) message(a int, body []byte) *nats.Msg {
	agg := c.prefix + "." + strconv.Itoa(a)
	m := &nats.Msg{Subject: agg + ".BenchEvent", Data: body, Header: nats.Header{}}
	m.Header.Set(jetstream.MsgIDHeader, c.prefix+"-"+strconv.FormatInt(c.sent.Add(1), 10))
	c.mu.Lock()
	m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(c.last[a], 10))
	c.mu.Unlock()
	m.Header.Set("Nats-Expected-Last-Subject-Sequence-Subject", agg+".*")
	return m
}

func (c *checkedPublisher) stored(a int, seq uint64) {
	c.mu.Lock()
	c.last[a] = seq
	c.mu.Unlock()
}

// run publishes n messages spread over the aggregates.
func (c *checkedPublisher) run(ctx context.Context, body []byte, n int) error {
	if c.workers == 0 {
		return c.runPipelined(ctx, body, n)
	}
	var wg sync.WaitGroup
	var next atomic.Int64
	errs := make([]error, c.workers)
	for w := range c.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []int
			for a := w; a < len(c.last); a += c.workers {
				mine = append(mine, a)
			}
			for i := 0; next.Add(1) <= int64(n); i++ {
				a := mine[i%len(mine)]
				ack, err := c.js.PublishMsg(ctx, c.message(a, body))
				if err != nil {
					errs[w] = fmt.Errorf("checked baseline publish: %w", err)
					return
				}
				c.stored(a, ack.Sequence)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// runPipelined keeps one message per aggregate in flight; each ack sends the next.
func (c *checkedPublisher) runPipelined(ctx context.Context, body []byte, n int) error {
	inbox := c.nc.NewInbox()
	done := make(chan error, 1)
	finish := func(err error) {
		select {
		case done <- err:
		default:
		}
	}
	var sent, acked atomic.Int64
	send := func(a int) {
		m := c.message(a, body)
		m.Reply = inbox + "." + strconv.Itoa(a)
		if err := c.nc.PublishMsg(m); err != nil {
			finish(fmt.Errorf("checked baseline publish: %w", err))
		}
	}
	sub, err := c.nc.Subscribe(inbox+".*", func(m *nats.Msg) {
		a, _ := strconv.Atoi(m.Subject[strings.LastIndexByte(m.Subject, '.')+1:])
		var ack struct {
			Seq   uint64              `json:"seq"`
			Error *jetstream.APIError `json:"error"`
		}
		if err := json.Unmarshal(m.Data, &ack); err != nil || ack.Error != nil {
			finish(fmt.Errorf("checked baseline ack %q: %w", m.Data, errors.Join(err, ack.Error)))
			return
		}
		c.stored(a, ack.Seq)
		if acked.Add(1) == int64(n) {
			finish(nil)
			return
		}
		if sent.Add(1) <= int64(n) {
			send(a)
		}
	})
	if err != nil {
		return fmt.Errorf("checked baseline: %w", err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	// The first message of each aggregate, then the handler sends on; both draw on one count,
	// so exactly n are sent and all are acked before run returns.
	for a := range len(c.last) {
		if sent.Add(1) > int64(n) {
			break
		}
		send(a)
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Minute):
		return fmt.Errorf("checked baseline: %d of %d acks after a minute", acked.Load(), n)
	}
}

// fillStream appends n valid chained events quickly (async, no expected-sequence checks: a
// bench set-up on a stream nobody else writes).
func fillStream(ctx context.Context, js jetstream.JetStream, n, aggregates, size int) error {
	heads := make([]block.Event, aggregates)
	prev := make([]bool, aggregates)
	payload := make([]byte, size)
	ts := time.Now().UnixNano()
	for i := range n {
		a := i % aggregates
		ev := block.Event{AggregateID: fmt.Sprintf("fill-%06d", a), EventType: "Filled", Payload: payload, Timestamp: ts + int64(i)}
		if prev[a] {
			_, c, err := heads[a].Block()
			if err != nil {
				return err
			}
			ev.PreviousCID = c
		}
		m, _, err := store.EventMessage(&ev)
		if err != nil {
			return err
		}
		if _, err := js.PublishMsgAsync(m); err != nil {
			return fmt.Errorf("fill: %w", err)
		}
		heads[a], prev[a] = ev, true
		if i%10000 == 9999 {
			select {
			case <-js.PublishAsyncComplete():
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	select {
	case <-js.PublishAsyncComplete():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func rawRead(ctx context.Context, js jetstream.JetStream) (int, error) {
	s, err := js.Stream(ctx, store.StreamName)
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, err
	}
	cons, err := js.OrderedConsumer(ctx, store.StreamName, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return 0, err
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(1024))
	if err != nil {
		return 0, err
	}
	defer it.Stop()
	n := 0
	for {
		m, err := it.Next()
		if err != nil {
			return n, err
		}
		n++
		md, err := m.Metadata()
		if err != nil {
			return n, err
		}
		if md.Sequence.Stream >= info.State.LastSeq {
			return n, nil
		}
	}
}

func round(f float64) float64 { return float64(int64(f + 0.5)) }

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }
