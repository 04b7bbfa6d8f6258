package systems

import (
	"fmt"
	"strings"

	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// OpenSearch opens an empty search prompt (the / key).
func OpenSearch(e *ecs.ECS) {
	s := GetOrCreateSearch(e)
	s.Open, s.Query = true, s.Query[:0]
}

// searchKeys is the keyboard while the prompt is open: text goes into the query, Enter
// jumps, Esc cancels, Backspace deletes.
func searchKeys(e *ecs.ECS, f *components.InputData) {
	s := GetOrCreateSearch(e)
	for _, k := range f.Pressed {
		switch k {
		case components.KeyEscape:
			s.Open, s.Query = false, s.Query[:0]
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
			}
		}
	}
	for _, r := range f.Chars {
		if r >= ' ' && r != 0x7f && len(s.Query) < 256 {
			s.Query = append(s.Query, r)
		}
	}
}

// Jump selects the node q names and brings it into view: the node whose CID starts with q,
// or else the newest event of the aggregate q (exactly, then by prefix). It reports whether
// anything matched; if nothing did it says so in a toast.
func Jump(e *ecs.ECS, q string) bool {
	scene := SceneOf(e)
	lower := strings.ToLower(q)
	best, bestRank := -1, 0
	for i := range scene.Nodes {
		n := &scene.Nodes[i]
		d := components.DddElement.Get(e.World.Entry(n.Entity))
		rank := 0
		switch {
		case d.CID.Defined() && strings.HasPrefix(d.CID.String(), lower):
			rank = 3
		case d.Kind != components.ElementEvent:
		case d.AggregateID == q:
			rank = 2
		case strings.HasPrefix(d.AggregateID, q):
			rank = 1
		}
		if rank == 0 {
			continue
		}
		if best < 0 || rank > bestRank || (rank == bestRank && newer(n, &scene.Nodes[best])) {
			best, bestRank = i, rank
		}
	}
	if best < 0 {
		Toast(e, fmt.Sprintf("nothing matches %q", q))
		return false
	}
	n := &scene.Nodes[best]
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
	return true
}

func newer(a, b *SceneNode) bool {
	return a.Time > b.Time || (a.Time == b.Time && a.Seq > b.Seq)
}
