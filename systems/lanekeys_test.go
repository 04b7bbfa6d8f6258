package systems

import (
	"strings"
	"testing"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/layout"
)

// In the lanes layout g cycles the grouping, x switches the x axis and z collapses the
// selected node's group; in the force layout they only say so.
func TestLaneKeys(t *testing.T) {
	e, es, clock := inputView(t, false)
	lanes := layout.NewLanes(layout.LanesConfig{Grouping: layout.GroupByPrefix})
	for i, ent := range es {
		d := components.DddElement.Get(e.World.Entry(ent))
		kind := layout.LaneEvent
		if d.Kind == components.ElementObject {
			kind = layout.LaneObject
		}
		lanes.Set(int(d.Index), layout.LaneNode{Kind: kind, Aggregate: d.AggregateID, Type: d.Type, Seq: uint64(i + 1), Time: int64(i+1) * 1e9})
	}
	Setup(e, Options{Width: 800, Height: 600, Now: clock.now, Lanes: lanes})
	UpdateScene(e)

	keys(e, components.KeyG)
	if lanes.Config().Grouping != layout.GroupByPrefix || !strings.Contains(GetOrCreateToast(e).Text, "press v") {
		t.Fatalf("g in the force layout: grouping %v, toast %q", lanes.Config().Grouping, GetOrCreateToast(e).Text)
	}
	keys(e, components.KeyV)
	if GetOrCreateSettings(e).Layout != components.LayoutLanes {
		t.Fatal("v did not switch to the lanes")
	}
	Select(e, es[1]) // an order-1 event
	keys(e, components.KeyZ)
	if !lanes.Collapsed("order-*") || !strings.Contains(GetOrCreateToast(e).Text, "collapsed order-*") {
		t.Fatalf("z: collapsed %v, toast %q", lanes.Collapsed("order-*"), GetOrCreateToast(e).Text)
	}
	keys(e, components.KeyZ)
	if lanes.Collapsed("order-*") {
		t.Fatal("a second z did not expand the group")
	}
	keys(e, components.KeyG)
	if lanes.Config().Grouping != layout.GroupByTypeFamily {
		t.Fatalf("g: grouping %v, want by type family", lanes.Config().Grouping)
	}
	keys(e, components.KeyG)
	keys(e, components.KeyZ)
	if lanes.Config().Grouping != layout.GroupNone || !strings.Contains(GetOrCreateToast(e).Text, "not grouped") {
		t.Fatalf("g, z: grouping %v, toast %q", lanes.Config().Grouping, GetOrCreateToast(e).Text)
	}
	before := lanes.Position(2).X
	keys(e, components.KeyX)
	if lanes.Config().X != layout.XByTime || lanes.Position(2).X == before {
		t.Fatalf("x: mode %v, node 2 at x %v (was %v)", lanes.Config().X, lanes.Position(2).X, before)
	}
}
