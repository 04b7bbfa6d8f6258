package systems

import (
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// MatchFilter reports whether f shows the node d.
func MatchFilter(f components.FilterData, d *components.DddElementData) bool {
	if f.Aggregate != "" && (d.Kind == components.ElementObject || d.AggregateID != f.Aggregate) {
		return false
	}
	if f.Kind != 0 {
		if d.Kind != f.Kind {
			return false
		}
		if d.Kind != components.ElementRejected {
			return d.Type == f.Type
		}
	}
	return true
}

// SetFilter replaces the filter (the zero value shows everything).
func SetFilter(e *ecs.ECS, f components.FilterData) { *GetOrCreateFilter(e) = f }

// filterSelected shows only the selected node's aggregate (the a key) or, byAggregate
// false, only its kind and type (the t key).
func filterSelected(e *ecs.ECS, byAggregate bool) {
	info := GetOrCreateSelection(e).Info
	if info == nil {
		Toast(e, "select a node first")
		return
	}
	if byAggregate {
		if info.Aggregate == "" {
			Toast(e, "this node has no aggregate")
			return
		}
		SetFilter(e, components.FilterData{Aggregate: info.Aggregate})
		Toast(e, "showing aggregate "+info.Aggregate)
		return
	}
	SetFilter(e, components.FilterData{Kind: info.Kind, Type: info.Type})
	if info.Kind == components.ElementRejected {
		Toast(e, "showing rejected messages")
	} else {
		Toast(e, "showing "+KindsOf(e.World).Row(info.Kind).Name+" type "+info.Type)
	}
}
