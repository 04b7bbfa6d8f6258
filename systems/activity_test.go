package systems

import (
	"fmt"
	"testing"
	"time"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/worldtest"
)

// TestActivitySparklineAndBusiest: the activity panel counts the events per 5 s of the last
// five minutes (events/s) and names the busiest aggregates and types, most first, with the
// rest counted; as of an earlier sequence it counts only what was there; colouring by
// aggregate turns the aggregate list into the colour legend (the colours the scene draws, all
// different); the i key turns it off.
func TestActivitySparklineAndBusiest(t *testing.T) {
	w := donburi.NewWorld()
	clock := &fakeClock{t: int64(1000 * time.Second)}
	now := clock.t
	// 8 aggregates: agg-0 has 8 events, agg-1 7, …, agg-7 1: 36 events, the newest last.
	// Events are 2 s apart ending at now, so all fall in the last five minutes.
	var specs []worldtest.Spec
	for a := 0; a < 8; a++ {
		for k := 0; k < 8-a; k++ {
			specs = append(specs, worldtest.Event(float64(len(specs))*10, 0, fmt.Sprint("agg-", a), []string{"Placed", "Paid"}[k%2]))
		}
	}
	for i, sp := range specs {
		ent := worldtest.Node(w, i, sp)
		components.DddElement.Get(w.Entry(ent)).CreatedAt = now - int64(len(specs)-1-i)*int64(2*time.Second)
	}
	e := newECS(w)
	Setup(e, Options{Width: 1280, Height: 800, Now: clock.now})
	frame(e)
	frame(e) // the timeline indexes the first frame's scene
	UpdateHUD(e)
	a := ActivityOf(e)
	if a.Events != 36 {
		t.Fatalf("activity counts %d events, want 36", a.Events)
	}
	var sum float64
	for _, r := range a.Rate {
		sum += r * SparkBin.Seconds()
	}
	if sum != 36 || len(a.Rate) != SparkBins {
		t.Errorf("sparkline: %d bins holding %v events, want %d bins holding 36", len(a.Rate), sum, SparkBins)
	}
	// The last 5 s bin holds the events at now, now-2 s and now-4 s: 0.6 events/s.
	if got := a.Rate[SparkBins-1]; got != 0.6 || a.Peak != 0.6 {
		t.Errorf("last bin %v events/s, peak %v: want 0.6 and 0.6", got, a.Peak)
	}
	if a.Rate[0] != 0 {
		t.Errorf("the first bin (5 min ago) has %v events/s, want 0", a.Rate[0])
	}
	want := []Count{{Name: "agg-0", N: 8}, {Name: "agg-1", N: 7}, {Name: "agg-2", N: 6}, {Name: "agg-3", N: 5}, {Name: "agg-4", N: 4}}
	want = want[:BusiestN]
	if len(a.Aggregates) != BusiestN || a.MoreAggregates != 8-BusiestN {
		t.Fatalf("busiest aggregates %v (+%d), want %v (+%d)", a.Aggregates, a.MoreAggregates, want, 8-BusiestN)
	}
	for i, c := range want {
		if a.Aggregates[i].Name != c.Name || a.Aggregates[i].N != c.N || a.Aggregates[i].Color.A != 0 {
			t.Errorf("busiest aggregate %d: %+v, want %+v (no swatch when colouring by kind)", i, a.Aggregates[i], c)
		}
	}
	if len(a.Types) != 2 || a.Types[0] != (Count{Name: "Placed", N: 20}) || a.Types[1] != (Count{Name: "Paid", N: 16}) || a.MoreTypes != 0 {
		t.Errorf("busiest types %v (+%d), want Placed 20, Paid 16", a.Types, a.MoreTypes)
	}

	// As of seq 8 (agg-0's events only).
	SetAsOf(e, 8)
	frame(e)
	UpdateHUD(e)
	if a.Events != 8 || len(a.Aggregates) != 1 || a.Aggregates[0].N != 8 || a.End != now-int64(28*2*time.Second) {
		t.Errorf("as of seq 8: %d events, busiest %v, sparkline ending %d; want 8 of agg-0, ending at seq 8's time %d",
			a.Events, a.Aggregates, a.End, now-int64(28*2*time.Second))
	}
	SetAsOf(e, 0)

	// Colour by aggregate: the list is the legend, LegendN rows.
	HandleInput(e, components.InputData{Pressed: []components.Key{components.KeyC}})
	frame(e)
	UpdateHUD(e)
	if len(a.Aggregates) != 8 || a.MoreAggregates != 0 {
		t.Fatalf("colour by aggregate: %d rows (+%d), want all 8 named", len(a.Aggregates), a.MoreAggregates)
	}
	seen := map[[4]uint8]string{}
	sc := SceneOf(e)
	for _, r := range a.Aggregates {
		if r.Color.A == 0 || r.Color != sc.AggregateColor(r.Name) {
			t.Errorf("legend row %s: colour %v, the scene draws it %v", r.Name, r.Color, sc.AggregateColor(r.Name))
		}
		k := [4]uint8{r.Color.R, r.Color.G, r.Color.B, r.Color.A}
		if other, ok := seen[k]; ok {
			t.Errorf("%s and %s share the colour %v", r.Name, other, r.Color)
		}
		seen[k] = r.Name
	}
	// The colours are the palette's in first-appearance order: agg-0 first.
	if got, want := sc.AggregateColor("agg-0"), NewPalette().At(0); got != want {
		t.Errorf("agg-0 (first seen) has %v, want palette colour 0 %v", got, want)
	}

	HandleInput(e, components.InputData{Pressed: []components.Key{components.KeyI}})
	if ActivityShown(e) {
		t.Error("the i key did not turn the activity panel off")
	}
}
