package layout

// The history filter shows the store as it was at a stream sequence: the window's timeline
// bar and `--until SEQ` hide every node that was not there yet. It works over plain values,
// like the rest of this package.

// HistoryNode is what the history filter needs of a node.
type HistoryNode struct {
	// Seq is the stream sequence of an event or rejected message; 0 for a node that has none
	// (an object, stored in the object bucket).
	Seq uint64
	// Time is an event's time in Unix nanoseconds (0: unknown).
	Time int64
	// After lists the nodes (indices into the same slice) a node without a Seq cannot have
	// existed before: for an object, the events it links to and its previous version. Such a
	// node is visible when all of them are (and always, if it has none).
	After []int
}

// VisibleAsOf writes into dst (grown as needed) whether each node was in the store as of
// stream sequence asOf, and returns dst: a node with a Seq when Seq <= asOf, a node without
// one when every node in its After is visible. Out-of-range After indices are ignored.
func VisibleAsOf(nodes []HistoryNode, asOf uint64, dst []bool) []bool {
	if cap(dst) < len(nodes) {
		dst = make([]bool, len(nodes))
	}
	dst = dst[:len(nodes)]
	for i, n := range nodes {
		dst[i] = n.Seq == 0 || n.Seq <= asOf
	}
	// Nodes without a Seq: hide those with a hidden predecessor until nothing changes (one
	// pass when predecessors come first, as objects' do; a chain of objects listed newest
	// first needs one pass per link).
	for changed := true; changed; {
		changed = false
		for i, n := range nodes {
			if n.Seq != 0 || !dst[i] {
				continue
			}
			for _, j := range n.After {
				if j >= 0 && j < len(nodes) && j != i && !dst[j] {
					dst[i], changed = false, true
					break
				}
			}
		}
	}
	return dst
}

// SeqAtTime returns the highest Seq of a node whose Time is at or before t (`--until TIME`),
// and false when no node is that old.
func SeqAtTime(nodes []HistoryNode, t int64) (uint64, bool) {
	var best uint64
	found := false
	for _, n := range nodes {
		if n.Seq != 0 && n.Time != 0 && n.Time <= t && (!found || n.Seq > best) {
			best, found = n.Seq, true
		}
	}
	return best, found
}

// TimeAsOf returns the time of the newest event visible as of asOf (for the status line's
// `as of seq N · time`), and false when none is.
func TimeAsOf(nodes []HistoryNode, asOf uint64) (int64, bool) {
	var seq uint64
	var t int64
	found := false
	for _, n := range nodes {
		if n.Seq != 0 && n.Seq <= asOf && n.Time != 0 && (!found || n.Seq > seq) {
			seq, t, found = n.Seq, n.Time, true
		}
	}
	return t, found
}

// StepSeq returns the sequence one event before (dir < 0) or after (dir > 0) asOf among the
// nodes' sequences (the `[` and `]` keys), or asOf itself when there is none that way.
func StepSeq(nodes []HistoryNode, asOf uint64, dir int) uint64 {
	best := asOf
	for _, n := range nodes {
		switch {
		case n.Seq == 0:
		case dir > 0 && n.Seq > asOf && (best == asOf || n.Seq < best):
			best = n.Seq
		case dir < 0 && n.Seq < asOf && (best == asOf || n.Seq > best):
			best = n.Seq
		}
	}
	return best
}
