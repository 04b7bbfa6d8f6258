// This file keeps explore mode live: it looks at the headers of every message stored after
// the window opened and fetches, verified, the few that join what the window shows: the next
// event of a shown chain whose head was fetched, a child of a node whose neighbours were
// fetched, and the rejected messages beside such a head. A node whose neighbours were not
// fetched keeps its + mark; a double-click fetches whatever is new around it.

package viewer

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
)

// onLive looks at one new message h (headers only) and, when it may join the shown
// neighbourhood, fetches and verifies it and sends it to the world. A read that fails is
// logged and the message left out; its error is the bridge's only (ctx ended).
func (s *exploreSource) onLive(ctx context.Context, b *ecs.Bridge, h store.StoredHeader) error {
	if c, err := block.ParseCID(h.Header.Get(store.HeaderCID)); err == nil {
		if _, ok := s.nodes[c]; ok {
			return nil // fetched already (an expansion got there first)
		}
	}
	if s.rejected[h.Seq] {
		return nil
	}
	agg, _, perr := store.ParseSubject(h.Subject)
	head, headShown := s.heads[agg]
	headShown = headShown && perr == nil
	childOfShown := false
	for i := 0; ; i++ {
		p := h.Header.Get(store.HeaderParentPfx + strconv.Itoa(i))
		if p == "" {
			break
		}
		if c, err := block.ParseCID(p); err == nil {
			if n, ok := s.nodes[c]; ok && n.expanded {
				childOfShown = true
				break
			}
		}
	}
	if !headShown && !childOfShown {
		return nil // nobody's neighbour among the nodes shown: no body is fetched
	}
	rec, err := s.base.events.VerifyAt(ctx, h.Seq)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.base.log.Warn("explore: a new message could not be read", "seq", h.Seq, "err", err)
		return nil
	}
	if r := rec.Rejected; r != nil {
		if !headShown {
			return nil // junk that names a shown parent elsewhere: nobody's neighbour
		}
		r.AggregateID = agg // beside the head it follows, whatever its headers claim
		return s.sendRejected(ctx, b, r)
	}
	ev := rec.Event
	if headShown && ev.AggregateID == agg {
		// On the subjects of a chain whose head is shown: its next event, or a fork.
		isNext, reason, err := s.isNext(ctx, head, ev)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			s.base.log.Warn("explore: the chain of a new event could not be checked", "seq", ev.Seq, "err", err)
			return nil
		}
		if !isNext {
			return s.sendRejected(ctx, b, &store.Rejection{Seq: ev.Seq, Subject: h.Subject, AggregateID: agg,
				ClaimedCID: ev.CID.String(), MsgID: h.Header.Get("Nats-Msg-Id"), Reason: reason})
		}
		delete(s.heads, agg) // the new head is not expanded: its + stands for what follows
	}
	s.base.log.Debug("explore: a new event joins the neighbourhood", "cid", ev.CID, "seq", ev.Seq)
	return s.send(ctx, b, &exploreNode{cid: ev.CID, event: ev})
}

// isNext reports whether ev (stored after the head event headCID of its aggregate) is the
// chain's next event, and if not, why: a new message names the head as its previous event
// and is the aggregate's first valid one after it, or it is a fork.
func (s *exploreSource) isNext(ctx context.Context, headCID cid.Cid, ev *store.StoredEvent) (bool, string, error) {
	n, ok := s.nodes[headCID]
	if !ok || n.ev == nil {
		return false, "", fmt.Errorf("head %s is not shown", headCID)
	}
	if !ev.PreviousCID.Equals(headCID) {
		return false, fmt.Sprintf("previous_cid %s is not %s, the chain's head before it (a fork)", cidText(ev.PreviousCID), headCID), nil
	}
	next, err := s.base.events.Next(ctx, n.ev)
	if errors.Is(err, store.ErrNotFound) {
		return false, "not on the chain (a fork)", nil
	}
	if err != nil {
		return false, "", err
	}
	if !next.CID.Equals(ev.CID) {
		return false, fmt.Sprintf("a second next event of %s (a fork: seq %d came first)", headCID, next.Seq), nil
	}
	return true, "", nil
}

func cidText(c cid.Cid) string {
	if !c.Defined() {
		return "null"
	}
	return c.String()
}

// sendRejected shows a rejected message beside its aggregate's shown events, once while the
// world holds its marker.
func (s *exploreSource) sendRejected(ctx context.Context, b *ecs.Bridge, r *store.Rejection) error {
	if s.rejected[r.Seq] {
		return nil
	}
	m, _ := recordMessage(store.Record{Seq: r.Seq, Rejected: r})
	if err := b.Send(ctx, m); err != nil {
		return err
	}
	s.arrive(shownKey{seq: r.Seq})
	s.rejected[r.Seq] = true
	s.peak = max(s.peak, s.held())
	return nil
}
