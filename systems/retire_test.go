package systems

import (
	"testing"

	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

func TestRetireKeepsNewest(t *testing.T) {
	tests := []struct {
		name    string
		max     int
		spawn   int
		wantLen int
	}{
		{"unbounded", 0, 20, 20},
		{"below the limit", 30, 20, 20},
		{"at the limit", 20, 20, 20},
		{"beyond the limit", 5, 20, 5},
		{"limit of one", 1, 20, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := donburi.NewWorld()
			stats := w.Create(components.GraphStats) // not a node: never retired
			var removed []donburi.Entity
			w.OnRemove(func(_ donburi.World, e donburi.Entity) { removed = append(removed, e) })
			r := NewRetire(tc.max)
			var all []donburi.Entity
			for range tc.spawn {
				r.MakeRoom(w, 1)
				e := w.Create(components.DddElement)
				r.Track(e)
				all = append(all, e)
				if tc.max > 0 && w.Len()-1 > tc.max {
					t.Fatalf("%d nodes in the world, max %d", w.Len()-1, tc.max)
				}
			}
			if got := w.Len() - 1; got != tc.wantLen {
				t.Fatalf("%d nodes left, want %d", got, tc.wantLen)
			}
			for i, e := range all {
				if want := i >= tc.spawn-tc.wantLen; w.Valid(e) != want {
					t.Errorf("node %d valid = %v, want %v (oldest leave first)", i, w.Valid(e), want)
				}
			}
			if len(removed) != tc.spawn-tc.wantLen {
				t.Errorf("OnRemove fired %d times, want %d", len(removed), tc.spawn-tc.wantLen)
			}
			if !w.Valid(stats) {
				t.Error("the stats singleton was retired")
			}
		})
	}
}

func TestRetireUpdateAppliesLoweredLimit(t *testing.T) {
	w := donburi.NewWorld()
	r := NewRetire(0)
	var all []donburi.Entity
	for range 10 {
		e := w.Create(components.DddElement)
		r.Track(e)
		all = append(all, e)
	}
	// one removed by someone else: a stale entry the ring must skip
	w.Remove(all[7])
	r.Max = 4
	r.Update(ecs.NewECS(w))
	if got := w.Len(); got != 4 {
		t.Fatalf("%d nodes after lowering the limit, want 4", got)
	}
	for i, e := range all {
		want := i >= 5 && i != 7
		if w.Valid(e) != want {
			t.Errorf("node %d valid = %v, want %v", i, w.Valid(e), want)
		}
	}
	if r.Tracked() > 5 {
		t.Errorf("ring still tracks %d entries for 4 nodes and one stale", r.Tracked())
	}
}
