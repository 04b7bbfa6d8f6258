package systems

import (
	"image/color"
	"time"

	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// The activity panel: an events/s sparkline of the last minutes and the busiest aggregates
// and event types, computed here as plain data (tested without a display) and drawn by
// package render at the top right.
const (
	// SparkBins is the sparkline's number of bins, SparkBin the event time each covers: 60
	// bins of 5 s are the last five minutes.
	SparkBins = 60
	SparkBin  = 5 * time.Second
	// BusiestN is how many aggregates and types the panel names; LegendN how many of the
	// list events are coloured by (it is the colour legend then).
	BusiestN = 3
	LegendN  = 8
	// activityEvery is how often the panel is recomputed (it walks every node).
	activityEvery = 500 * time.Millisecond
)

// Count is one row of the busiest lists: a name, how many events it has among those shown,
// and its colour when events are coloured by it (the legend).
type Count struct {
	Name  string
	N     int
	Color color.RGBA
}

// Activity is what the activity panel shows.
type Activity struct {
	// Rate is events per second in each SparkBin of event time, oldest first, the last bin
	// ending at End (Unix ns): the picture's time (as of the timeline, or now when live).
	Rate []float64
	End  int64
	Peak float64
	// Events counts the events shown (as of the timeline).
	Events int
	// Aggregates and Types are the busiest, most events first (ties: the first seen), at most
	// BusiestN each; MoreAggregates and MoreTypes count the others.
	Aggregates, Types         []Count
	MoreAggregates, MoreTypes int
}

// activityState is the activity system's private singleton.
type activityState struct {
	Activity
	// set and on: the i key chose (otherwise the panel shows in windows at least
	// ActivityMinWidth wide).
	set, on bool
	at      time.Time
	asOf    uint64
	mode    components.ColorMode
	aggN    []int // events per aggregate, by the scene's index (Scene.EventKeys)
	typeN   []int
}

var activityComponent = donburi.NewComponentType[activityState]()

func getActivity(e *ecs.ECS) *activityState {
	return getOrCreate(e.World, activityComponent, func(donburi.World) activityState {
		return activityState{Activity: Activity{Rate: make([]float64, SparkBins)}}
	})
}

// ActivityMinWidth is the narrowest window the activity panel shows in unless the i key
// asks for it: in a small window it would cover the graph.
const ActivityMinWidth = 1000

// ActivityShown reports whether the activity panel is on: as the i key last set it, else
// when the window is at least ActivityMinWidth wide.
func ActivityShown(e *ecs.ECS) bool {
	if st := getActivity(e); st.set {
		return st.on
	}
	return GetOrCreateCamera(e).Width >= ActivityMinWidth
}

// ToggleActivity turns the activity panel off or on (the i key).
func ToggleActivity(e *ecs.ECS, _ components.Key) {
	on := !ActivityShown(e)
	st := getActivity(e)
	st.set, st.on = true, on
	Toast(e, onOff("activity panel", on))
}

// ActivityOf returns the activity panel's data as last computed.
func ActivityOf(e *ecs.ECS) *Activity { return &getActivity(e).Activity }

// UpdateActivity is the activity system (run with the HUD): twice a second, or at once when
// the timeline's as-of sequence moved, it counts the events shown per 5 s of event time over
// the last five minutes and per aggregate and type.
func UpdateActivity(e *ecs.ECS) {
	if !ActivityShown(e) {
		return
	}
	st := getActivity(e)
	now := Opts(e).Now()
	tl := GetOrCreateTimeline(e)
	mode := GetOrCreateSettings(e).ColorMode
	if now.Sub(st.at) < activityEvery && tl.AsOf == st.asOf && mode == st.mode && !st.at.IsZero() {
		return
	}
	st.at, st.asOf, st.mode = now, tl.AsOf, mode
	end := now.UnixNano()
	if !tl.Live() {
		end = tl.AsOfTime
	} else if !caughtUp(e) && tl.LastTime != 0 {
		end = tl.LastTime // catching up: the newest event read so far
	}
	st.End = end
	clear(st.Rate)
	st.Events = 0
	start := end - int64(SparkBins)*int64(SparkBin)
	sc := SceneOf(e)
	st.aggN, st.typeN = st.aggN[:0], st.typeN[:0]
	for i := range sc.Nodes {
		n := &sc.Nodes[i]
		agg, typ, ok := sc.EventKeys(i)
		if !ok || tl.AsOf != 0 && n.Seq > tl.AsOf {
			continue
		}
		st.Events++
		st.aggN = countAt(st.aggN, agg)
		st.typeN = countAt(st.typeN, typ)
		if n.Time > start && n.Time <= end {
			b := int((n.Time - start - 1) / int64(SparkBin))
			st.Rate[min(b, SparkBins-1)]++
		}
	}
	st.Peak = 0
	for i := range st.Rate {
		st.Rate[i] /= SparkBin.Seconds()
		st.Peak = max(st.Peak, st.Rate[i])
	}
	nAgg, nType := BusiestN, BusiestN
	switch mode {
	case components.ColorByAggregate:
		nAgg = LegendN
	case components.ColorByType:
		nType = LegendN
	}
	st.Aggregates, st.MoreAggregates = busiest(st.Aggregates[:0], st.aggN, nAgg, sc.AggregateFirst, func(i int) (string, color.RGBA) {
		name := sc.AggregateName(i)
		if mode == components.ColorByAggregate {
			return name, sc.AggregateColor(name)
		}
		return name, color.RGBA{}
	})
	st.Types, st.MoreTypes = busiest(st.Types[:0], st.typeN, nType, sc.TypeFirst, func(i int) (string, color.RGBA) {
		name := sc.TypeName(i)
		if mode == components.ColorByType {
			return name, sc.TypeColor(name)
		}
		return name, color.RGBA{}
	})
}

// countAt adds one to c[i], growing c as needed.
func countAt(c []int, i int) []int {
	for i >= len(c) {
		c = append(c, 0)
	}
	c[i]++
	return c
}

// busiest appends the n largest of the counts (indexed by the scene's index) to dst, most
// first (ties: the first seen first, by first), and returns it with the number of names left
// out.
func busiest(dst []Count, counts []int, n int, first func(int) uint64, nameOf func(int) (string, color.RGBA)) ([]Count, int) {
	type top struct{ i, n int }
	var best []top // the n largest so far, most first (n is small: insertion)
	names := 0
	for i, c := range counts {
		if c == 0 {
			continue
		}
		names++
		// before reports whether b ranks above the count c of index i.
		before := func(b top) bool { return b.n > c || b.n == c && first(b.i) < first(i) }
		if len(best) == n && before(best[n-1]) {
			continue
		}
		if len(best) < n {
			best = append(best, top{})
		}
		j := len(best) - 1
		for ; j > 0 && !before(best[j-1]); j-- {
			best[j] = best[j-1]
		}
		best[j] = top{i, c}
	}
	for _, b := range best {
		name, col := nameOf(b.i)
		dst = append(dst, Count{Name: name, N: b.n, Color: col})
	}
	return dst, names - len(best)
}
