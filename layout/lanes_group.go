// This file groups the lanes: the grouping and order switches, collapsed groups, and the
// group keys (ID prefix, event-type family) with the natural order of lane names.

package layout

import (
	"cmp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SetGrouping switches the grouping; rows are rebuilt.
func (l *Lanes) SetGrouping(g LaneGrouping) {
	l.cfg.Grouping, l.dirty, l.version, l.reshaped = g, true, l.version+1, l.reshaped+1
}

// SetOrder switches the lane order; rows are rebuilt.
func (l *Lanes) SetOrder(o LaneOrder) {
	l.cfg.Order, l.dirty, l.version, l.reshaped = o, true, l.version+1, l.reshaped+1
}

// SetCollapsed collapses (or expands) the group with the given key (as in Row.Group) to one
// row. Collapsing takes effect while grouping is on.
func (l *Lanes) SetCollapsed(group string, on bool) {
	if on {
		l.collapsed[group] = true
	} else {
		delete(l.collapsed, group)
	}
	l.dirty = true
	l.version++
	l.reshaped++
}

// Collapsed reports whether the group is collapsed.
func (l *Lanes) Collapsed(group string) bool { return l.collapsed[group] }

// GroupOf returns the group key of a lane (an aggregate ID, or ObjectsLane) under the current
// grouping, "" without grouping or for an unknown lane.
func (l *Lanes) GroupOf(laneName string) string {
	k, ok := l.laneOf[laneName]
	if !ok {
		return ""
	}
	return l.groupKey(&l.lanes[k])
}

func (l *Lanes) groupKey(ln *lane) string {
	if ln.name == ObjectsLane {
		return ObjectsLane
	}
	switch l.cfg.Grouping {
	case GroupByPrefix:
		return IDPrefix(ln.name)
	case GroupByTypeFamily:
		return TypeFamily(ln.firstType)
	}
	return ""
}

// IDPrefix is the group key of an aggregate ID under GroupByPrefix: up to and including the
// first '-', '_', ':', '.' or '/', then '*' (order-23 and order-23-payment are order-*,
// user:42 is user:*); an ID without a separator loses its trailing digits (order23 is
// order*); an ID that would lose everything is its own group.
func IDPrefix(id string) string {
	if i := strings.IndexAny(id, "-_:./"); i > 0 {
		return id[:i+1] + "*"
	}
	trimmed := strings.TrimRightFunc(id, unicode.IsDigit)
	if trimmed == "" || trimmed == id {
		return id
	}
	return trimmed + "*"
}

// TypeFamily is the group key of an event type under GroupByTypeFamily: its first word then
// '*'. Words are split at a separator ('-', '_', ':', '.', '/', kept) or, in CamelCase, before
// an upper-case letter that follows a lower-case one: OrderCreated and OrderPaid are Order*,
// order.created is order.*, HTTPRequestSent is HTTPRequest*. A one-word type is its own family.
func TypeFamily(typ string) string {
	if i := strings.IndexAny(typ, "-_:./"); i > 0 {
		return typ[:i+1] + "*"
	}
	prevLower := false
	for i, r := range typ {
		if i > 0 && prevLower && unicode.IsUpper(r) {
			return typ[:i] + "*"
		}
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
	}
	return typ
}

// NaturalCompare orders strings with runs of digits compared as numbers: order-2 < order-10.
func NaturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			if c := cmp.Compare(da, db); c != 0 { // fewer leading zeros first
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		ra, sa := utf8.DecodeRuneInString(a)
		rb, sb := utf8.DecodeRuneInString(b)
		if c := cmp.Compare(ra, rb); c != 0 {
			return c
		}
		a, b = a[sa:], b[sb:]
	}
	return cmp.Compare(len(a), len(b))
}

func digitRun(s string) int {
	n := 0
	for n < len(s) && '0' <= s[n] && s[n] <= '9' {
		n++
	}
	return n
}
