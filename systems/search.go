package systems

import (
	"fmt"
	"strings"

	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/systems/search"
)

// OpenSearch opens an empty search prompt (the / key).
func OpenSearch(e *ecs.ECS) {
	s := GetOrCreateSearch(e)
	s.Open, s.Query, s.Count = true, s.Query[:0], 0
}

// searchKeys is the keyboard while the prompt is open: text goes into the query (the prompt
// shows how many nodes it matches as you type), Enter jumps to the first match, Esc cancels,
// Backspace deletes.
func searchKeys(e *ecs.ECS, f *components.InputData) {
	s := GetOrCreateSearch(e)
	changed := false
	for _, k := range f.Pressed {
		switch k {
		case components.KeyEscape:
			s.Open, s.Query, s.Count = false, s.Query[:0], 0
			return
		case components.KeyEnter, components.KeyNumpadEnter:
			q := strings.TrimSpace(string(s.Query))
			s.Open, s.Query = false, s.Query[:0]
			if q != "" {
				Jump(e, q)
			}
			return
		case components.KeyBackspace:
			if len(s.Query) > 0 {
				s.Query = s.Query[:len(s.Query)-1]
				changed = true
			}
		}
	}
	for _, r := range f.Chars {
		if r >= ' ' && r != 0x7f && len(s.Query) < 256 {
			s.Query = append(s.Query, r)
			changed = true
		}
	}
	if changed {
		s.Count = len(findNodes(e, string(s.Query)))
	}
}

// findNodes returns the entities of the scene's nodes that q matches, best first (package
// search: anywhere in the aggregate ID or the event type or object kind, or the start of the
// CID, case-insensitive; the exact aggregate's events first, newest first).
func findNodes(e *ecs.ECS, q string) []donburi.Entity {
	scene := SceneOf(e)
	entries := make([]search.Entry, len(scene.Nodes))
	for i := range scene.Nodes {
		n := &scene.Nodes[i]
		d := components.DddElement.Get(e.World.Entry(n.Entity))
		entries[i] = search.Entry{Aggregate: d.AggregateID, Type: d.Type, Seq: n.Seq, Aside: d.Kind != components.ElementEvent}
		if d.CID.Defined() {
			entries[i].CID = d.CID.String()
		}
	}
	idx := search.Find(entries, q)
	out := make([]donburi.Entity, len(idx))
	for k, i := range idx {
		out[k] = scene.Nodes[i].Entity
	}
	return out
}

// Jump runs the search q, selects its best match and brings it into view; n and Enter then
// step through the other matches. It reports whether anything matched; if nothing did it
// says so in a toast.
func Jump(e *ecs.ECS, q string) bool {
	s := GetOrCreateSearch(e)
	s.Term, s.Matches, s.Pos = q, findNodes(e, q), 0
	if len(s.Matches) == 0 {
		Toast(e, fmt.Sprintf("nothing matches %q", q))
		return false
	}
	return goToMatch(e)
}

// NextMatch moves to the next match of the last search (after the last: the first), the n
// key and Enter. Matches that have left the world since are skipped.
func NextMatch(e *ecs.ECS) bool {
	s := GetOrCreateSearch(e)
	if len(s.Matches) == 0 {
		Toast(e, "no search: / to search")
		return false
	}
	s.Pos = (s.Pos + 1) % len(s.Matches)
	return goToMatch(e)
}

// goToMatch selects the match at Pos (or the next one still in the scene), centres the
// camera on it and zooms in until it is readable.
func goToMatch(e *ecs.ECS) bool {
	s := GetOrCreateSearch(e)
	scene := SceneOf(e)
	for range len(s.Matches) {
		i := scene.Index(s.Matches[s.Pos])
		if i < 0 || laterThanAsOf(e, &scene.Nodes[i]) {
			s.Pos = (s.Pos + 1) % len(s.Matches)
			continue
		}
		n := &scene.Nodes[i]
		if n.Flags&FlagHidden != 0 {
			SetFilter(e, components.FilterData{})
		}
		Select(e, n.Entity)
		cam := GetOrCreateCamera(e)
		cam.CenterX, cam.CenterY = n.X, n.Y
		if n.R*cam.Zoom < jumpPx {
			cam.Zoom = components.ClampZoom(jumpPx / n.R)
		}
		manual(e)
		if len(s.Matches) > 1 {
			Toast(e, fmt.Sprintf("%q: match %d of %d · n: next", s.Term, s.Pos+1, len(s.Matches)))
		}
		return true
	}
	Toast(e, fmt.Sprintf("the matches of %q have left the view", s.Term))
	return false
}
