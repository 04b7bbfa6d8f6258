package systems

import (
	"slices"

	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// Binding is one row of the key table: the keys that trigger it (none for a mouse action),
// how the help overlay names it and what it says it does, and the action. Press runs on the
// tick one of Keys goes down; Hold runs every tick with the tick's input while any is held.
type Binding struct {
	Keys  []components.Key
	Name  string // "f", "+ / -", "drag", …
	Help  string
	Press func(e *ecs.ECS, k components.Key)
	Hold  func(e *ecs.ECS, in *components.InputData)
}

// newKeyTable returns the one list of keys and mouse actions: the input system dispatches on
// it and the help overlay shows it, in this order. Each call makes a new one: a world keeps
// its own (KeysOf), so that nothing done to one world's table reaches another's.
func newKeyTable() []Binding {
	return []Binding{
		{Name: "drag", Help: "pan"},
		{Name: "wheel", Help: "zoom around the cursor"},
		{Name: "+ / -", Help: "zoom in / out",
			Keys: []components.Key{components.KeyEqual, components.KeyNumpadAdd, components.KeyMinus, components.KeyNumpadSubtract},
			Hold: holdZoom},
		{Name: "arrows", Help: "pan",
			Keys: []components.Key{components.KeyArrowLeft, components.KeyArrowRight, components.KeyArrowUp, components.KeyArrowDown},
			Hold: holdPan},
		{Name: "shift + wheel, ↑↓", Help: "lanes: spread / squeeze the lanes (zoom y alone)"}, // the wheel's and the arrows' rows act
		{Name: "ctrl + wheel", Help: "lanes: scroll up / down"},
		{Name: "click", Help: "select a node: inspector, chain and causal cone"},
		{Name: "double-click / e", Help: "explore mode (view --at): fetch a + node's (e: the selected node's) neighbours",
			Keys: []components.Key{components.KeyE}, Press: func(e *ecs.ECS, _ components.Key) {
				if ExploreOf(e) == nil {
					return
				}
				if sel := Selected(e); sel != donburi.Null {
					Expand(e, sel)
				} else {
					Toast(e, "select a node first")
				}
			}},
		{Name: "f", Help: "fit everything in view", Keys: []components.Key{components.KeyF}, Press: func(e *ecs.ECS, _ components.Key) {
			c := GetOrCreateCamera(e)
			c.AutoFit, c.Fitted = true, false
		}},
		{Name: "l", Help: "follow live (the newest node)", Keys: []components.Key{components.KeyL}, Press: func(e *ecs.ECS, _ components.Key) {
			c := GetOrCreateCamera(e)
			c.Follow = !c.Follow
			Toast(e, onOff("follow live", c.Follow))
		}},
		{Name: "space", Help: "pause / resume the live feed", Keys: []components.Key{components.KeySpace}, Press: func(e *ecs.ECS, _ components.Key) {
			s := GetOrCreateSettings(e)
			s.Paused = !s.Paused
			Toast(e, onOff("pause", s.Paused))
		}},
		{Name: "p", Help: "timeline: play / pause (from live: from the oldest event)", Keys: []components.Key{components.KeyP},
			Press: func(e *ecs.ECS, _ components.Key) { TogglePlay(e) }},
		{Name: ", / .", Help: "timeline: slower / faster (1× to 1000× event time)", Keys: []components.Key{components.KeyComma, components.KeyPeriod},
			Press: func(e *ecs.ECS, k components.Key) {
				if k == components.KeyComma {
					ChangeSpeed(e, -1)
				} else {
					ChangeSpeed(e, 1)
				}
			}},
		{Name: "[ / ]", Help: "timeline: one event back / forward", Keys: []components.Key{components.KeyBracketLeft, components.KeyBracketRight},
			Press: func(e *ecs.ECS, k components.Key) {
				GetOrCreateTimeline(e).Playing = false
				if k == components.KeyBracketLeft {
					StepTimeline(e, -1)
				} else {
					StepTimeline(e, 1)
				}
			}},
		{Name: "Home / End", Help: "timeline: the oldest held event / live", Keys: []components.Key{components.KeyHome, components.KeyEnd},
			Press: func(e *ecs.ECS, k components.Key) {
				if k == components.KeyHome {
					SetAsOf(e, 1)
				} else {
					SetAsOf(e, 0)
					Toast(e, "timeline: live")
				}
			}},
		{Name: "drag bar", Help: "timeline: the store as of the sequence there"},
		{Name: "i", Help: "activity: events/s, busiest aggregates and types, colours", Keys: []components.Key{components.KeyI}, Press: ToggleActivity},
		{Name: "c", Help: "colour events by kind / aggregate / type", Keys: []components.Key{components.KeyC}, Press: func(e *ecs.ECS, _ components.Key) {
			s := GetOrCreateSettings(e)
			s.ColorMode = s.ColorMode.Next()
			Toast(e, "colour by "+s.ColorMode.String())
		}},
		{Name: "v", Help: "layout: force / lanes (one row per aggregate)", Keys: []components.Key{components.KeyV}, Press: func(e *ecs.ECS, _ components.Key) {
			s := GetOrCreateSettings(e)
			s.Layout = s.Layout.Next()
			c := GetOrCreateCamera(e)
			c.AutoFit, c.Fitted = true, false
			Toast(e, "layout: "+s.Layout.String())
		}},
		{Name: "g", Help: "lanes: group by ID prefix / type family / none", Keys: []components.Key{components.KeyG}, Press: cycleGrouping},
		{Name: "x", Help: "lanes: x is the stream sequence / event time", Keys: []components.Key{components.KeyX}, Press: toggleLaneX},
		{Name: "z", Help: "lanes: collapse / expand the selected node's group", Keys: []components.Key{components.KeyZ}, Press: collapseSelected},
		{Name: "m", Help: "minimap: the whole graph and the view; click it to go there", Keys: []components.Key{components.KeyM}, Press: ToggleMinimap},
		{Name: "k", Help: "highlight the events of the newest log checkpoint", Keys: []components.Key{components.KeyK}, Press: toggleLogHighlight},
		{Name: "s", Help: "save a screenshot (timestamped PNG)", Keys: []components.Key{components.KeyS}, Press: func(e *ecs.ECS, _ components.Key) {
			GetOrCreateSettings(e).ScreenshotRequested = true
		}},
		{Name: "/", Help: "search aggregate IDs, types, CID prefixes; Enter jumps", Keys: []components.Key{components.KeySlash, components.KeyNumpadDivide},
			Press: func(e *ecs.ECS, _ components.Key) { OpenSearch(e) }},
		{Name: "n / Enter", Help: "next match of the last search", Keys: []components.Key{components.KeyN, components.KeyEnter, components.KeyNumpadEnter},
			Press: func(e *ecs.ECS, _ components.Key) { NextMatch(e) }},
		{Name: "a", Help: "show only the selected node's aggregate", Keys: []components.Key{components.KeyA},
			Press: func(e *ecs.ECS, _ components.Key) { filterSelected(e, true) }},
		{Name: "t", Help: "show only the selected node's type", Keys: []components.Key{components.KeyT},
			Press: func(e *ecs.ECS, _ components.Key) { filterSelected(e, false) }},
		{Name: "y", Help: "copy the selected CID to the clipboard", Keys: []components.Key{components.KeyY},
			Press: func(e *ecs.ECS, _ components.Key) { copySelected(e) }},
		{Name: "PgUp / PgDn", Help: "scroll the inspector (or the wheel over it)", Keys: []components.Key{components.KeyPageUp, components.KeyPageDown},
			Press: func(e *ecs.ECS, k components.Key) {
				if k == components.KeyPageUp {
					ScrollInspector(e, -10)
				} else {
					ScrollInspector(e, 10)
				}
			}},
		{Name: "Esc", Help: "clear search, filter, then selection", Keys: []components.Key{components.KeyEscape}, Press: escape},
		{Name: "h", Help: "this help (in a short window: its next page)", Keys: []components.Key{components.KeyH, components.KeyF1}, Press: toggleHelp},
	}
}

// KeyTable returns a new key table, in the order the help overlay shows it.
func KeyTable() []Binding { return newKeyTable() }

// keyTableData is the singleton holding a world's key table.
type keyTableData struct{ keys []Binding }

var keyTableComponent = donburi.NewComponentType[keyTableData]()

// KeysOf returns e's key table, which the input system dispatches on and the help overlay
// lists: made by Setup (or on first use), one per world.
func KeysOf(e *ecs.ECS) []Binding {
	return getOrCreate(e.World, keyTableComponent, func(donburi.World) keyTableData { return keyTableData{newKeyTable()} }).keys
}

// pressKeys runs the Press action of every binding of a key that went down this tick.
func pressKeys(e *ecs.ECS, f *components.InputData) {
	// On layouts where / needs a modifier the key code differs; the typed character does not.
	if slices.Contains(f.Chars, '/') {
		OpenSearch(e)
	}
	keys := KeysOf(e)
	for _, k := range f.Pressed {
		for i := range keys {
			b := &keys[i]
			if b.Press != nil && slices.Contains(b.Keys, k) {
				b.Press(e, k)
			}
		}
	}
}

// holdKeys runs, once a tick, the Hold action of every binding with a key held.
func holdKeys(e *ecs.ECS, f *components.InputData) {
	if GetOrCreateSearch(e).Open {
		return // a key that opened the prompt this tick hands it the keyboard at once
	}
	keys := KeysOf(e)
	for i := range keys {
		b := &keys[i]
		if b.Hold != nil && slices.ContainsFunc(b.Keys, func(k components.Key) bool { return slices.Contains(f.Held, k) }) {
			b.Hold(e, f)
		}
	}
}

func held(f *components.InputData, keys ...components.Key) bool {
	for _, k := range keys {
		if slices.Contains(f.Held, k) {
			return true
		}
	}
	return false
}

func holdZoom(e *ecs.ECS, f *components.InputData) {
	cam := GetOrCreateCamera(e)
	cx, cy := float64(cam.Width)/2, float64(cam.Height)/2
	if held(f, components.KeyEqual, components.KeyNumpadAdd) {
		cam.ZoomAt(cx, cy, keyZoomStep)
		manual(e)
	}
	if held(f, components.KeyMinus, components.KeyNumpadSubtract) {
		cam.ZoomAt(cx, cy, 1/keyZoomStep)
		manual(e)
	}
}

func holdPan(e *ecs.ECS, f *components.InputData) {
	dx, dy := 0.0, 0.0
	if held(f, components.KeyArrowLeft) {
		dx += keyPanStep
	}
	if held(f, components.KeyArrowRight) {
		dx -= keyPanStep
	}
	// In the lanes layout shift with ↑ or ↓ spreads or squeezes the lanes instead.
	if held(f, components.KeyShift) && inLanes(e) {
		holdStretch(e, f)
	} else {
		if held(f, components.KeyArrowUp) {
			dy += keyPanStep
		}
		if held(f, components.KeyArrowDown) {
			dy -= keyPanStep
		}
	}
	if dx != 0 || dy != 0 {
		GetOrCreateCamera(e).Pan(dx, dy)
		manual(e)
	}
}

// escape closes the help, else clears the filter, else the selection.
func escape(e *ecs.ECS, _ components.Key) {
	s := GetOrCreateSettings(e)
	switch {
	case s.ShowHelp:
		s.ShowHelp, s.HelpPage = false, 0
	case GetOrCreateFilter(e).Active():
		SetFilter(e, components.FilterData{})
		Toast(e, "filter cleared")
	case s.LogHighlight && Selected(e) == donburi.Null:
		s.LogHighlight = false
		Toast(e, "checkpoint highlight: off")
	default:
		Select(e, donburi.Null)
	}
}

// toggleHelp is the h key: it opens the help at its first page, turns to the next page
// while there is one (LayoutHelp paginates it in a short window), and closes it after the
// last.
func toggleHelp(e *ecs.ECS, _ components.Key) {
	s := GetOrCreateSettings(e)
	switch {
	case !s.ShowHelp:
		s.ShowHelp, s.HelpPage = true, 0
	case s.HelpPage+1 < s.HelpPages:
		s.HelpPage++
	default:
		s.ShowHelp, s.HelpPage = false, 0
	}
}

func onOff(what string, on bool) string {
	if on {
		return what + ": on"
	}
	return what + ": off"
}
