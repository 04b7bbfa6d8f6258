// This file is explore mode's source (view --at): instead of replaying the stream, it opens
// on one node, fetches its neighbourhood up to --depth hops through the CID and children
// indexes and subject-filtered reads, and then fetches one node's neighbours more whenever
// the window asks (a double-click). It never reads the whole stream; it follows the headers of
// new messages and fetches those that join the neighbourhood (explore_live.go).

package viewer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
)

// childWindow is how many stream messages explore mode reads (headers only) for events of
// other aggregates that name an event as a parent, after the children index's watermark (or
// after the event, when it is past it): a child stored past the watermark and further away
// is not found until a reader has indexed the stream's tail (store.ChildrenOf).
const childWindow = 10_000

// exploreSource is explore mode's ecs.Source. Its maps belong to the Follow goroutine; the
// window reaches it only through Request.
//
// The source remembers what the world holds, to send nothing twice and to know which nodes
// were expanded and which heads are shown. With --max-nodes the world retires its oldest
// nodes by arrival (systems.Retire), and the source forgets the same ones, so that it is no
// bigger than the world and a node the world let go is fetched and shown again when an
// expansion or a new event reaches it.
//
// The source learns what the world retired by mirroring the world's rule
// (explore_shown.go), not from a report back: the world spawns every node message explore
// mode sends, in the order sent (a Partial graph holds no node back, and in explore mode it
// keeps no tombstone of a retired block: ecs.Graph.retireExplored), and removes nodes only
// by that rule, so the oldest node the source forgets is the one the world retires when it
// applies the same message. A report from the game goroutine would need a channel that
// goroutine never blocks on, and would leave the source holding what the bridge still
// carries (up to its capacity beyond the budget); the mirror keeps the source within
// --max-nodes at every moment and shares nothing between goroutines.
type exploreSource struct {
	base     *storeSource
	root     exploreNode
	depth    int
	window   int // childWindow (tests shrink it)
	maxNodes int // the world's --max-nodes (0: unbounded), mirrored by shown
	requests chan cid.Cid

	// nodes, rejected and shown are the world's nodes, as far as the messages sent go:
	// events and objects by CID, rejected markers by sequence, in arrival order.
	nodes     map[cid.Cid]*shownNode
	rejected  map[uint64]bool
	shown     arrivals
	links     map[cid.Cid][]store.Link // by endpoint, read once at the start
	linksSent map[cid.Cid]bool         // link record CIDs whose two ends are shown
	// heads maps an aggregate to its shown, expanded event that was the chain's head when
	// fetched: new messages on its subjects are its next event or rejected beside it.
	heads map[string]cid.Cid
	// sent counts the events and objects sent; peak is the most nodes held at once.
	sent, peak int
}

// exploreNode is a node explore mode has fetched, to be sent: an event or an object.
type exploreNode struct {
	cid   cid.Cid
	event *store.StoredEvent
	obj   *block.Object
}

func (n *exploreNode) label() string { return nodeLabel(n.cid, n.event) }

// shownNode is what the source keeps of a node while the world shows it: what expanding it
// and following its chain need, not an event's payload nor an object's data.
type shownNode struct {
	cid cid.Cid
	// ev is the event without its payload (its CID, sequence, aggregate, type, previous
	// event and parents); nil for an object.
	ev       *store.StoredEvent
	objPrev  cid.Cid // an object's previous version
	head     bool    // an event found to be its chain's head when its neighbours were fetched
	expanded bool    // its neighbours were sent
}

func (n *shownNode) label() string { return nodeLabel(n.cid, n.ev) }

// nodeLabel names a node in the window's notes: an event by type, sequence and aggregate,
// an object as such, each with the end of its CID.
func nodeLabel(c cid.Cid, ev *store.StoredEvent) string {
	s := c.String()
	short := "…" + s[max(len(s)-6, 0):]
	if ev != nil {
		return fmt.Sprintf("%s #%d of %s (%s)", ev.EventType, ev.Seq, ev.AggregateID, short)
	}
	return "object " + short
}

// newExploreSource resolves view --at on the store base reads: a CID names an event or an
// object, anything else an aggregate, whose head it opens on. What names nothing stored is
// an error with exit code 1 (2 when it is not even a well-formed CID), before any window
// opens. maxNodes is the world's --max-nodes (0: unbounded): the source holds no more.
func newExploreSource(ctx context.Context, base *storeSource, at string, depth, maxNodes int) (*exploreSource, error) {
	s := &exploreSource{
		base: base, depth: depth, window: childWindow, maxNodes: maxNodes, requests: make(chan cid.Cid, 16),
		nodes: map[cid.Cid]*shownNode{}, rejected: map[uint64]bool{},
		links: map[cid.Cid][]store.Link{}, linksSent: map[cid.Cid]bool{},
		heads: map[string]cid.Cid{},
	}
	root, err := s.resolve(ctx, at)
	if err != nil {
		return nil, err
	}
	s.root = *root
	return s, nil
}

func (s *exploreSource) resolve(ctx context.Context, at string) (*exploreNode, error) {
	c, perr := block.ParseCID(at)
	if perr == nil {
		n, err := s.fetch(ctx, c)
		if errors.Is(err, store.ErrNotFound) {
			return nil, &cli.ExitError{Code: cli.ExitFailure, Err: fmt.Errorf("--at %s: no event or object of this store has that CID", at)}
		}
		if err != nil {
			return nil, fmt.Errorf("--at %s: %w", at, err)
		}
		return n, nil
	}
	if cli.LooksLikeCID(at) {
		return nil, &cli.ExitError{Code: cli.ExitBadInput, Err: fmt.Errorf("--at %q is not a well-formed CID (%w)", at, perr)}
	}
	if err := store.ValidateName("aggregate ID", at); err != nil {
		return nil, &cli.ExitError{Code: cli.ExitBadInput, Err: fmt.Errorf("--at %q: neither a CID (%w) nor an aggregate ID (%w)", at, perr, err)}
	}
	ev, err := s.base.events.Head(ctx, at)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, &cli.ExitError{Code: cli.ExitFailure, Err: fmt.Errorf("--at %q: this store has no aggregate of that name (nor is it a CID)", at)}
	case err != nil:
		return nil, fmt.Errorf("--at %q: head of the aggregate: %w", at, err)
	}
	return &exploreNode{cid: ev.CID, event: ev}, nil
}

// fetch reads the block c as an event (through the CID index) or an object (from the
// bucket), verified; ErrNotFound when it is neither.
func (s *exploreSource) fetch(ctx context.Context, c cid.Cid) (*exploreNode, error) {
	if c.Type() == cid.DagCBOR {
		ev, err := s.base.events.Get(ctx, c)
		if err == nil {
			return &exploreNode{cid: c, event: ev}, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	if s.base.objects != nil {
		ok, err := s.base.objects.Exists(ctx, c)
		if err != nil {
			return nil, err
		}
		if ok {
			obj, err := s.base.objects.Get(ctx, c)
			if errors.Is(err, store.ErrInvalidInput) {
				// A file's content or a link record: stored, but no node of the world.
				return nil, fmt.Errorf("%w: %s is a block of the bucket but no object: %w", store.ErrNotFound, c, err)
			}
			if err != nil {
				return nil, err
			}
			return &exploreNode{cid: c, obj: obj}, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", store.ErrNotFound, c)
}

// Request asks for the neighbours of c; it never blocks (false: too many requests waiting).
// It is the window's systems.Expander.
func (s *exploreSource) Request(c cid.Cid) bool {
	select {
	case s.requests <- c:
		return true
	default:
		return false
	}
}

// Follow implements ecs.Source: the root, its neighbourhood to the depth asked, and then one
// expansion for each request until ctx ends.
func (s *exploreSource) Follow(ctx context.Context, b *ecs.Bridge) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.base.watchConnection(ctx, b) }()
	defer func() { cancel(); <-done }()

	start := time.Now()
	// New messages are followed from here: what is stored while the neighbourhood is fetched
	// is looked at too (what was fetched already is not sent twice).
	from, ferr := s.base.events.LastSeq(ctx)
	if err := b.Send(ctx, &ecs.StatusMsg{Connection: connState(s.base.nc), CaughtUp: false}); err != nil {
		return err
	}
	if err := b.Send(ctx, &ecs.ExploreMsg{Root: s.root.cid, Depth: s.depth}); err != nil {
		return err
	}
	if s.base.objects != nil {
		links, err := s.base.objects.Links(ctx)
		if err != nil {
			s.base.log.Warn("explore: the link records could not be read; links are left out", "err", err)
		}
		for _, l := range links {
			s.links[l.From] = append(s.links[l.From], l)
			s.links[l.To] = append(s.links[l.To], l)
		}
	}
	root := s.root
	if err := s.send(ctx, b, &root); err != nil {
		return err
	}
	s.root.event, s.root.obj = nil, nil // sent: its label needs only the CID now
	frontier := []cid.Cid{root.cid}
	// fetched is the neighbourhood's nodes, each once (over --max-nodes one may be sent
	// again when a later hop reaches it after it retired).
	fetched := map[cid.Cid]bool{root.cid: true}
	for d := 0; d < s.depth && len(frontier) > 0; d++ {
		next, err := s.expand(ctx, b, frontier, false)
		if err != nil {
			return err
		}
		for _, c := range next {
			fetched[c] = true
		}
		frontier = next
	}
	took := time.Since(start)
	s.base.log.Info("explore: neighbourhood fetched", "root", root.cid, "depth", s.depth, "nodes", len(fetched), "held", s.held(), "took", took)
	hops := "hops"
	if s.depth == 1 {
		hops = "hop"
	}
	note := fmt.Sprintf("%d nodes within %d %s of %s, fetched in %d ms", len(fetched), s.depth, hops, root.label(), took.Milliseconds())
	if len(s.nodes) < len(fetched) {
		note += fmt.Sprintf("; the window keeps the newest %d (--max-nodes)", s.maxNodes)
	}
	if err := b.Send(ctx, &ecs.ExploreMsg{Root: s.root.cid, Depth: s.depth, Note: note}); err != nil {
		return err
	}
	s.base.caughtUp.Store(true) // what watchConnection reports with a connection change
	if err := b.Send(ctx, &ecs.StatusMsg{Connection: connState(s.base.nc), CaughtUp: true}); err != nil {
		return err
	}
	var live <-chan store.StoredHeader
	if ferr == nil {
		live, ferr = s.base.events.TailHeaders(ctx, from)
	}
	if ferr != nil {
		s.base.log.Warn("explore: new events are not followed", "err", ferr)
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case c := <-s.requests:
			if _, err := s.expand(ctx, b, []cid.Cid{c}, true); err != nil {
				return err
			}
		case h, ok := <-live:
			if !ok {
				s.base.log.Warn("explore: the feed of new messages stopped; new events are not followed")
				live = nil
				continue
			}
			if err := s.onLive(ctx, b, h); err != nil {
				return err
			}
		}
	}
}

// expand fetches the neighbours of the nodes cs that are in the world and not expanded yet
// (the children of all of them in one read of the stream), sends those not in the world,
// and reports each node expanded, or failed when a read failed (it stays expandable) or when
// it is no longer in the world, with a note for the window when notes is set. It returns
// the nodes sent; its error is the bridge's only (ctx ended).
func (s *exploreSource) expand(ctx context.Context, b *ecs.Bridge, cs []cid.Cid, notes bool) ([]cid.Cid, error) {
	var todo []*shownNode
	done := &ecs.ExploreMsg{Root: s.root.cid, Depth: s.depth}
	for _, c := range cs {
		n, ok := s.nodes[c]
		switch {
		case !ok:
			// Retired over --max-nodes since it was asked for (or since the fetch that
			// found it): nothing of it is shown, so nothing is fetched around it.
			done.Failed = append(done.Failed, c)
			if notes {
				done.Note = fmt.Sprintf("%s left the window (--max-nodes %d) before its neighbours were fetched", cidLabel(c), s.maxNodes)
			}
		case n.expanded:
			done.Expanded = append(done.Expanded, c)
		default:
			todo = append(todo, n)
		}
	}
	if len(done.Expanded) > 0 || len(done.Failed) > 0 {
		if err := b.Send(ctx, done); err != nil {
			return nil, err
		}
	}
	var added []cid.Cid
	count := map[cid.Cid]int{}
	failed := map[cid.Cid]error{}
	addFor := func(c cid.Cid) func(*exploreNode) error {
		return func(m *exploreNode) error {
			if _, ok := s.nodes[m.cid]; ok {
				return nil
			}
			added = append(added, m.cid)
			count[c]++
			return s.send(ctx, b, m)
		}
	}
	// Children in other aggregates: nothing indexes them, so one headers-only read of the
	// messages after these events, child window each, which runs while the chain, parents and
	// links are fetched (those come first in the world).
	var evs []*store.StoredEvent
	for _, n := range todo {
		if n.ev != nil {
			evs = append(evs, n.ev)
		}
	}
	type children struct {
		of  map[cid.Cid][]*store.StoredEvent
		err error
	}
	kidsDone := make(chan children, 1)
	go func() {
		of, err := s.base.events.ChildrenOf(ctx, evs, s.window)
		kidsDone <- children{of, err}
	}()
	var be bridgeError
	for _, n := range todo {
		err := s.neighbours(ctx, b, n, addFor(n.cid))
		if errors.As(err, &be) {
			return nil, be.err
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			failed[n.cid] = err
		}
	}
	var r children
	select {
	case r = <-kidsDone:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	kids, err := r.of, r.err
	for _, ev := range evs {
		if failed[ev.CID] != nil {
			continue
		}
		if err != nil {
			failed[ev.CID] = err
			continue
		}
		for _, k := range kids[ev.CID] {
			if err := addFor(ev.CID)(&exploreNode{cid: k.CID, event: k}); err != nil {
				return nil, err
			}
		}
	}
	msg := &ecs.ExploreMsg{Root: s.root.cid, Depth: s.depth}
	for _, n := range todo {
		if err := failed[n.cid]; err != nil {
			s.base.log.Warn("explore: neighbours not fetched", "cid", n.cid, "err", err)
			msg.Failed = append(msg.Failed, n.cid)
			msg.Note = fmt.Sprintf("could not fetch the neighbours of %s: %v", n.label(), err)
			continue
		}
		if s.nodes[n.cid] != n {
			// Its own neighbours pushed it out of the world (more than --max-nodes keeps):
			// it is not shown, so not marked expanded; if it came back among them, it is a
			// new node with its + mark.
			msg.Failed = append(msg.Failed, n.cid)
			if len(failed) == 0 {
				msg.Note = fmt.Sprintf("%s: %d new nodes; it left the window (--max-nodes %d)", n.label(), count[n.cid], s.maxNodes)
			}
			continue
		}
		n.expanded = true
		if n.head {
			s.heads[n.ev.AggregateID] = n.cid
		}
		msg.Expanded = append(msg.Expanded, n.cid)
		if msg.Note == "" || len(failed) == 0 {
			msg.Note = fmt.Sprintf("%s: %d new nodes", n.label(), count[n.cid])
			if count[n.cid] == 1 {
				msg.Note = fmt.Sprintf("%s: 1 new node", n.label())
			}
		}
	}
	if !notes {
		msg.Note = ""
	}
	if len(msg.Expanded) == 0 && len(msg.Failed) == 0 {
		return added, nil
	}
	return added, b.Send(ctx, msg)
}

// cidLabel names a node the source no longer holds by the end of its CID.
func cidLabel(c cid.Cid) string {
	s := c.String()
	return "…" + s[max(len(s)-6, 0):]
}

// bridgeError marks an error of the bridge (ctx ended) among fetch errors.
type bridgeError struct{ err error }

func (e bridgeError) Error() string { return e.err.Error() }

// neighbours fetches what n points at (previous event or version, parents), the next event
// of its chain and what its link records join it to, calling add for each (expand adds the
// children of other aggregates), and sends the rejected messages of n's aggregate between n
// and its next event (after n, when it is the head).
func (s *exploreSource) neighbours(ctx context.Context, b *ecs.Bridge, n *shownNode, add func(*exploreNode) error) error {
	visit := func(c cid.Cid) error {
		if !c.Defined() {
			return nil
		}
		if _, ok := s.nodes[c]; ok {
			return nil
		}
		m, err := s.fetch(ctx, c)
		if err != nil {
			return fmt.Errorf("%s: %w", c, err)
		}
		if err := add(m); err != nil {
			return bridgeError{err}
		}
		return nil
	}
	if ev := n.ev; ev != nil {
		if err := visit(ev.PreviousCID); err != nil {
			return err
		}
		for _, p := range ev.ParentCIDs {
			if err := visit(p); err != nil {
				return err
			}
		}
		next, rejected, err := s.base.events.NextWithRejected(ctx, ev)
		for _, r := range rejected {
			if err := s.sendRejected(ctx, b, r); err != nil {
				return bridgeError{err}
			}
		}
		switch {
		case err == nil:
			if err := add(&exploreNode{cid: next.CID, event: next}); err != nil {
				return bridgeError{err}
			}
		case errors.Is(err, store.ErrNotFound):
			n.head = true
		default:
			return fmt.Errorf("next event of %s: %w", ev.AggregateID, err)
		}
	} else if err := visit(n.objPrev); err != nil {
		return err
	}
	for _, l := range s.links[n.cid] {
		other := l.To
		if other.Equals(n.cid) {
			other = l.From
		}
		if _, ok := s.nodes[other]; ok {
			continue
		}
		m, err := s.fetch(ctx, other)
		if errors.Is(err, store.ErrNotFound) {
			continue // file content or a link record: no node of the world
		}
		if err != nil {
			return fmt.Errorf("link %s → %s: %w", l.From, l.To, err)
		}
		if err := add(m); err != nil {
			return bridgeError{err}
		}
	}
	return nil
}

// send puts n into the world, with the links between it and the nodes already there, and
// keeps what shownNode says of it.
func (s *exploreSource) send(ctx context.Context, b *ecs.Bridge, n *exploreNode) error {
	var m ecs.Message
	kept := &shownNode{cid: n.cid}
	if n.event != nil {
		m, _ = recordMessage(store.Record{Seq: n.event.Seq, Event: n.event})
		ev := *n.event
		ev.Payload = nil
		kept.ev = &ev
	} else {
		om, ok := s.base.objectMessage(ctx, store.ObjectRecord{CID: n.cid, Object: n.obj})
		if !ok {
			return nil
		}
		m = om
		kept.objPrev = n.obj.PreviousCID
	}
	if err := b.Send(ctx, m); err != nil {
		return err
	}
	s.arrive(shownKey{c: n.cid})
	s.nodes[n.cid] = kept
	s.sent++
	s.peak = max(s.peak, s.held())
	for _, l := range s.links[n.cid] {
		_, okF := s.nodes[l.From]
		_, okT := s.nodes[l.To]
		if !okF || !okT || s.linksSent[l.CID] {
			continue
		}
		if err := b.Send(ctx, &ecs.LinkMsg{From: l.From, To: l.To, Type: l.Type}); err != nil {
			return err
		}
		s.linksSent[l.CID] = true
	}
	return nil
}
