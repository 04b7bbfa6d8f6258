package systems

import (
	"fmt"
	"testing"
	"time"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/worldtest"
)

// TestColorsForgetRetiredAggregates: a kiosk with --max-nodes 1000 that sees 200,000 distinct
// aggregates (and 20,000 types) keeps names, palette slots and activity counts for the
// aggregates it shows, not for every one it ever saw; an aggregate whose events stay in the
// world keeps its colour throughout, and so does every shown node while it is shown.
func TestColorsForgetRetiredAggregates(t *testing.T) {
	const (
		maxNodes = 1000
		total    = 200_000
		batch    = 250
		bound    = 2 * maxNodes // names held, at most
	)
	w := donburi.NewWorld()
	clock := &fakeClock{t: int64(1000 * time.Second)}
	e := newECS(w)
	Setup(e, Options{Width: 1280, Height: 800, Now: clock.now})
	r := NewRetire(maxNodes)
	keepColor := -1 // the palette slot of "keep", an aggregate with an event in every batch
	shown := map[donburi.Entity]uint32{}
	for i := 0; i < total; {
		r.MakeRoom(w, batch)
		for k := 0; k < batch; k++ {
			agg := fmt.Sprint("agg-", i)
			if k == 0 {
				agg = "keep"
			}
			ent := worldtest.Node(w, i, worldtest.Event(float64(k), float64(i/batch%40), agg, fmt.Sprint("Type", i/10)))
			r.Track(ent)
			i++
		}
		clock.advance(time.Second)
		frame(e)
		UpdateActivity(e)
		sc := SceneOf(e)
		if len(sc.Nodes) > maxNodes {
			t.Fatalf("%d nodes in the scene, max %d", len(sc.Nodes), maxNodes)
		}
		next := make(map[donburi.Entity]uint32, len(sc.Nodes))
		for j := range sc.Nodes {
			n := &sc.Nodes[j]
			if was, ok := shown[n.Entity]; ok && was != n.AggKey {
				t.Fatalf("after %d events: a shown node's aggregate colour slot moved from %d to %d", i, was, n.AggKey)
			}
			next[n.Entity] = n.AggKey
		}
		shown = next
		if got := sc.AggregateColor("keep"); keepColor < 0 {
			keepColor = int(rgbaWord(got))
		} else if int(rgbaWord(got)) != keepColor {
			t.Fatalf("after %d events: the aggregate shown throughout changed colour", i)
		}
		aggs, types := sc.ColorsInUse()
		capA, capT := sc.KeyCapacity()
		st := getActivity(e)
		if aggs > bound || types > bound || capA > bound || capT > bound || len(st.aggN) > bound || len(st.typeN) > bound {
			t.Fatalf("after %d events (%d nodes shown): %d aggregates and %d types named, %d and %d indices, activity counts %d and %d; want at most %d each",
				i, len(sc.Nodes), aggs, types, capA, capT, len(st.aggN), len(st.typeN), bound)
		}
	}
	sc := SceneOf(e)
	if aggs, _ := sc.ColorsInUse(); aggs < maxNodes-batch {
		t.Errorf("%d aggregates named at the end, want about %d (the shown ones)", aggs, maxNodes)
	}
	if c := sc.AggregateColor("agg-0"); c.A != 0 {
		t.Errorf("agg-0, retired long ago, still has the colour %v", c)
	}
	if a := ActivityOf(e); a.Events != maxNodes || len(a.Aggregates) != BusiestN || a.Aggregates[0].Name != "keep" {
		t.Errorf("activity: %d events, busiest %v; want %d events, keep first", a.Events, a.Aggregates, maxNodes)
	}
}

// TestColorsReuseFreedSlots: once an aggregate's last event leaves, the next new aggregate
// takes its palette slot (the one fewest shown aggregates use), so the shown ones keep
// distinct colours while there are fewer than PaletteSize.
func TestColorsReuseFreedSlots(t *testing.T) {
	w := donburi.NewWorld()
	var ents []donburi.Entity
	for i := range PaletteSize {
		ents = append(ents, worldtest.Node(w, i, worldtest.Event(float64(i), 0, fmt.Sprint("a", i), "T")))
	}
	s := NewScene()
	s.Gather(w, &Marks{})
	w.Remove(ents[5])
	s.Gather(w, &Marks{})
	worldtest.Node(w, PaletteSize, worldtest.Event(0, 1, "new", "T"))
	s.Gather(w, &Marks{})
	seen := map[uint32]string{}
	for i := range s.Nodes {
		n := &s.Nodes[i]
		name := components.DddElement.Get(w.Entry(n.Entity)).AggregateID
		if other, ok := seen[n.AggKey]; ok {
			t.Errorf("%s and %s share palette slot %d", name, other, n.AggKey)
		}
		seen[n.AggKey] = name
	}
	if got, want := s.AggregateColor("new"), NewPalette().At(5); got != want {
		t.Errorf("the new aggregate has %v, want the freed slot 5's %v", got, want)
	}
}
