package layout

import (
	"cmp"
	"math"
	"slices"
)

// The lanes layout is the second way the window places nodes, beside the force layout: one
// horizontal lane per aggregate, x along the stream (or along event time), so that every
// aggregate's chain is a horizontal line and time reads left to right, as event-sourcing
// teams draw their systems. It is a pure placement over plain values: Add a node, read its
// position back; nothing moves unless the lanes' structure changes.

// LaneKind is what a node of the lanes layout is.
type LaneKind uint8

// The kinds of lanes nodes.
const (
	LaneEvent    LaneKind = iota // an event: in its aggregate's lane, at its stream position
	LaneRejected                 // a message that failed verification: in its aggregate's lane
	LaneObject                   // an object: beside the event that links it
)

// NoBeside in LaneNode.Beside places an object without an event that links it.
const NoBeside = -1

// LaneNode is what the lanes layout needs of a node.
type LaneNode struct {
	Kind LaneKind
	// Aggregate is the lane of an event or rejected message.
	Aggregate string
	// Type is the event type; with GroupByTypeFamily a lane joins the family of its first
	// event's type.
	Type string
	// Seq is the stream sequence of an event or rejected message.
	Seq uint64
	// Time is the event time in Unix nanoseconds (XByTime). A rejected message or object
	// with no time takes the latest time added before it.
	Time int64
	// Beside is, for an object, the index of the node it is drawn beside, usually the event
	// it links to (beside an object: in that object's place, stacked); NoBeside puts it in
	// the objects row, at the newest sequence so far.
	Beside int
}

// LaneX chooses what the x axis means.
type LaneX uint8

// The x modes.
const (
	XBySeq  LaneX = iota // x is the stream sequence: every event its own column
	XByTime              // x is the event time
)

// LaneGrouping chooses how lanes are grouped (and so which lanes can collapse together).
type LaneGrouping uint8

// The groupings.
const (
	GroupNone         LaneGrouping = iota // every lane alone
	GroupByPrefix                         // by aggregate-ID prefix: order-23 is in order-*
	GroupByTypeFamily                     // by the family of the lane's first event type: OrderCreated is in Order*
)

// LaneOrder chooses the vertical order of lanes (and of groups).
type LaneOrder uint8

// The orders.
//
// OrderFirstSeen never moves a lane once placed: a new aggregate's lane is added below the
// others (without grouping; with grouping it is added at the end of its group, which moves
// the lanes of later groups down by one lane). OrderByName sorts lanes by name, digits
// compared as numbers (order-2 before order-10), so a new lane is inserted among the others
// and the lanes after it move down. Such a move counts in Reshaped, and the window glides
// the nodes to their new rows.
const (
	OrderFirstSeen LaneOrder = iota
	OrderByName
)

// LanesConfig tunes a lanes layout. Its zero value works: stream order, no grouping, lanes in
// the order their aggregates first appear.
type LanesConfig struct {
	X        LaneX
	Grouping LaneGrouping
	Order    LaneOrder
	// Spacing is the x distance between consecutive stream sequences (default 30, the force
	// layout's link distance).
	Spacing float64
	// TimeScale is the x distance of one second of event time in XByTime (default 60).
	TimeScale float64
	// TimeGap is the least x distance in XByTime between a node and the one placed before
	// it in its lane (default two thirds of Spacing, more than a node's width): events at
	// one time, or closer in time than that, go TimeGap apart in stream order instead of on
	// top of each other.
	TimeGap float64
	// LaneHeight is the distance between lanes (default 60).
	LaneHeight float64
	// GroupGap is the extra space between groups when grouping (default LaneHeight/2).
	GroupGap float64
}

func (c LanesConfig) normalized() LanesConfig {
	if !(c.Spacing > 0) {
		c.Spacing = 30
	}
	if !(c.TimeScale > 0) {
		c.TimeScale = 60
	}
	if !(c.TimeGap > 0) {
		c.TimeGap = c.Spacing * 2 / 3
	}
	if !(c.LaneHeight > 0) {
		c.LaneHeight = 60
	}
	if !(c.GroupGap >= 0) || c.GroupGap == 0 {
		c.GroupGap = c.LaneHeight / 2
	}
	return c
}

// ObjectsLane is the name of the row that holds objects placed without an event beside them.
const ObjectsLane = "objects"

// Row is one horizontal row of the lanes layout, as the window labels it at the left edge.
type Row struct {
	// Label is the lane's aggregate ID, or for a collapsed group its key (order-*).
	Label string
	// Group is the key of the row's group ("" without grouping).
	Group string
	// Y is the row's centre line.
	Y float64
	// Lanes is the number of lanes in the row (more than one when collapsed).
	Lanes int
	// Nodes is the number of nodes drawn in the row.
	Nodes     int
	Collapsed bool
}

type lane struct {
	name      string
	firstType string
	nodes     int
	row       int32 // index into rows, -1 until the rows are built with it
	last      int32 // the event or rejected message placed in the lane last, -1 for none
	// tail is the x in XByTime of the slot placed in the lane last, and tailSeq its
	// sequence (tailed: there is one): the next slot goes at least TimeGap right of it.
	tail    float64
	tailSeq uint64
	tailed  bool
}

// placed is a node as the layout keeps it. Nodes at the same place (an event and the objects
// beside it, loose objects that arrived at the same newest sequence, a sequence placed twice
// in a lane) form a slot: they share lane, seq and time, are linked in a ring, and each has
// its own stack number in the slot, so that no two are drawn at the same point.
type placed struct {
	kind LaneKind
	lane int32
	seq  uint64
	time int64
	// tx is the slot's x in XByTime: its time's x, or TimeGap right of the lane's previous
	// slot when that is further right (fixed when placed, so a new node moves no other).
	tx    float64
	stack int32 // the node's number in its slot: 0 at the slot's place, more down and right
	// beside is the node an object was put beside, -1 for none: the objects put beside an
	// object move with it.
	beside int32
}

// Lanes is an incremental lanes layout. It is not safe for concurrent use.
type Lanes struct {
	cfg       LanesConfig
	lanes     []lane
	laneOf    map[string]int32
	nodes     []placed
	ring      []int32 // per node: the next node of its slot (itself when alone)
	loose     int32   // the newest loose object, whose slot the next one joins: -1 for none
	collapsed map[string]bool
	// x = 0 is the first event's sequence, and its time (the first time seen) in XByTime.
	seq0                    uint64
	time0                   int64
	seqStarted, timeStarted bool
	lastSeq                 uint64
	lastTime                int64

	dirty      bool
	rows       []Row
	version    uint64
	emptyLanes int // lanes whose nodes have all been removed (compact drops them)
	reshaped   uint64
}

// Reshaped counts the changes that move nodes already placed (a switch of x axis, grouping
// or order, a collapse, dropped lanes, a new lane inserted above others), as opposed to
// nodes coming and going: the window glides nodes to their new places after such a change.
// It brings the rows up to date first, so that it counts what the next Positions shows.
func (l *Lanes) Reshaped() uint64 {
	l.build()
	return l.reshaped
}

// Version counts the changes to the layout (placements, removals, switches): positions read
// at the same Version are the same.
func (l *Lanes) Version() uint64 { return l.version }

// NewLanes returns an empty lanes layout.
func NewLanes(cfg LanesConfig) *Lanes {
	return &Lanes{cfg: cfg.normalized(), laneOf: map[string]int32{}, collapsed: map[string]bool{}, loose: -1}
}

// Config returns the layout's configuration (with defaults filled in).
func (l *Lanes) Config() LanesConfig { return l.cfg }

// Len is one more than the highest index placed (Add's next index).
func (l *Lanes) Len() int { return len(l.nodes) }

// Add places a node at the next free index, Len, and returns it. Nodes already placed keep
// their positions unless a new lane is inserted above theirs (see LaneOrder).
func (l *Lanes) Add(n LaneNode) int {
	i := len(l.nodes)
	l.Set(i, n)
	return i
}

// Set places a node at index i, replacing the node there (the window uses the force layout's
// node IDs, which are reused after a removal); indices between Len and i hold nothing.
func (l *Lanes) Set(i int, n LaneNode) {
	if i < 0 {
		return
	}
	for len(l.nodes) <= i {
		l.nodes = append(l.nodes, placed{lane: -1, beside: -1})
		l.ring = append(l.ring, int32(len(l.ring)))
	}
	l.Remove(i)
	l.compact()
	l.version++
	p := placed{kind: n.Kind, seq: n.Seq, time: n.Time, beside: -1}
	if p.time == 0 {
		p.time = l.lastTime
	}
	switch {
	case n.Kind != LaneObject:
		p.lane = l.lane(n.Aggregate, n.Type)
		if !l.seqStarted {
			l.seqStarted, l.seq0 = true, n.Seq
		}
		l.lastSeq = max(l.lastSeq, n.Seq)
		l.lastTime = max(l.lastTime, p.time)
	case n.Beside != i && l.live(n.Beside):
		l.nodes[i] = p
		l.join(i, n.Beside)
		l.count(l.nodes[i].lane, 1)
		return
	default:
		// Until it is put beside an event: in the objects row, at the newest sequence.
		p.seq, p.time = l.lastSeq, l.lastTime
		p.lane = l.lane(ObjectsLane, "")
	}
	if !l.timeStarted && p.time != 0 {
		l.timeStarted, l.time0 = true, p.time
	}
	l.nodes[i] = p
	if ln := &l.lanes[p.lane]; p.kind != LaneObject {
		// A sequence placed twice in a lane (a rejected message whose sequence is not known,
		// 0, after another) shares the slot of the first.
		if k := ln.last; l.live(int(k)) && l.nodes[k].lane == p.lane && l.nodes[k].seq == p.seq && l.nodes[k].kind != LaneObject {
			l.join(i, int(k))
			l.nodes[i].beside = -1
		}
		ln.last = int32(i)
	} else {
		// In the slot of the loose objects that arrived at the same newest sequence.
		if k := l.loose; l.live(int(k)) && l.nodes[k].lane == p.lane && l.nodes[k].seq == p.seq {
			l.join(i, int(k))
			l.nodes[i].beside = -1 // not linked to it: does not follow it
		}
		l.loose = int32(i)
	}
	if l.ring[i] == int32(i) {
		l.timeX(i)
	}
	l.count(p.lane, 1)
}

// timeX fixes the x in XByTime of node i, which starts a slot in its lane: its time's x,
// but at least TimeGap right of the lane's previous slot, so that events at one time (or
// closer in time than a node is wide) do not meet. A node that arrives after a later
// sequence of its lane (one fetched back in explore mode) takes its time's x; a rejected
// message of unknown sequence (0) counts as the newest.
func (l *Lanes) timeX(i int) {
	p := &l.nodes[i]
	ln := &l.lanes[p.lane]
	p.tx = float64(p.time-l.time0) / 1e9 * l.cfg.TimeScale
	if ln.tailed && p.seq != 0 && p.seq < ln.tailSeq {
		return
	}
	if ln.tailed {
		p.tx = max(p.tx, ln.tail+l.cfg.TimeGap)
	}
	ln.tail, ln.tailSeq, ln.tailed = p.tx, max(p.seq, ln.tailSeq), true
}

// SetBeside moves object i next to node j (an event that it links to, typically known only
// after the object arrived) and reports whether i now sits there. Beside an object, i goes
// into that object's slot (beside the event that object sits beside), stacked: two objects
// linked to each other end up side by side, never on one point, and SetBeside(j, i) after
// SetBeside(i, j) changes nothing. The objects that were put beside i come along, and so,
// from the objects row, does the loose object i was beside. It does nothing and reports
// false unless i is an object and j another placed node. Link chooses which of two linked
// nodes to move.
func (l *Lanes) SetBeside(i, j int) bool {
	if !l.live(i) || !l.live(j) || i == j || l.nodes[i].kind != LaneObject {
		return false
	}
	if l.together(i, j) {
		// Already side by side (j beside i, or two loose objects that arrived together):
		// from now on i follows j.
		if l.nodes[i].beside < 0 && l.nodes[j].beside != int32(i) {
			l.nodes[i].beside = int32(j)
		}
		return true
	}
	l.version++
	was := l.nodes[i].beside
	l.count(l.nodes[i].lane, -1)
	rest := l.leave(i)
	l.join(i, j)
	l.count(l.nodes[i].lane, 1)
	if rest < 0 {
		return true
	}
	// The objects put beside i, left in its old slot, follow it, and in the objects row the
	// one i was beside (collected first: moving them changes the ring being walked).
	loose := l.inObjectsRow(int(rest))
	var buf [8]int32
	follow := buf[:0]
	for k := rest; ; {
		if l.nodes[k].beside == int32(i) || loose && k == was {
			follow = append(follow, k)
		}
		if k = l.ring[k]; k == rest {
			break
		}
	}
	for _, k := range follow {
		l.SetBeside(int(k), i)
	}
	return true
}

// Link places two nodes linked to each other (an object link, either way): an object goes
// beside the node it is linked with; of two objects, a loose one (in the objects row) goes
// beside the other, i beside j when both are loose, and neither moves when both sit beside
// events already. Nodes other than objects never move.
func (l *Lanes) Link(i, j int) {
	if !l.live(i) || !l.live(j) {
		return
	}
	oi, oj := l.nodes[i].kind == LaneObject, l.nodes[j].kind == LaneObject
	switch {
	case oi && oj:
		if li, lj := l.inObjectsRow(i), l.inObjectsRow(j); li {
			l.SetBeside(i, j)
		} else if lj {
			l.SetBeside(j, i)
		}
	case oi:
		l.SetBeside(i, j)
	case oj:
		l.SetBeside(j, i)
	}
}

// inObjectsRow reports whether node i is an object in the objects row.
func (l *Lanes) inObjectsRow(i int) bool {
	return l.nodes[i].kind == LaneObject && l.lanes[l.nodes[i].lane].name == ObjectsLane
}

// together reports whether nodes i and j are in one slot.
func (l *Lanes) together(i, j int) bool {
	for k := l.ring[i]; k != int32(i); k = l.ring[k] {
		if k == int32(j) {
			return true
		}
	}
	return false
}

// join puts node i (alone in its slot) into node j's slot, at its place with the next stack
// number, beside j.
func (l *Lanes) join(i, j int) {
	p, b := &l.nodes[i], &l.nodes[j]
	p.beside, p.lane, p.seq, p.time, p.tx = int32(j), b.lane, b.seq, b.time, b.tx
	top := b.stack
	for k := l.ring[j]; k != int32(j); k = l.ring[k] {
		top = max(top, l.nodes[k].stack)
	}
	p.stack = top + 1
	l.ring[i], l.ring[j] = l.ring[j], int32(i)
}

// leave takes node i out of its slot, alone again at stack 0, and returns a node left in the
// slot (-1 when i was alone). The nodes put beside i stay where they are.
func (l *Lanes) leave(i int) int32 {
	l.nodes[i].stack = 0
	next := l.ring[i]
	if next == int32(i) {
		if l.loose == int32(i) {
			l.loose = -1
		}
		return -1
	}
	prev := next
	for l.ring[prev] != int32(i) {
		prev = l.ring[prev]
	}
	l.ring[prev], l.ring[i] = next, int32(i)
	if l.loose == int32(i) {
		l.loose = next // the slot of the newest loose objects is still there
	}
	return next
}

// Remove takes node i out; its index may be Set again. The objects put beside it stay where
// they are.
func (l *Lanes) Remove(i int) {
	if !l.live(i) {
		return
	}
	l.version++
	l.count(l.nodes[i].lane, -1)
	if rest := l.leave(i); rest >= 0 {
		for k := rest; ; {
			if l.nodes[k].beside == int32(i) {
				l.nodes[k].beside = -1
			}
			if k = l.ring[k]; k == rest {
				break
			}
		}
	}
	l.nodes[i] = placed{lane: -1, beside: -1}
}

func (l *Lanes) live(i int) bool { return i >= 0 && i < len(l.nodes) && l.nodes[i].lane >= 0 }

// count adds d to the node counts of a lane and, when the rows are current, of its row.
func (l *Lanes) count(lane int32, d int) {
	before := l.lanes[lane].nodes
	l.lanes[lane].nodes += d
	switch after := l.lanes[lane].nodes; {
	case before > 0 && after <= 0:
		l.emptyLanes++
	case before <= 0 && after > 0:
		l.emptyLanes--
	}
	if !l.dirty && l.rows != nil {
		l.rows[l.lanes[lane].row].Nodes += d
	}
}

// compact drops the lanes left empty by removals, once there are many of them, so that a
// window that retires old nodes for weeks (new aggregates keep coming) keeps its lanes and
// memory bounded. It costs one pass over the nodes; the rows are rebuilt, and the lanes after
// a dropped one move up.
func (l *Lanes) compact() {
	if l.emptyLanes < max(64, len(l.lanes)/4) {
		return
	}
	remap := make([]int32, len(l.lanes))
	kept := 0
	for k := range l.lanes {
		if l.lanes[k].nodes <= 0 {
			remap[k] = -1
			delete(l.laneOf, l.lanes[k].name)
			continue
		}
		remap[k] = int32(kept)
		l.lanes[kept] = l.lanes[k]
		l.laneOf[l.lanes[kept].name] = int32(kept)
		kept++
	}
	clear(l.lanes[kept:])
	l.lanes = l.lanes[:kept]
	for i := range l.nodes {
		if p := &l.nodes[i]; p.lane >= 0 {
			p.lane = remap[p.lane]
		}
	}
	l.emptyLanes = 0
	l.dirty = true
	l.version++
	l.reshaped++
}

// Lanes is the number of lanes, empty ones not yet dropped included.
func (l *Lanes) Lanes() int { return len(l.lanes) }

// lane returns the index of the lane called name, creating it.
func (l *Lanes) lane(name, typ string) int32 {
	if k, ok := l.laneOf[name]; ok {
		return k
	}
	k := int32(len(l.lanes))
	l.lanes = append(l.lanes, lane{name: name, firstType: typ, row: -1, last: -1})
	l.emptyLanes++ // until its first node is counted
	l.laneOf[name] = k
	l.placeNewLane(k)
	return k
}

// placeNewLane gives lane k its row: cheaply, as a new last row, when no other row moves;
// otherwise the rows are rebuilt on the next read.
func (l *Lanes) placeNewLane(k int32) {
	if l.dirty || l.rows == nil || l.cfg.Grouping != GroupNone || l.cfg.Order != OrderFirstSeen {
		l.dirty = true
		return
	}
	y := 0.0
	if n := len(l.rows); n > 0 {
		y = l.rows[n-1].Y + l.cfg.LaneHeight
	}
	l.lanes[k].row = int32(len(l.rows))
	l.rows = append(l.rows, Row{Label: l.lanes[k].name, Y: y, Lanes: 1})
}

// SetX switches the x axis; every node moves (animate it with a Glide).
func (l *Lanes) SetX(x LaneX) { l.cfg.X, l.version, l.reshaped = x, l.version+1, l.reshaped+1 }

// Rows returns the rows from top to bottom. The slice is the layout's own: do not change it,
// and do not keep it past the next Add or Set call.
func (l *Lanes) Rows() []Row {
	l.build()
	return l.rows
}

// RowsBetween returns the rows whose centre lies in [y0, y1], top to bottom, for labelling
// what the screen shows; it costs a binary search, however many lanes there are.
func (l *Lanes) RowsBetween(y0, y1 float64) []Row {
	rows := l.Rows()
	from, _ := slices.BinarySearchFunc(rows, y0, func(r Row, y float64) int { return cmp.Compare(r.Y, y) })
	to, found := slices.BinarySearchFunc(rows, y1, func(r Row, y float64) int { return cmp.Compare(r.Y, y) })
	if found {
		to++
	}
	if to < from {
		return nil
	}
	return rows[from:to]
}

// RowAt returns the index in Rows of the row nearest to y, and false when there are none.
func (l *Lanes) RowAt(y float64) (int, bool) {
	rows := l.Rows()
	if len(rows) == 0 {
		return 0, false
	}
	i, _ := slices.BinarySearchFunc(rows, y, func(r Row, y float64) int { return cmp.Compare(r.Y, y) })
	switch {
	case i == len(rows):
		i--
	case i > 0 && y-rows[i-1].Y < rows[i].Y-y:
		i--
	}
	return i, true
}

// RowOf returns the index in Rows of node i's row, -1 for an index that holds nothing.
func (l *Lanes) RowOf(i int) int {
	if !l.live(i) {
		return -1
	}
	l.build()
	return int(l.lanes[l.nodes[i].lane].row)
}

// build recomputes the rows after a change of structure: O(lanes log lanes).
func (l *Lanes) build() {
	if !l.dirty && l.rows != nil {
		return
	}
	l.dirty = false
	// Where each lane with nodes was drawn, to tell whether this rebuild moves any.
	var was []float64
	if len(l.rows) > 0 {
		was = make([]float64, len(l.lanes))
		for k := range l.lanes {
			was[k] = math.NaN()
			if r := l.lanes[k].row; r >= 0 && int(r) < len(l.rows) && l.lanes[k].nodes > 0 {
				was[k] = l.rows[r].Y
			}
		}
	}
	order := make([]int32, len(l.lanes))
	for k := range order {
		order[k] = int32(k)
	}
	keys := make([]string, len(l.lanes))
	for k := range l.lanes {
		keys[k] = l.groupKey(&l.lanes[k])
	}
	// Groups in the order of their first lane (or by name); lanes within a group likewise.
	// Sorted by name, the objects row comes last.
	groupFirst := map[string]int32{}
	for k := range l.lanes {
		if _, ok := groupFirst[keys[k]]; !ok {
			groupFirst[keys[k]] = int32(k)
		}
	}
	slices.SortStableFunc(order, func(a, b int32) int {
		if oa, ob := l.lanes[a].name == ObjectsLane, l.lanes[b].name == ObjectsLane; oa != ob && l.cfg.Order == OrderByName {
			if oa {
				return 1
			}
			return -1
		}
		ga, gb := keys[a], keys[b]
		if ga != gb {
			if l.cfg.Order == OrderByName {
				return NaturalCompare(ga, gb)
			}
			return cmp.Compare(groupFirst[ga], groupFirst[gb])
		}
		if l.cfg.Order == OrderByName {
			return NaturalCompare(l.lanes[a].name, l.lanes[b].name)
		}
		return cmp.Compare(a, b)
	})
	l.rows = l.rows[:0]
	y, prevGroup := 0.0, ""
	for n, k := range order {
		ln := &l.lanes[k]
		g := keys[k]
		if n > 0 {
			if g != prevGroup && l.cfg.Grouping != GroupNone {
				y += l.cfg.GroupGap
			}
			if !(g == prevGroup && l.collapsed[g] && l.cfg.Grouping != GroupNone) {
				y += l.cfg.LaneHeight
			}
		}
		if n > 0 && g == prevGroup && l.collapsed[g] && l.cfg.Grouping != GroupNone {
			r := &l.rows[len(l.rows)-1]
			r.Lanes++
			r.Nodes += ln.nodes
		} else {
			r := Row{Label: ln.name, Group: g, Y: y, Lanes: 1, Nodes: ln.nodes}
			if l.collapsed[g] && l.cfg.Grouping != GroupNone {
				r.Label, r.Collapsed = g, true
			}
			l.rows = append(l.rows, r)
		}
		ln.row = int32(len(l.rows) - 1)
		prevGroup = g
	}
	for k, y := range was {
		if !math.IsNaN(y) && l.rows[l.lanes[k].row].Y != y {
			// A lane inserted above others (a new aggregate in an earlier group, or sorted
			// among them) moved the lanes below it: the window glides them.
			l.reshaped++
			break
		}
	}
}

// Position returns node i's position (the origin for an index that holds nothing).
func (l *Lanes) Position(i int) Vec2 {
	if !l.live(i) {
		return Vec2{}
	}
	l.build()
	return l.position(i)
}

func (l *Lanes) position(i int) Vec2 {
	p := &l.nodes[i]
	if p.lane < 0 {
		return Vec2{}
	}
	var x float64
	if l.cfg.X == XByTime {
		x = p.tx
	} else {
		x = (float64(p.seq) - float64(l.seq0)) * l.cfg.Spacing
	}
	y := l.rows[l.lanes[p.lane].row].Y
	if p.stack > 0 {
		// The others of a slot (objects beside an event) sit below and right of its place, a
		// stack of them going right, each its own x, all nearer their row than the next.
		s := p.stack - 1
		x += l.cfg.Spacing * (0.35 + 0.3*float64(s))
		y += l.cfg.LaneHeight * (0.3 + 0.08*float64(s%3))
	}
	return Vec2{x, y}
}

// Positions writes every node's position into dst (grown as needed) and returns it.
func (l *Lanes) Positions(dst []Vec2) []Vec2 {
	l.build()
	dst = slices.Grow(dst[:0], len(l.nodes))[:len(l.nodes)]
	for i := range l.nodes {
		dst[i] = l.position(i)
	}
	return dst
}

// PlaceLanes places nodes (objects' Beside indexing into nodes) in one go.
func PlaceLanes(nodes []LaneNode, cfg LanesConfig) []Vec2 {
	l := NewLanes(cfg)
	for _, n := range nodes {
		l.Add(n)
	}
	return l.Positions(nil)
}
