// This file publishes built events: one message or one atomic batch, retried while the server
// does not answer, with permission violations noticed without waiting for the timeout.

package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// publishOne publishes one message, resending it (same Nats-Msg-Id, so stored at most once)
// when the server did not answer.
func (s *JetStreamEvents) publishOne(ctx context.Context, m *nats.Msg) (uint64, error) {
	var ack pubAck
	err := s.retrying(ctx, func() (err error) {
		ack, err = s.publishAwait(ctx, m)
		return err
	})
	switch {
	case err == nil && ack.dup:
		if err := s.confirmDuplicate(ctx, m, ack.seq); err != nil {
			return 0, err
		}
		return ack.seq, nil
	case err == nil:
		return ack.seq, nil
	case errors.Is(err, ErrPermissionDenied):
		return 0, err // it names the subject already
	case retryable(ctx, err):
		return 0, fmt.Errorf("publish %s: gave up after %d attempts: %w", m.Subject, s.cfg.PublishAttempts, err)
	default:
		return 0, fmt.Errorf("publish %s: %w", m.Subject, storageFull(err))
	}
}

// retrying runs try up to PublishAttempts times while it fails with a retryable error (the
// server did not answer: a restart, an election), pausing 100 ms more before each new try.
func (s *JetStreamEvents) retrying(ctx context.Context, try func() error) error {
	var err error
	for attempt := range s.cfg.PublishAttempts {
		if attempt > 0 {
			if werr := Sleep(ctx, time.Duration(attempt)*100*time.Millisecond); werr != nil {
				return fmt.Errorf("%w (retrying: %w)", err, werr)
			}
		}
		if err = try(); err == nil || !retryable(ctx, err) {
			return err
		}
	}
	return err
}

// permissionProbe is how often a publish whose ack is late checks for a permissions violation.
const permissionProbe = 100 * time.Millisecond

// publishBatch publishes msgs as one JetStream atomic batch.
func (s *JetStreamEvents) publishBatch(ctx context.Context, msgs []*nats.Msg, stored []*StoredEvent) (uint64, error) {
	id := nats.NewInbox()[len(nats.InboxPrefix):]
	for i, m := range msgs {
		m.Header.Set("Nats-Batch-Id", id)
		m.Header.Set("Nats-Batch-Sequence", strconv.Itoa(i+1))
	}
	msgs[len(msgs)-1].Header.Set("Nats-Batch-Commit", "1")
	var err error
	for attempt := range s.cfg.PublishAttempts {
		if attempt > 0 {
			if werr := Sleep(ctx, time.Duration(attempt)*100*time.Millisecond); werr != nil {
				return 0, werr
			}
		}
		var seq uint64
		seq, err = s.sendBatch(ctx, msgs)
		if err == nil {
			return seq, nil
		}
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeBatchDupMsgID {
			// A resent batch whose first attempt was stored, or a message ID squatted by
			// another message: only the first is a success.
			last, cerr := s.confirmBatchDuplicate(ctx, msgs, stored)
			if cerr != nil {
				return 0, fmt.Errorf("atomic batch: %w (server: %w)", cerr, err)
			}
			return last, nil
		}
		if errors.Is(err, ErrPermissionDenied) {
			return 0, fmt.Errorf("atomic batch: %w", err)
		}
		if !retryable(ctx, err) {
			return 0, fmt.Errorf("atomic batch: %w", storageFull(err))
		}
	}
	return 0, fmt.Errorf("atomic batch: gave up after %d attempts: %w", s.cfg.PublishAttempts, err)
}

func (s *JetStreamEvents) sendBatch(ctx context.Context, msgs []*nats.Msg) (uint64, error) {
	for _, m := range msgs[:len(msgs)-1] {
		if err := s.nc.PublishMsg(m); err != nil {
			return 0, err
		}
	}
	pctx, cancel := context.WithTimeout(ctx, s.cfg.PublishTimeout)
	defer cancel()
	denied := func() error {
		for _, m := range msgs {
			if err := PermissionDenied(s.nc, m.Subject); err != nil {
				return err
			}
		}
		return nil
	}
	// As in publishAwait: a forbidden batch is dropped without an answer, so stop waiting
	// as soon as the connection reports the violation.
	go func() {
		t := time.NewTicker(permissionProbe)
		defer t.Stop()
		for {
			select {
			case <-pctx.Done():
				return
			case <-t.C:
				if denied() != nil {
					cancel()
					return
				}
			}
		}
	}()
	resp, err := s.nc.RequestMsgWithContext(pctx, msgs[len(msgs)-1])
	if err != nil {
		if perr := denied(); perr != nil {
			return 0, perr
		}
		return 0, err
	}
	var ack struct {
		Seq   uint64              `json:"seq"`
		Count int                 `json:"count"`
		Error *jetstream.APIError `json:"error,omitempty"`
	}
	if err := json.Unmarshal(resp.Data, &ack); err != nil {
		return 0, fmt.Errorf("bad batch acknowledgement %q: %w", resp.Data, err)
	}
	if ack.Error != nil {
		return 0, ack.Error
	}
	if ack.Count != len(msgs) {
		return 0, fmt.Errorf("batch acknowledged %d of %d messages", ack.Count, len(msgs))
	}
	return ack.Seq, nil
}

func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, nats.ErrConnectionReconnecting) || errors.Is(err, nats.ErrDisconnected) ||
		isDupInProcess(err)
}

// Sleep waits d, or until ctx ends (then it returns ctx's error). The retry loops of the
// store, the transparency log and the window's sources share it.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
