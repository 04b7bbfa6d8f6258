package systems

import (
	"fmt"
	"image/color"
	"math"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// doubleClick is the longest gap between two clicks on one node that makes a double-click.
const doubleClick = 400 * time.Millisecond

// Expander asks explore mode's source to fetch the neighbours of node c (its chain, parents,
// children and links) and send them into the world. The window calls it on the game
// goroutine: it must not block, and reports false when it cannot take the request now.
type Expander func(c cid.Cid) bool

// ExploreOf returns explore mode's state, or nil when the world is not in explore mode.
func ExploreOf(e *ecs.ECS) *components.ExploreData {
	if entry, ok := components.Explore.First(e.World); ok {
		return components.Explore.Get(entry)
	}
	return nil
}

// exploreUI is the explore system's singleton: the last source note shown as a toast.
type exploreUI struct{ noteSeq int }

var exploreUIComponent = donburi.NewComponentType[exploreUI]()

// Expand asks for the neighbours of ent, a node of the world, in explore mode (what a
// double-click does): it says so in a toast, and does nothing outside explore mode.
func Expand(e *ecs.ECS, ent donburi.Entity) {
	x := ExploreOf(e)
	if x == nil || ent == donburi.Null || !e.World.Valid(ent) {
		return
	}
	entry := e.World.Entry(ent)
	if !entry.HasComponent(components.DddElement) {
		return
	}
	c := components.DddElement.Get(entry).CID
	name := Label(entry)
	switch {
	case !c.Defined():
		Toast(e, "nothing to expand: "+name)
	case !x.Expandable(c):
		Toast(e, "already expanded: "+name)
	case x.Requested[c]:
		Toast(e, "still fetching the neighbours of "+name)
	case Opts(e).Expand == nil:
		Toast(e, "this window cannot fetch more")
	case !Opts(e).Expand(c):
		Toast(e, "busy fetching: double-click again in a moment")
	default:
		x.Requested[c] = true
		Toast(e, "fetching the neighbours of "+name)
	}
}

// doubleClickSlop is how far, in screen pixels, the second click of a double-click may land
// from the first.
const doubleClickSlop = 6.0

// clicked is called for every click on the graph at (x, y) (ent: the node clicked, or
// donburi.Null): a second click within doubleClick at the same place expands the node the
// first one hit, even when the first click's selection has panned the camera (to keep the
// node clear of the inspector) and another node is now under the cursor.
func clicked(e *ecs.ECS, p *components.PointerData, ent donburi.Entity, x, y float64, now time.Time) {
	if p.LastClickOn != donburi.Null && now.Sub(p.LastClick) <= doubleClick &&
		math.Hypot(x-p.LastClickX, y-p.LastClickY) <= doubleClickSlop {
		first := p.LastClickOn
		p.LastClickOn = donburi.Null
		if first != ent && e.World.Valid(first) {
			Select(e, first) // the second click selected what the pan put under the cursor
		}
		Expand(e, first)
		return
	}
	p.LastClickOn, p.LastClick, p.LastClickX, p.LastClickY = ent, now, x, y
}

// UpdateExplore is the explore system: it shows the source's newest note on an expansion as
// a toast. Outside explore mode it does nothing.
func UpdateExplore(e *ecs.ECS) {
	x := ExploreOf(e)
	if x == nil {
		return
	}
	ui := getOrCreate(e.World, exploreUIComponent, nil)
	if x.NoteSeq != ui.noteSeq {
		ui.noteSeq = x.NoteSeq
		if x.Note != "" {
			Toast(e, x.Note)
		}
	}
}

// exploreStatus is the status bar's explore phrase: "explore …abc123 · depth 2 · 17 nodes".
func exploreStatus(x *components.ExploreData, nodes int) string {
	s := x.Root.String()
	return fmt.Sprintf("explore …%s · depth %d · %d nodes", s[max(len(s)-6, 0):], x.Depth, nodes)
}

// ExpandMarkColor is the colour of the "+" beside a node whose neighbours explore mode has not
// fetched (a function, not a variable: no package state anyone could change).
func ExpandMarkColor() color.RGBA { return color.RGBA{0xff, 0xf0, 0x60, 0xff} }
