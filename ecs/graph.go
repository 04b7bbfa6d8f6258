package ecs

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/yohamta/donburi"
	donburiecs "github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/layout"
	"github.com/jetdag/jetdag/systems"
)

// DefaultFrameBudget is the number of messages Update drains when Config.FrameBudget is 0.
const DefaultFrameBudget = 2048

// Removed CIDs are remembered (to ignore duplicates of retired blocks and not hold their
// children) in a ring of max(MaxNodes, minTombstones) entries, or defaultTombstones when
// MaxNodes is 0 (nodes then leave only when someone removes them).
const (
	minTombstones     = 4096
	defaultTombstones = 1 << 16
)

// Config sets up a Graph. The zero value is usable: unbounded, default budget and layout.
type Config struct {
	// MaxNodes bounds the nodes in the world (0 = unbounded): beyond it the oldest, by
	// arrival, retire from the world, the index and the layout.
	MaxNodes int
	// FrameBudget is the most messages one Update drains from the bridge (0 =
	// DefaultFrameBudget).
	FrameBudget int
	// MaxHeld bounds the nodes and links held for a missing parent, previous version or link
	// endpoint (0 = MaxNodes, or unbounded when MaxNodes is 0). Beyond it the oldest held
	// node enters the world without the edges it still misses; the oldest held link is
	// dropped.
	MaxHeld int
	// Layout tunes the force layout; zero fields take layout.DefaultParams.
	Layout layout.Params
	// Lanes tunes the lanes layout, kept beside the force layout at the same node IDs
	// (zero: DefaultLanes).
	Lanes layout.LanesConfig
	// Partial says the source sends a neighbourhood, not the stream (explore mode): a node
	// whose previous block or parents are missing enters at once instead of being held, and
	// its edges to them are added when they arrive.
	Partial bool
	// Kinds is the kind table the world's nodes are spawned, drawn and inspected by (nil:
	// systems.DefaultKinds); a kind it adds arrives as a NodeMsg.
	Kinds *systems.KindTable
}

// Graph is the live graph model: it owns the donburi world, the CID → entity index, the held
// children, and the layout Runner. All its methods but Start, Layout and Bridge belong to the
// game goroutine: nothing else touches the world.
type Graph struct {
	cfg    Config // with FrameBudget and MaxHeld filled in
	bridge *Bridge
	world  donburi.World
	ecs    *donburiecs.ECS
	runner *layout.Runner
	lanes  *layout.Lanes // game goroutine only
	// hovered is the node under the cursor, held where it is (holdHover), and its layout
	// ID; hoverPinned says it is pinned in the force layout.
	hovered     donburi.Entity
	hoveredID   layout.NodeID
	hoverPinned bool
	kinds       *systems.KindTable
	sync        *systems.LayoutSync
	retire      *systems.Retire
	stages      []Stage
	stats       donburi.Entity
	start       sync.Once
	now         func() time.Time

	index    map[cid.Cid]donburi.Entity
	rejected map[uint64]donburi.Entity
	gone     tombstones
	aggs     map[string]*aggregate
	groups   groupIDs
	held     heldSet
	// dangling and explore serve explore mode (explore.go): edges waiting for their
	// target, and the Explore singleton (donburi.Null until the first ExploreMsg).
	dangling map[cid.Cid][]danglingEdge
	// danglingSweep is the dangling count above which sweepDangling runs next.
	danglingSweep int
	explore       donburi.Entity

	// asOf keeps the nodes hidden by the timeline out of the force layout (asof.go).
	asOf asOfLayout
	// strs holds one copy of each event type and object kind.
	strs interner

	n    tally
	rank float64
	rate rateMeter
}

// tally is what the world holds now, for the stats singleton, and what it ignored.
type tally struct {
	events, objects, links, rejects int
	duplicates                      int
	lastSeq                         uint64
}

// aggregate is what the world knows of one aggregate: its layout group, its latest event
// (where a rejected message of that aggregate is placed) and how many of its nodes are live.
type aggregate struct {
	id        string // the aggregate ID, shared by its nodes' DddElement
	group     int32
	latest    donburi.Entity
	latestSeq uint64
	live      int
}

// NewGraph returns an empty live graph fed by b (nil: a bridge of DefaultBridgeCapacity).
// The layout does not tick until Start.
func NewGraph(cfg Config, b *Bridge) *Graph {
	if b == nil {
		b = NewBridge(0)
	}
	budget := cfg.FrameBudget
	if budget <= 0 {
		budget = DefaultFrameBudget
	}
	maxHeld := cfg.MaxHeld
	if maxHeld <= 0 {
		maxHeld = cfg.MaxNodes
	}
	tombs := max(cfg.MaxNodes, minTombstones)
	if cfg.MaxNodes <= 0 {
		tombs = defaultTombstones
	}
	w := donburi.NewWorld()
	runner := layout.NewRunner(layout.New(cfg.Layout))
	if cfg.Lanes == (layout.LanesConfig{}) {
		cfg.Lanes = DefaultLanes()
	}
	lanes := layout.NewLanes(cfg.Lanes)
	cfg.FrameBudget, cfg.MaxHeld = budget, maxHeld
	if cfg.Kinds == nil {
		cfg.Kinds = systems.DefaultKinds()
	}
	g := &Graph{
		kinds:   cfg.Kinds,
		cfg:     cfg,
		bridge:  b,
		world:   w,
		ecs:     donburiecs.NewECS(w),
		runner:  runner,
		lanes:   lanes,
		hovered: donburi.Null, hoveredID: layout.NoNode,
		sync:     systems.NewLayoutSync(runner),
		retire:   systems.NewRetire(cfg.MaxNodes),
		now:      time.Now,
		index:    make(map[cid.Cid]donburi.Entity),
		rejected: make(map[uint64]donburi.Entity),
		gone:     newTombstones(tombs),
		aggs:     make(map[string]*aggregate),
		held:     newHeldSet(),
		explore:  donburi.Null,
	}
	g.sync.SetLanes(lanes)
	g.stats = w.Create(components.GraphStats)
	components.GraphStats.SetValue(w.Entry(g.stats), components.GraphStatsData{Connection: StatusConnecting})
	systems.SetKinds(w.Entry(g.stats), cfg.Kinds)
	// The world version lives on the stats entity (no entity of its own); ingest, onRemove
	// and the layout sync bump it.
	w.Entry(g.stats).AddComponent(components.WorldVersion)
	w.OnRemove(g.onRemove)
	g.stages = g.modelStages()
	return g
}

// Start starts the layout Runner on its own goroutine; it stops when ctx ends. Calls after
// the first do nothing.
func (g *Graph) Start(ctx context.Context) {
	g.start.Do(func() { go g.runner.Run(ctx) })
}

// Update runs the model stages of order.go once: drain at most FrameBudget messages from the
// bridge and apply them, retire nodes beyond MaxNodes, copy layout positions, refresh the
// stats. Call it from the game goroutine only.
func (g *Graph) Update() {
	for _, s := range g.stages {
		s.Run(g.ecs)
	}
}

// UpdatePaused is Update while the window is paused: nothing is taken from the bridge and
// nothing moves, only the stats are refreshed, so that the status bar's lag counts the
// messages waiting. Game goroutine only.
func (g *Graph) UpdatePaused() { g.updateStats(g.ecs) }

// World returns the donburi world. Game goroutine only.
func (g *Graph) World() donburi.World { return g.world }

// ECS returns the donburi ECS wrapping the world. Game goroutine only.
func (g *Graph) ECS() *donburiecs.ECS { return g.ecs }

// DefaultLanes is the window's lanes layout: lanes grouped by aggregate-ID prefix (all
// order-* together, then payment-*…), in the order they first appear, 36 apart.
func DefaultLanes() layout.LanesConfig {
	return layout.LanesConfig{Grouping: layout.GroupByPrefix, LaneHeight: 36}
}

// Lanes returns the lanes layout. Game goroutine only.
func (g *Graph) Lanes() *layout.Lanes { return g.lanes }

// Layout returns the layout Runner (goroutine-safe), for pinning and unpinning dragged nodes.
func (g *Graph) Layout() *layout.Runner { return g.runner }

// Bridge returns the bridge the graph drains.
func (g *Graph) Bridge() *Bridge { return g.bridge }

// Lookup returns the entity of the event or object with CID c, if it is in the world.
func (g *Graph) Lookup(c cid.Cid) (donburi.Entity, bool) {
	e, ok := g.index[c]
	if !ok || !g.world.Valid(e) {
		return donburi.Null, false
	}
	return e, true
}

// StatsEntity returns the entity holding the GraphStats singleton.
func (g *Graph) StatsEntity() donburi.Entity { return g.stats }

// Stats returns a copy of the GraphStats singleton as of the last Update.
func (g *Graph) Stats() components.GraphStatsData {
	return components.GraphStats.GetValue(g.world.Entry(g.stats))
}

// Duplicates counts messages ignored because their CID (or a rejected message's sequence)
// was already in the world, held, or retired recently.
func (g *Graph) Duplicates() int { return g.n.duplicates }

// updateStats is the stats stage: it refreshes the GraphStats singleton.
func (g *Graph) updateStats(*donburiecs.ECS) {
	s := components.GraphStats.Get(g.world.Entry(g.stats))
	s.Events, s.Objects, s.Links, s.Rejected = g.n.events, g.n.objects, g.n.links, g.n.rejects
	s.Held = g.held.count
	s.Lag = g.bridge.Lag()
	s.LastSeq = g.n.lastSeq
	s.EventsPerSecond = g.rate.sample(g.now())
}

// rateMeter is a moving average of events per second: the rate over windows of at least
// rateWindow, smoothed exponentially with time constant rateTau.
type rateMeter struct {
	n      int
	since  time.Time
	value  float64
	primed bool
}

const (
	rateWindow = 250 * time.Millisecond
	rateTau    = 2.0 // seconds
)

func (r *rateMeter) add(n int) { r.n += n }

func (r *rateMeter) sample(now time.Time) float64 {
	if r.since.IsZero() {
		r.since = now
		return r.value
	}
	dt := now.Sub(r.since)
	if dt < rateWindow {
		return r.value
	}
	sec := dt.Seconds()
	rate := float64(r.n) / sec
	if !r.primed {
		r.value, r.primed = rate, true
	} else {
		r.value += (1 - math.Exp(-sec/rateTau)) * (rate - r.value)
	}
	r.n, r.since = 0, now
	return r.value
}

// tombstones remembers the CIDs of the last removed nodes, a bounded ring, so that a
// duplicate of a retired block is still ignored and a child of one is not held for ever.
type tombstones struct {
	set  map[cid.Cid]struct{}
	ring []cid.Cid
	next int
	max  int
}

func newTombstones(max int) tombstones {
	return tombstones{set: make(map[cid.Cid]struct{}), max: max}
}

func (t *tombstones) add(c cid.Cid) {
	if len(t.ring) < t.max {
		t.ring = append(t.ring, c)
	} else {
		delete(t.set, t.ring[t.next])
		t.ring[t.next] = c
		t.next = (t.next + 1) % t.max
	}
	t.set[c] = struct{}{}
}

func (t *tombstones) has(c cid.Cid) bool {
	_, ok := t.set[c]
	return ok
}

// groupIDs hands out dense layout group IDs, reusing those of aggregates that left.
type groupIDs struct {
	next int32
	free []int32
}

func (g *groupIDs) alloc() int32 {
	if n := len(g.free); n > 0 {
		id := g.free[n-1]
		g.free = g.free[:n-1]
		return id
	}
	id := g.next
	g.next++
	return id
}

func (g *groupIDs) release(id int32) { g.free = append(g.free, id) }

// holdHover keeps the node under the cursor where it is: the layout sync leaves its Position
// alone while it is hovered, in either layout, and in the force layout it is pinned there too
// (so that the graph around it agrees); when the cursor leaves it, it is unpinned and, in the
// lanes, glides to its place. A click then hits the node the tooltip names even while the
// graph grows around it. It reads the window's Pointer singleton, without creating it (no
// window, nothing to hold).
func (g *Graph) holdHover(*donburiecs.ECS) {
	hov := donburi.Null
	if entry, ok := components.Pointer.First(g.world); ok {
		hov = components.Pointer.Get(entry).Hovered
	}
	if hov != g.hovered || (g.hovered != donburi.Null && !g.world.Valid(g.hovered)) {
		g.releaseHover()
		if hov != donburi.Null && g.world.Valid(hov) {
			if en := g.world.Entry(hov); en.HasComponent(components.DddElement) && en.HasComponent(components.Position) {
				if id := layout.NodeID(components.DddElement.Get(en).Index); id >= 0 {
					g.hovered, g.hoveredID = hov, id
					g.sync.Hold(id)
				}
			}
		}
	}
	if g.hoveredID == layout.NoNode || g.hoverPinned {
		return
	}
	// Pinned in the force layout only while it shows: in the lanes the force layout goes on
	// without it (a pin at its lane place would pull its neighbours there).
	if entry, ok := components.Settings.First(g.world); ok && components.Settings.Get(entry).Layout == components.LayoutLanes {
		return
	}
	p := components.Position.Get(g.world.Entry(g.hovered))
	g.runner.Pin(g.hoveredID, layout.Vec2{X: p.X, Y: p.Y})
	g.hoverPinned = true
}

// releaseHover lets the held node go.
func (g *Graph) releaseHover() {
	if g.hoverPinned && g.world.Valid(g.hovered) {
		g.runner.Unpin(g.hoveredID)
	}
	g.sync.Hold(layout.NoNode)
	g.hovered, g.hoveredID, g.hoverPinned = donburi.Null, layout.NoNode, false
}
