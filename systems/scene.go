package systems

import (
	"image/color"
	"math"
	"slices"

	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"
	"github.com/yohamta/donburi/filter"

	"github.com/jetdag/jetdag/components"
)

// NodeFlags are the per-frame states of a scene node, mirrored into its Interaction
// component.
type NodeFlags uint8

// The node flags.
const (
	FlagHovered     NodeFlags = 1 << iota // under the cursor
	FlagSelected                          // open in the inspector
	FlagHighlighted                       // on the selected chain or causal cone
	FlagHidden                            // hidden by a filter: not drawn, not picked
	FlagExpandable                        // explore mode: its neighbours are not fetched yet
)

// SceneNode is one node of the world, copied into a flat array once a frame so that the
// renderer and the picker walk plain memory instead of the ECS storage.
type SceneNode struct {
	Entity   donburi.Entity
	X, Y     float64 // centre, world units
	R        float64 // radius, world units
	Shape    components.Shape
	Kind     components.ElementKind
	Flags    NodeFlags
	Base     color.RGBA
	Light    color.RGBA // highlight colour
	AggKey   uint32     // an event's aggregate's palette slot (colour by aggregate; 0 for other kinds)
	TypeKey  uint32     // an event's type's palette slot (colour by type; 0 for other kinds)
	Time     int64      // block timestamp, Unix ns
	Seq      uint64
	HasAggID bool // the node names an aggregate (events, most rejected messages)
}

// SceneEdge is one edge of the world between two scene nodes (indices into Scene.Nodes).
type SceneEdge struct {
	From, To int32
	Kind     components.EdgeKind
}

// Marks is what the window's state says about nodes this frame: the hovered and selected
// entities, the highlighted set and the filter. Scene.Gather applies them to the flags.
type Marks struct {
	Hovered, Selected donburi.Entity
	Filter            components.FilterData
	// Explore is explore mode's state (nil: not exploring), which marks expandable nodes.
	Explore *components.ExploreData
	// AsOf, when not 0, hides what was not in the store as of that stream sequence (the
	// timeline): later events and rejected messages, and objects stamped after AsOfTime.
	AsOf     uint64
	AsOfTime int64
	// LogOn highlights the events whose sequence is in (LogFrom, LogTo], the newest log
	// checkpoint's (the k key), while nothing is selected.
	LogOn          bool
	LogFrom, LogTo uint64
	// highlight[id] == entity marks the entity with that ID as highlighted (the entity
	// value, with its version, guards against a removed entity's recycled ID).
	highlight []donburi.Entity
	// lit is the highlighted set as last given, and litGen counts its changes (the scene
	// system gathers again when it moves).
	lit    []donburi.Entity
	litGen uint64
}

// SetHighlighted replaces the highlighted set.
func (m *Marks) SetHighlighted(es []donburi.Entity) {
	if slices.Equal(es, m.lit) {
		return // the cone walked again to the same set (a settled selection)
	}
	m.lit = append(m.lit[:0], es...)
	m.litGen++
	clear(m.highlight)
	for _, e := range es {
		id := int(e.Id())
		for id >= len(m.highlight) {
			m.highlight = append(m.highlight, donburi.Null)
		}
		m.highlight[id] = e
	}
}

// ClearHighlighted empties the highlighted set.
func (m *Marks) ClearHighlighted() {
	if len(m.lit) > 0 {
		m.lit = m.lit[:0]
		m.litGen++
	}
	clear(m.highlight)
}

// Highlighted reports whether e is in the highlighted set.
func (m *Marks) Highlighted(e donburi.Entity) bool {
	id := int(e.Id())
	return id < len(m.highlight) && m.highlight[id] == e && e != donburi.Null
}

// sceneState is the scene system's singleton: the flat scene of this frame, the pick grid
// over it, the marks it was gathered with (the highlighted cone among them) and the cone
// walker's buffers.
type sceneState struct {
	Scene *Scene
	Grid  PickGrid
	Marks Marks
	Cone  ConeWalker
	// gridSig is the scene signature the grid was last built from: an unchanged scene (a
	// settled layout) keeps its grid.
	gridSig  uint64
	gridSize int
	// last is what the last gather was made from; gathered says there was one, Gathers
	// counts them. positions is the world's positions version the scene's nodes were last
	// placed from (by a gather or a refresh), Refreshes counts the refreshes.
	last      sceneKey
	gathered  bool
	Gathers   uint64
	positions uint64
	Refreshes uint64
}

// sceneKey is everything a gather reads besides the world's components, and the world's
// version: equal keys gather equal scenes.
type sceneKey struct {
	version           uint64
	nodes             int
	hovered, selected donburi.Entity
	filter            components.FilterData
	explore           *components.ExploreData
	asOf              uint64
	asOfTime          int64
	logOn             bool
	logFrom, logTo    uint64
	litGen            uint64
}

// keyOf is the key of a gather of w with marks m.
func (s *Scene) keyOf(w donburi.World, version uint64, m *Marks) sceneKey {
	return sceneKey{
		version: version, nodes: s.query.Count(w),
		hovered: m.Hovered, selected: m.Selected, filter: m.Filter, explore: m.Explore,
		asOf: m.AsOf, asOfTime: m.AsOfTime, logOn: m.LogOn, logFrom: m.LogFrom, logTo: m.LogTo,
		litGen: m.litGen,
	}
}

var sceneComponent = donburi.NewComponentType[sceneState]()

func getSceneState(e *ecs.ECS) *sceneState {
	return getOrCreate(e.World, sceneComponent, func(donburi.World) sceneState {
		return sceneState{Scene: NewScene()}
	})
}

// SceneOf returns the scene gathered by the last UpdateScene.
func SceneOf(e *ecs.ECS) *Scene { return getSceneState(e).Scene }

// MarksOf returns the marks the last UpdateScene applied (hovered, selected, filter and the
// highlighted cone).
func MarksOf(e *ecs.ECS) *Marks { return &getSceneState(e).Marks }

// SceneGathers counts the gathers UpdateScene has made (a frame where nothing changed makes
// none, nor does one where nodes only moved: see SceneRefreshes).
func SceneGathers(e *ecs.ECS) uint64 { return getSceneState(e).Gathers }

// SceneRefreshes counts the frames on which UpdateScene only copied the nodes' new positions
// into the scene (the world's positions version moved, nothing else did).
func SceneRefreshes(e *ecs.ECS) uint64 { return getSceneState(e).Refreshes }

// UpdateScene is the scene system: it drops a selection that left the world, gathers the
// world into the scene with the current marks, rebuilds the pick grid and copies the model's
// figures into the HUD. In a world that tracks its version (TrackWorldVersion) it keeps the
// last frame's scene and grid when neither the version, the node count nor the marks
// changed: a settled graph of 100,000 nodes costs no gather. When only the positions version
// moved (the layout sync's BumpPositions) it copies the new positions into the scene's nodes
// and rebuilds the grid instead of gathering: a moving layout costs no gather either.
func UpdateScene(e *ecs.ECS) {
	st := getSceneState(e)
	sel := GetOrCreateSelection(e)
	if sel.Entity != donburi.Null && !e.World.Valid(sel.Entity) {
		Select(e, donburi.Null) // retired or removed
	}
	st.Marks.Hovered = GetOrCreatePointer(e).Hovered
	st.Marks.Selected = sel.Entity
	st.Marks.Filter = *GetOrCreateFilter(e)
	st.Marks.Explore = ExploreOf(e)
	tl := GetOrCreateTimeline(e)
	st.Marks.AsOf, st.Marks.AsOfTime = tl.AsOf, tl.AsOfTime
	st.Marks.LogOn, st.Marks.LogFrom, st.Marks.LogTo = logHighlight(e)
	v, tracked := worldVersions(e.World)
	switch key := st.Scene.keyOf(e.World, v.N, &st.Marks); {
	case !tracked || !st.gathered || key != st.last:
		st.gatherScene(e.World)
		st.last, st.gathered, st.positions = key, true, v.Positions
	case v.Positions != st.positions:
		st.refreshScene()
		st.positions = v.Positions
	}
	UpdatePulse(e)
	if entry, ok := components.GraphStats.First(e.World); ok {
		GetOrCreateHUD(e).Stats = *components.GraphStats.Get(entry)
	}
}

// gatherScene gathers w into the scene and rebuilds the pick grid when the scene changed.
func (st *sceneState) gatherScene(w donburi.World) {
	st.Gathers++
	st.Scene.Gather(w, &st.Marks)
	if sig, n := st.Scene.Signature, len(st.Scene.Nodes); sig != st.gridSig || n != st.gridSize || n == 0 {
		st.Grid.Build(st.Scene.Nodes)
		st.gridSig, st.gridSize = sig, n
	}
}

// refreshScene copies the nodes' new positions into the scene and rebuilds the pick grid.
func (st *sceneState) refreshScene() {
	st.Refreshes++
	st.Scene.RefreshPositions()
	st.Grid.Build(st.Scene.Nodes)
	st.gridSig, st.gridSize = st.Scene.Signature, len(st.Scene.Nodes)
}

// Scene is the world flattened for one frame: nodes, edges between them, and figures the
// camera needs. Gather refills it, reusing its slices, so a steady world costs no
// allocations.
type Scene struct {
	Nodes []SceneNode
	Edges []SceneEdge
	// Bounds is the box around the shown (not hidden) nodes; Empty when there are none.
	Bounds components.Rect
	// Newest is the index of the shown node with the latest timestamp (ties: highest
	// sequence), or -1.
	Newest int
	// Hovered and Selected are the indices of those nodes, or -1.
	Hovered, Selected int
	// MaxR is the largest node radius, in world units.
	MaxR float64
	// Signature hashes everything the renderer draws from (positions, sizes, shapes,
	// colours, flags, edges): equal signatures draw equal pictures from the same camera.
	Signature uint64
	// Pulses are the arrival pulses of new nodes this frame (UpdatePulse fills them).
	Pulses []Pulse
	// LogLit is true while the newest checkpoint's events are highlighted (Marks.LogOn and
	// nothing selected); LogCount is how many nodes that marks.
	LogLit   bool
	LogCount int

	query  *donburi.Query
	colors colorSlots
	// pos[i] is node i's Position component, from which RefreshPositions reads. donburi
	// keeps each component in its own allocation, moved by pointer when the entity changes
	// archetype, so the pointer stays the entity's until the entity is removed (which bumps
	// the world version, and so gathers again).
	pos []*components.PositionData
	// rest is the signature of everything but the positions, posSig that of the positions
	// (in node order); Signature combines them.
	rest, posSig uint64
	slot         []int32 // entity ID → index in Nodes, or -1
	// wrote[id] is the entity and flags last written into that entity ID's Interaction
	// component, so that a frame writes only the flags that changed.
	wrote []wroteFlags
	raw   []rawEdge
	marks *Marks
	each  func(*donburi.Entry)
}

type wroteFlags struct {
	e     donburi.Entity
	flags NodeFlags
}

type rawEdge struct {
	from int32
	to   donburi.Entity
	kind components.EdgeKind
}

// NewScene returns an empty scene.
func NewScene() *Scene {
	s := &Scene{
		query:  donburi.NewQuery(filter.Contains(components.DddElement, components.Position, components.GraphNodeVisual)),
		Newest: -1, Hovered: -1, Selected: -1,
	}
	s.colors.init()
	s.each = s.gatherOne
	return s
}

// Gather copies every placed node (DddElement.Index ≥ 0) of w into the scene, applies m's
// marks to the flags and writes them back into each node's Interaction component.
func (s *Scene) Gather(w donburi.World, m *Marks) {
	s.Nodes, s.Edges, s.raw, s.pos = s.Nodes[:0], s.Edges[:0], s.raw[:0], s.pos[:0]
	s.Bounds, s.Newest, s.Hovered, s.Selected, s.MaxR = components.EmptyRect(), -1, -1, -1, 0
	s.LogLit, s.LogCount = m != nil && m.LogOn && m.Selected == donburi.Null, 0
	s.Signature, s.posSig = fnvOffset64, fnvOffset64
	for i := range s.slot {
		s.slot[i] = -1
	}
	s.marks = m
	if n := s.query.Count(w); cap(s.Nodes) < n {
		// Grown once to size rather than by doubling, which leaves the old arrays as garbage.
		s.Nodes = make([]SceneNode, 0, n+n/16)
		s.pos = make([]*components.PositionData, 0, n+n/16)
	}
	s.query.Each(w, s.each)
	s.marks = nil
	s.colors.sweep(w)
	for _, r := range s.raw {
		if to := s.Index(r.to); to >= 0 {
			s.Edges = append(s.Edges, SceneEdge{From: r.from, To: int32(to), Kind: r.kind})
			s.mix(uint64(r.from)<<34 | uint64(to)<<2 | uint64(r.kind))
		}
	}
	s.mix(uint64(len(s.Nodes))<<32 | uint64(len(s.Edges)))
	if s.LogLit {
		s.mix(1) // everything else is dimmed
	}
	s.rest = s.Signature
	s.Signature = combineSig(s.rest, s.posSig)
}

// RefreshPositions copies every node's position from its Position component, as a gather
// would, and recomputes what depends on the positions: the bounds and the signature. It
// leaves everything else as the last Gather made it, so it gives exactly the scene a Gather
// would give only while nothing but positions changed in the world since that Gather (the
// contract of BumpPositions).
func (s *Scene) RefreshPositions() {
	s.Bounds = components.EmptyRect()
	h := uint64(fnvOffset64)
	for i := range s.Nodes {
		n, p := &s.Nodes[i], s.pos[i]
		n.X, n.Y = p.X, p.Y
		if n.Flags&FlagHidden == 0 {
			s.Bounds = s.Bounds.Extend(n.X, n.Y, n.R)
		}
		h = mixPos(h, n.X, n.Y)
	}
	s.posSig = h
	s.Signature = combineSig(s.rest, s.posSig)
}

// mixPos folds a node's position into the positions' signature h.
func mixPos(h uint64, x, y float64) uint64 {
	h = (h ^ math.Float64bits(x)) * fnvPrime64
	return (h ^ math.Float64bits(y)) * fnvPrime64
}

// combineSig is the scene's signature from that of everything but the positions and that of
// the positions.
func combineSig(rest, pos uint64) uint64 { return (rest ^ pos) * fnvPrime64 }

// Dimmed reports whether the nodes off the highlighted set are drawn dimmed: something is
// selected (its cone is lit) or the newest checkpoint's events are highlighted.
func (s *Scene) Dimmed() bool { return s.Selected >= 0 || s.LogLit }

const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// mix folds x into the signature (FNV-1a over 64-bit words).
func (s *Scene) mix(x uint64) {
	s.Signature = (s.Signature ^ x) * fnvPrime64
}

// Shown counts the nodes not hidden (by a filter or the timeline's as-of sequence).
func (s *Scene) Shown() int {
	n := 0
	for i := range s.Nodes {
		if s.Nodes[i].Flags&FlagHidden == 0 {
			n++
		}
	}
	return n
}

// ShownEdges counts the edges whose both ends are shown (neither hidden by a filter nor by
// the timeline's as-of sequence): the edges the picture draws.
func (s *Scene) ShownEdges() int {
	n := 0
	for _, ed := range s.Edges {
		if (s.Nodes[ed.From].Flags|s.Nodes[ed.To].Flags)&FlagHidden == 0 {
			n++
		}
	}
	return n
}

// ShownKinds counts the shown nodes (as Shown does) of each built-in kind: the events,
// objects and rejected messages the picture draws.
func (s *Scene) ShownKinds() (events, objects, rejected int) {
	for i := range s.Nodes {
		if s.Nodes[i].Flags&FlagHidden != 0 {
			continue
		}
		switch s.Nodes[i].Kind {
		case components.ElementEvent:
			events++
		case components.ElementObject:
			objects++
		case components.ElementRejected:
			rejected++
		}
	}
	return events, objects, rejected
}

// Index returns the scene index of e, or -1 when e is not in the scene.
func (s *Scene) Index(e donburi.Entity) int {
	id := int(e.Id())
	if e == donburi.Null || id >= len(s.slot) {
		return -1
	}
	i := s.slot[id]
	if i < 0 || s.Nodes[i].Entity != e {
		return -1
	}
	return int(i)
}

func (s *Scene) gatherOne(entry *donburi.Entry) {
	d := components.DddElement.Get(entry)
	if d.Index < 0 {
		return
	}
	pos := components.Position.Get(entry)
	vis := components.GraphNodeVisual.Get(entry)
	e := entry.Entity()
	i := int32(len(s.Nodes))
	n := SceneNode{
		Entity: e, X: pos.X, Y: pos.Y, R: float64(vis.Size) * components.SizeScale,
		Shape: vis.Shape, Kind: d.Kind, Base: vis.BaseColor, Light: vis.HighlightColor,
		Time: d.CreatedAt, Seq: d.Seq, HasAggID: d.AggregateID != "",
	}
	if n.R <= 0 {
		n.R = 0.5 * components.SizeScale
	}
	n.AggKey, n.TypeKey = s.colors.slots(e, d)
	m := s.marks
	if m != nil {
		if m.Filter.Active() && !MatchFilter(m.Filter, d) {
			n.Flags |= FlagHidden
		}
		if m.AsOf != 0 && (d.Seq > m.AsOf || d.Seq == 0 && d.CreatedAt > m.AsOfTime) {
			n.Flags |= FlagHidden
		}
		if e == m.Hovered {
			n.Flags |= FlagHovered
			s.Hovered = int(i)
		}
		if e == m.Selected {
			n.Flags |= FlagSelected
			s.Selected = int(i)
		}
		if m.Highlighted(e) {
			n.Flags |= FlagHighlighted
		}
		if s.LogLit && d.Kind == components.ElementEvent && d.Seq > m.LogFrom && d.Seq <= m.LogTo {
			n.Flags |= FlagHighlighted
			s.LogCount++
		}
		if m.Explore != nil && d.Kind != components.ElementRejected && m.Explore.Expandable(d.CID) {
			n.Flags |= FlagExpandable
		}
	}
	id := int(e.Id())
	for id >= len(s.slot) {
		s.slot = append(s.slot, -1)
		s.wrote = append(s.wrote, wroteFlags{})
	}
	if wr := &s.wrote[id]; wr.e != e || wr.flags != n.Flags {
		if entry.HasComponent(components.Interaction) {
			in := components.Interaction.Get(entry)
			in.Hovered = n.Flags&FlagHovered != 0
			in.Selected = n.Flags&FlagSelected != 0
			in.Highlighted = n.Flags&FlagHighlighted != 0
			in.Hidden = n.Flags&FlagHidden != 0
		}
		*wr = wroteFlags{e: e, flags: n.Flags}
	}
	if n.Flags&FlagHidden == 0 {
		s.Bounds = s.Bounds.Extend(n.X, n.Y, n.R)
		if s.Newest < 0 || n.Time > s.Nodes[s.Newest].Time ||
			(n.Time == s.Nodes[s.Newest].Time && n.Seq > s.Nodes[s.Newest].Seq) {
			s.Newest = int(i)
		}
	}
	s.MaxR = max(s.MaxR, n.R)
	s.posSig = mixPos(s.posSig, n.X, n.Y)
	s.mix(math.Float64bits(n.R)<<8 | uint64(n.Shape)<<4 | uint64(n.Flags))
	s.mix(uint64(rgbaWord(n.Base))<<32 | uint64(rgbaWord(n.Light)))
	s.mix(uint64(n.AggKey)<<32 | uint64(n.TypeKey))
	s.slot[id] = i
	s.Nodes = append(s.Nodes, n)
	s.pos = append(s.pos, pos)
	if entry.HasComponent(components.Edges) {
		for _, out := range components.Edges.Get(entry).Out {
			s.raw = append(s.raw, rawEdge{from: i, to: out.To, kind: out.Kind})
		}
	}
}

func rgbaWord(c color.RGBA) uint32 {
	return uint32(c.R)<<24 | uint32(c.G)<<16 | uint32(c.B)<<8 | uint32(c.A)
}
