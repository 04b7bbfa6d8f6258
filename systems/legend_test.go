package systems

import (
	"testing"

	"github.com/jetdag/jetdag/components"
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
