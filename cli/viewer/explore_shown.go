// This file keeps explore mode's source as small as the world it feeds: with --max-nodes the
// world retires its oldest nodes by arrival (systems.Retire, called by ecs.Graph before each
// node it spawns), and the source forgets the same nodes on the same message, so that a node
// the world let go is fetched and shown again when an expansion or a new event reaches it.

package viewer

import (
	"github.com/ipfs/go-cid"
)

// shownKey names one node of the world: an event or object by its CID, a rejected marker
// (no CID) by its stream sequence.
type shownKey struct {
	c   cid.Cid
	seq uint64
}

// arrivals is the world's nodes in arrival order, oldest first: a queue whose slice is
// compacted once its dead front is as long as what it holds.
type arrivals struct {
	keys []shownKey
	head int
}

func (a *arrivals) len() int { return len(a.keys) - a.head }

func (a *arrivals) push(k shownKey) { a.keys = append(a.keys, k) }

func (a *arrivals) pop() shownKey {
	k := a.keys[a.head]
	a.keys[a.head] = shownKey{}
	a.head++
	if a.head >= len(a.keys)-a.head {
		n := copy(a.keys, a.keys[a.head:])
		clear(a.keys[n:])
		a.keys, a.head = a.keys[:n], 0
	}
	return k
}

// arrive records that the message just sent puts node k into the world. As the world does
// before it spawns a node (MakeRoom(1): the oldest leave until one more fits in MaxNodes),
// the source first forgets its oldest nodes; the world's node count and the source's are the
// same at every message, since every node message explore mode sends spawns a node (a Partial
// graph holds none back, and explore mode sends no node the world holds).
// Unbounded (--max-nodes 0), the world retires nothing and the source keeps no order.
func (s *exploreSource) arrive(k shownKey) {
	if s.maxNodes <= 0 {
		return
	}
	for s.shown.len() > s.maxNodes-1 {
		s.forget(s.shown.pop())
	}
	s.shown.push(k)
}

// held is how many nodes the source holds: the world's, once it has applied what was sent.
func (s *exploreSource) held() int { return len(s.nodes) + len(s.rejected) }

// forget drops a node the world retires: what the source knew of it (expanded, its chain's
// shown head) and that its links were sent, so that all of it is sent again if it comes back.
func (s *exploreSource) forget(k shownKey) {
	if !k.c.Defined() {
		delete(s.rejected, k.seq)
		return
	}
	n, ok := s.nodes[k.c]
	if !ok {
		return
	}
	delete(s.nodes, k.c)
	if n.ev != nil && s.heads[n.ev.AggregateID] == k.c {
		delete(s.heads, n.ev.AggregateID)
	}
	for _, l := range s.links[k.c] {
		delete(s.linksSent, l.CID)
	}
}
