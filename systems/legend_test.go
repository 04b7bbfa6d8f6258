package systems

import (
	"fmt"
	"testing"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/worldtest"
)

// In the lanes layout the fit leaves the legend's corner clear: lanes run across the whole
// width, so the top lanes (and their labels) would be under the legend. The force layout's
// fit still uses the screen up to the margin.
func TestLanesFitClearsTheLegend(t *testing.T) {
	for _, tc := range []struct {
		mode  components.LayoutMode
		clear bool
	}{{components.LayoutLanes, true}, {components.LayoutForce, false}} {
		// 40 lanes of 20 events: 1,200 by 2,400 world units, fitted by their height.
		e, es := lanesView(t, 40, 20, tc.mode)
		legend := LegendRect(e)
		if legend.MaxY <= fitMargin {
			t.Fatalf("legend %+v ends above the fit margin: the test shows nothing", legend)
		}
		r := SceneOf(e).Nodes[0].R * cam(e).Zoom
		_, top := nodeOnScreen(e, es[0])
		_, bottom := nodeOnScreen(e, es[len(es)-1])
		if got := top-r >= legend.MaxY; got != tc.clear {
			t.Errorf("%v: the top lane's nodes reach up to y %.1f, the legend down to %.1f: clear %v, want %v", tc.mode, top-r, legend.MaxY, got, tc.clear)
		}
		if limit := float64(cam(e).Height) - BottomH - fitMargin; bottom+r > limit+1e-6 || bottom+r < limit-1 {
			t.Errorf("%v: the bottom lane reaches y %.1f, want the fit's bottom %.1f", tc.mode, bottom+r, limit)
		}
	}
}

// LegendRect holds every legend row, one line each, however the table and the colour mode
// change the rows.
func TestLegendRectHoldsItsRows(t *testing.T) {
	e, _ := lanesView(t, 3, 3, components.LayoutLanes)
	line := GetOrCreateSettings(e).LineHeight
	for _, mode := range []components.ColorMode{components.ColorByKind, components.ColorByAggregate, components.ColorByType} {
		rows := len(KindsOf(e.World).Legend(mode)) + len(LegendEdges())
		if got := KindsOf(e.World).LegendRows(); got != len(KindsOf(e.World).Legend(mode)) {
			t.Errorf("%v: LegendRows %d, Legend %d rows", mode, got, len(KindsOf(e.World).Legend(mode)))
		}
		if r := LegendRect(e); r.Height() != 2*legendPad+float64(rows)*line || r.MinY != panelGap {
			t.Errorf("%v: legend %+v for %d rows of %v px", mode, r, rows, line)
		}
	}
	GetOrCreateSettings(e).LineHeight = 20
	if r := LegendRect(e); r.Height() != 2*legendPad+float64(KindsOf(e.World).LegendRows()+len(LegendEdges()))*20 {
		t.Errorf("legend %+v after the drawing code measured 20 px lines", r)
	}
}

// In the lanes layout the fit starts the first column right of the widest lane label drawn
// (labels stay at the left edge); the force layout ignores the labels.
func TestLanesFitClearsTheLabels(t *testing.T) {
	for _, tc := range []struct {
		mode  components.LayoutMode
		clear bool
	}{{components.LayoutLanes, true}, {components.LayoutForce, false}} {
		// 3 lanes of 60 events: a wide graph, fitted by its width.
		w := donburi.NewWorld()
		var es []donburi.Entity
		for k := range 3 {
			for c := range 60 {
				es = append(es, worldtest.Node(w, len(es), worldtest.Event(float64(c)*testColumnW, float64(k)*testLaneH, fmt.Sprint("customer-", k), "T")))
			}
		}
		e := newECS(w)
		Setup(e, Options{Width: 1280, Height: 800, Layout: tc.mode})
		GetOrCreateSettings(e).LaneLabelWidth = 150 // as the drawing code measures it
		UpdateScene(e)
		UpdateCamera(e) // the first picture is fitted at once
		r := SceneOf(e).Nodes[0].R * cam(e).Zoom
		left := float64(cam(e).Width)
		for _, en := range es {
			x, _ := nodeOnScreen(e, en)
			left = min(left, x-r)
		}
		if got := left >= 150; got != tc.clear {
			t.Errorf("%v: the first column starts at x %.1f, the labels end at 150: clear %v, want %v", tc.mode, left, got, tc.clear)
		}
	}
}
