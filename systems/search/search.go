// Package search is the window's `/` search as a pure function: which nodes a query names
// (anywhere in an aggregate ID or event type, or the start of a CID, case-insensitive), in the
// order `Enter` and `n` step through them. The window hands it the nodes' names and keeps a
// Cursor; the package knows nothing of the ECS world or of Ebiten.
package search

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Entry is what search sees of one node. Seq orders the matches, newest first (objects,
// which have no stream sequence, may use 0).
type Entry struct {
	Aggregate, Type, CID string
	Seq                  uint64
	// Aside puts the entry after the others of its rank (the window sets it for rejected
	// messages and objects, so that /order-1 lands on the aggregate's newest event first).
	Aside bool
}

// How well an entry matches; lower is better and comes first.
const (
	rankExactAggregate = iota // the aggregate ID is the query
	rankCIDPrefix             // the CID starts with the query
	rankAggregate             // the query is inside the aggregate ID
	rankType                  // the query is inside the event type
)

// Find returns the indices of the entries that match query, best first: entries whose
// aggregate ID is the query, then those whose CID starts with it, then those whose aggregate
// ID contains it, then those whose event type contains it; within each, entries not Aside
// before those Aside, then the highest Seq (then the highest index) first. Case does not matter; leading and trailing spaces are ignored; an
// empty query matches nothing.
func Find(entries []Entry, query string) []int {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" {
		return nil
	}
	type hit struct{ i, rank int }
	var hits []hit
	for i, e := range entries {
		rank := -1
		switch {
		case equalFold(e.Aggregate, q):
			rank = rankExactAggregate
		case hasPrefixFold(e.CID, q):
			rank = rankCIDPrefix
		case containsFold(e.Aggregate, q):
			rank = rankAggregate
		case containsFold(e.Type, q):
			rank = rankType
		}
		if rank >= 0 {
			hits = append(hits, hit{i, rank})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if c := cmp.Compare(a.rank, b.rank); c != 0 {
			return c
		}
		if ea, eb := entries[a.i].Aside, entries[b.i].Aside; ea != eb {
			if ea {
				return 1
			}
			return -1
		}
		if c := cmp.Compare(entries[b.i].Seq, entries[a.i].Seq); c != 0 {
			return c
		}
		return cmp.Compare(b.i, a.i)
	})
	out := make([]int, len(hits))
	for k, h := range hits {
		out[k] = h.i
	}
	return out
}

// equalFold, hasPrefixFold and containsFold compare s with q, which is already lower case.
// They fold ASCII bytes on the fly, without allocating, and fall back to strings.ToLower on
// meeting a byte that is not ASCII.
func equalFold(s, q string) bool {
	if len(s) == len(q) {
		if m, ok := prefixASCII(s, q); ok {
			return m
		}
	}
	return !isASCII(s) && strings.ToLower(s) == q
}

func hasPrefixFold(s, q string) bool {
	if len(s) >= len(q) {
		if m, ok := prefixASCII(s, q); ok {
			return m
		}
	}
	return !isASCII(s) && strings.HasPrefix(strings.ToLower(s), q)
}

func containsFold(s, q string) bool {
	first := q[0]
	for start := 0; start+len(q) <= len(s); start++ {
		b := s[start]
		if b >= utf8.RuneSelf {
			return strings.Contains(strings.ToLower(s), q)
		}
		if lower(b) != first {
			continue
		}
		m, ok := prefixASCII(s[start:], q)
		if !ok {
			return strings.Contains(strings.ToLower(s), q)
		}
		if m {
			return true
		}
	}
	if !isASCII(s[max(len(s)-len(q)+1, 0):]) {
		return strings.Contains(strings.ToLower(s), q)
	}
	return false
}

// prefixASCII reports whether s, folded to lower case, starts with q (len(s) >= len(q)); ok
// is false when it met a byte of s that is not ASCII before it could tell.
func prefixASCII(s, q string) (match, ok bool) {
	for i := 0; i < len(q); i++ {
		b := s[i]
		if b >= utf8.RuneSelf {
			return false, false
		}
		if lower(b) != q[i] {
			return false, true
		}
	}
	return true, true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// lower folds an ASCII byte to lower case.
func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// Cursor steps through a search's matches: Next and Prev wrap round. Its zero value has no
// matches.
type Cursor struct {
	matches []int
	pos     int
}

// NewCursor returns a cursor on the first of matches (as returned by Find).
func NewCursor(matches []int) Cursor { return Cursor{matches: matches} }

// Count is the number of matches.
func (c *Cursor) Count() int { return len(c.matches) }

// Current returns the entry index the cursor is on, and false when there are no matches.
func (c *Cursor) Current() (int, bool) {
	if len(c.matches) == 0 {
		return 0, false
	}
	return c.matches[c.pos], true
}

// Next moves to the following match (after the last: the first) and returns it.
func (c *Cursor) Next() (int, bool) {
	if len(c.matches) > 0 {
		c.pos = (c.pos + 1) % len(c.matches)
	}
	return c.Current()
}

// Prev moves to the previous match (before the first: the last) and returns it.
func (c *Cursor) Prev() (int, bool) {
	if len(c.matches) > 0 {
		c.pos = (c.pos + len(c.matches) - 1) % len(c.matches)
	}
	return c.Current()
}

// Status is what the window shows beside the query: "3/17", or "no match".
func (c *Cursor) Status() string {
	if len(c.matches) == 0 {
		return "no match"
	}
	return fmt.Sprintf("%d/%d", c.pos+1, len(c.matches))
}
