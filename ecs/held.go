package ecs

import (
	"github.com/ipfs/go-cid"
)

// heldItem is a node or link waiting for blocks that have not reached the world yet.
type heldItem struct {
	msg     Message
	key     cid.Cid   // the node's CID; cid.Undef for a link
	missing []cid.Cid // the blocks still awaited
	done    bool      // attached, forced in or dropped
}

// heldSet holds children that arrived before their parents, previous versions or link
// endpoints, indexed by what they wait for, oldest first.
type heldSet struct {
	waiting map[cid.Cid][]*heldItem
	byKey   map[cid.Cid]*heldItem
	fifo    []*heldItem
	head    int
	count   int
}

func newHeldSet() heldSet {
	return heldSet{waiting: make(map[cid.Cid][]*heldItem), byKey: make(map[cid.Cid]*heldItem)}
}

func (h *heldSet) holds(key cid.Cid) bool {
	_, ok := h.byKey[key]
	return ok
}

// hold keeps m until every CID of missing has reached the world (or left it), then applies
// it; beyond MaxHeld the oldest held item is let go.
func (g *Graph) hold(m Message, key cid.Cid, missing []cid.Cid) {
	h := &g.held
	it := &heldItem{msg: m, key: key, missing: missing}
	for _, c := range missing {
		h.waiting[c] = append(h.waiting[c], it)
	}
	if key.Defined() {
		h.byKey[key] = it
	}
	h.fifo = append(h.fifo, it)
	h.count++
	for g.cfg.MaxHeld > 0 && h.count > g.cfg.MaxHeld {
		g.evictOldestHeld()
	}
}

// settle marks it as no longer held.
func (h *heldSet) settle(it *heldItem) {
	it.done = true
	h.count--
	if it.key.Defined() && h.byKey[it.key] == it {
		delete(h.byKey, it.key)
	}
	// Drop settled items from the front of the queue; compact it once mostly dead.
	for h.head < len(h.fifo) && h.fifo[h.head].done {
		h.fifo[h.head] = nil
		h.head++
	}
	if h.head == len(h.fifo) {
		h.fifo, h.head = h.fifo[:0], 0
	} else if h.head > 1024 && h.head > len(h.fifo)/2 {
		n := copy(h.fifo, h.fifo[h.head:])
		clear(h.fifo[n:])
		h.fifo, h.head = h.fifo[:n], 0
	}
}

// evictOldestHeld lets the oldest held item go: a node enters the world with the edges it
// can have, a link is dropped.
func (g *Graph) evictOldestHeld() {
	h := &g.held
	for h.head < len(h.fifo) && h.fifo[h.head].done {
		h.head++
	}
	if h.head == len(h.fifo) {
		return
	}
	it := h.fifo[h.head]
	for _, c := range it.missing {
		list := h.waiting[c]
		kept := list[:0]
		for _, o := range list {
			if o != it {
				kept = append(kept, o)
			}
		}
		clear(list[len(kept):])
		if len(kept) == 0 {
			delete(h.waiting, c)
		} else {
			h.waiting[c] = kept
		}
	}
	it.missing = nil
	h.settle(it)
	if it.key.Defined() {
		g.spawnNode(it.msg)
		g.release(it.key)
	}
}

// release attaches whatever waited for key, which has just entered the world, and then,
// breadth first, whatever waited for those: a chain of held nodes unwinds without
// recursion.
func (g *Graph) release(key cid.Cid) {
	h := &g.held
	if len(h.waiting) == 0 {
		return
	}
	queue := []cid.Cid{key}
	for len(queue) > 0 {
		k := queue[0]
		queue = queue[1:]
		waiters := h.waiting[k]
		if len(waiters) == 0 {
			continue
		}
		delete(h.waiting, k)
		for _, it := range waiters {
			if it.done {
				continue
			}
			it.missing = without(it.missing, k)
			if len(it.missing) > 0 {
				continue
			}
			h.settle(it)
			if it.key.Defined() {
				g.spawnNode(it.msg)
				queue = append(queue, it.key)
			} else {
				g.addLink(it.msg.(*LinkMsg))
			}
		}
	}
}

// without returns s with every c removed, in place.
func without(s []cid.Cid, c cid.Cid) []cid.Cid {
	kept := s[:0]
	for _, x := range s {
		if x != c {
			kept = append(kept, x)
		}
	}
	return kept
}
