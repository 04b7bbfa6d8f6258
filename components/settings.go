package components

import (
	"fmt"
	"time"

	"github.com/yohamta/donburi"
)

// ColorMode says how events are coloured. Objects and rejected messages keep their own
// colours in every mode.
type ColorMode uint8

// The colour modes, in the order the c key cycles through them.
const (
	ColorByKind      ColorMode = iota // the seed's colours: events blue
	ColorByAggregate                  // one colour per aggregate
	ColorByType                       // one colour per event type
)

// ParseColorMode reads a --color-by value: "kind" (or ""), "aggregate" or "type".
func ParseColorMode(s string) (ColorMode, error) {
	switch s {
	case "", "kind":
		return ColorByKind, nil
	case "aggregate":
		return ColorByAggregate, nil
	case "type":
		return ColorByType, nil
	}
	return 0, fmt.Errorf("colour mode %q: want kind, aggregate or type", s)
}

// String names the mode as ParseColorMode reads it.
func (m ColorMode) String() string {
	switch m {
	case ColorByAggregate:
		return "aggregate"
	case ColorByType:
		return "type"
	}
	return "kind"
}

// Next is the mode the c key switches to.
func (m ColorMode) Next() ColorMode { return (m + 1) % 3 }

// LayoutMode says how nodes are placed.
type LayoutMode uint8

// The layouts, in the order the v key cycles through them.
const (
	LayoutForce LayoutMode = iota // the force-directed layout
	LayoutLanes                   // one horizontal lane per aggregate, x along the stream
)

// ParseLayoutMode reads a --layout value: "force" (or "") or "lanes".
func ParseLayoutMode(s string) (LayoutMode, error) {
	switch s {
	case "", "force":
		return LayoutForce, nil
	case "lanes":
		return LayoutLanes, nil
	}
	return 0, fmt.Errorf("layout %q: want force or lanes", s)
}

// String names the mode as ParseLayoutMode reads it.
func (m LayoutMode) String() string {
	if m == LayoutLanes {
		return "lanes"
	}
	return "force"
}

// Next is the layout the v key switches to.
func (m LayoutMode) Next() LayoutMode { return (m + 1) % 2 }

// SettingsData is the window's modes, a singleton: what the keys switch on and off.
type SettingsData struct {
	ColorMode ColorMode
	// Layout is how nodes are placed (the v key); the layout-sync system glides them from one
	// layout to the other.
	Layout   LayoutMode
	Paused   bool // the live feed is paused (the game stops draining the bridge)
	ShowHelp bool // the help overlay is open
	// HelpPage is the page of the help overlay shown (from 0), which the h key turns, and
	// HelpPages how many the drawing code laid the key table out in for the window's size
	// (0 until it has drawn the help: one).
	HelpPage, HelpPages int
	// ScreenshotRequested is set by the s key and cleared by the drawing code that takes it.
	ScreenshotRequested bool
	// LogHighlight is the k key: the events the newest log checkpoint added are highlighted
	// (the rest dimmed) while nothing is selected.
	LogHighlight bool
	// Kiosk resumes fit and follow after KioskIdle without input.
	Kiosk     bool
	KioskIdle time.Duration
	// CharWidth is the advance of one character of the inspector's monospaced face, in
	// pixels; the drawing code measures it, and the inspector wraps its rows with it.
	CharWidth float64
	// LineHeight is the line height of the window's UI face, in pixels; the drawing code
	// measures it, and the legend panel (LegendRect) is sized with it.
	LineHeight float64
	// LaneLabelWidth is the right edge, in pixels from the window's left, of the widest lane
	// label the drawing code has drawn in the lanes layout (0: none yet). It only grows, so a
	// fit that leaves room for it (the labels stay at the left edge and would cover the first
	// nodes) does not move back and forth as labels come and go.
	LaneLabelWidth float64
}

// Settings is the component type of the SettingsData singleton.
var Settings = donburi.NewComponentType[SettingsData]()

// HUDData is what the status bar and the tooltip show, a singleton refreshed by the HUD
// system a few times a second.
type HUDData struct {
	Stats    GraphStatsData // a copy of the model's figures as of this frame
	FPS      float64        // the drawing code's measured frame rate
	Status   string         // the status line
	StatusAt time.Time      // when Status was last written
	// TooltipFor is the hovered node whose Tooltip this is.
	TooltipFor donburi.Entity
	Tooltip    string
}

// HUD is the component type of the HUDData singleton.
var HUD = donburi.NewComponentType[HUDData]()
