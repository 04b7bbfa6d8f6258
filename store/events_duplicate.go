// This file checks publishes the server answered as duplicates: JetStream deduplicates by
// Nats-Msg-Id, which is the event's CID, and anyone who may publish on the stream can send
// other bytes under that ID first. A duplicate answer is a success only when the message
// stored under the ID is this very event, in its place in the chain.

package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// confirmDuplicate checks that the message stored at seq, which the server named as the
// holder of m's message ID, is m: the same subject and bytes, headers that agree with the
// block, and stored after the aggregate's last sequence m was sent against. Anything else is
// ErrDuplicateMsgID.
func (s *JetStreamEvents) confirmDuplicate(ctx context.Context, m *nats.Msg, seq uint64) error {
	after, _ := strconv.ParseUint(m.Header.Get(jetstream.ExpectedLastSubjSeqHeader), 10, 64)
	return s.sameAt(ctx, m, seq, after)
}

// confirmBatchDuplicate handles an atomic batch refused because one of its message IDs is
// already stored (10201): a resent batch whose first attempt was stored is found in the stream
// (every message in order, after the aggregate's last sequence the batch was sent against),
// and its last sequence returned; otherwise the IDs are squatted (ErrDuplicateMsgID).
func (s *JetStreamEvents) confirmBatchDuplicate(ctx context.Context, msgs []*nats.Msg, stored []*StoredEvent) (uint64, error) {
	n := uint64(len(msgs))
	after, _ := strconv.ParseUint(msgs[0].Header.Get(jetstream.ExpectedLastSubjSeqHeader), 10, 64)
	last, err := s.Get(ctx, stored[n-1].CID)
	if errors.Is(err, ErrNotFound) {
		return 0, fmt.Errorf("%w: the batch's last event %s is not stored, so another message holds one of its IDs; nothing was stored (retry after the stream's duplicate window, %s)",
			ErrDuplicateMsgID, stored[n-1].CID, s.dupWindow())
	}
	if err != nil {
		return 0, fmt.Errorf("look for the batch's last event: %w", err)
	}
	if last.Seq < n {
		return 0, fmt.Errorf("%w: the batch's last event is at seq %d, too early for %d events", ErrDuplicateMsgID, last.Seq, n)
	}
	first := last.Seq - n + 1
	for i, m := range msgs {
		if err := s.sameAt(ctx, m, first+uint64(i), after); err != nil {
			return 0, err
		}
	}
	return last.Seq, nil
}

// sameAt checks that the stream message at seq is m, stored after sequence after.
func (s *JetStreamEvents) sameAt(ctx context.Context, m *nats.Msg, seq, after uint64) error {
	id := m.Header.Get(HeaderMsgID)
	var raw *jetstream.RawStreamMsg
	err := s.retrying(ctx, func() (err error) {
		raw, err = s.stream.GetMsg(ctx, seq)
		return err
	})
	if err != nil {
		return fmt.Errorf("%w: message ID %s is held by seq %d, which cannot be read: %w", ErrDuplicateMsgID, id, seq, err)
	}
	why := ""
	switch {
	case raw.Subject != m.Subject:
		why = fmt.Sprintf("it is on subject %s, not %s", raw.Subject, m.Subject)
	case string(raw.Data) != string(m.Data):
		why = fmt.Sprintf("it holds %d other bytes", len(raw.Data))
	case seq <= after:
		why = fmt.Sprintf("it was stored before the aggregate's last message (seq %d), out of its place in the chain", after)
	default:
		if _, _, err := verifyStandalone(raw.Subject, raw.Header, raw.Data); err != nil {
			why = "its headers are wrong: " + err.Error()
		}
	}
	if why != "" {
		return fmt.Errorf("%w: the server holds message ID %s at seq %d, but that message is not this event (%s); nothing was stored (retry after the stream's duplicate window, %s)",
			ErrDuplicateMsgID, id, seq, why, s.dupWindow())
	}
	return nil
}

// dupWindow is the stream's duplicate window, as the server was last told it.
func (s *JetStreamEvents) dupWindow() string {
	if info := s.stream.CachedInfo(); info != nil {
		return info.Config.Duplicates.String()
	}
	return "unknown"
}
