package systems

import (
	"fmt"
	"strings"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/archetypes"
	"github.com/jetdag/jetdag/layout"
)

// eventKind returns the kind table's row of events: blue diamonds with a cyan highlight (the
// seed's look), their previous event and causal parents in the inspector.
func eventKind() *KindInfo {
	return &KindInfo{
		Kind:      components.ElementEvent,
		Name:      "event",
		Archetype: archetypes.Event,
		Lane:      layout.LaneEvent,
		Look: func(*components.DddElementData) components.GraphNodeVisualData {
			return components.GraphNodeVisualData{BaseColor: components.EventBlue(), HighlightColor: components.EventCyan(), Size: 0.5, Shape: components.ShapeDiamond}
		},
		Legend: []LegendNode{
			{"event", components.ShapeDiamond, components.EventBlue()},
			{"selected chain / cone", components.ShapeDiamond, components.EventCyan()},
		},
		Label: func(_ *donburi.Entry, d *components.DddElementData) string { return d.Type },
		Tooltip: func(b *strings.Builder, _ *donburi.Entry, d *components.DddElementData) {
			fmt.Fprintf(b, " %s · %s · seq %d", d.Type, d.AggregateID, d.Seq)
		},
		Inspect: func(info *components.InspectorInfo, entry *donburi.Entry) {
			if !entry.HasComponent(components.Event) {
				return
			}
			ev := components.Event.Get(entry)
			if ev.PreviousCID.Defined() {
				info.Previous = ev.PreviousCID.String()
			}
			for _, p := range ev.ParentCIDs {
				info.Parents = append(info.Parents, p.String())
			}
			info.PayloadSize = ev.PayloadSize
		},
		Lines: func(info *components.InspectorInfo, add func(label, value string)) {
			addPrevious(info, add)
			add("parents", fmt.Sprint(len(info.Parents)))
			for _, p := range info.Parents {
				add("", p)
			}
		},
		Status: func(*components.InspectorInfo) string {
			return "verified: sha2-256 of the block is its CID; previous and parents checked in stream order"
		},
		TypeLabel: "type",
		Children:  true,
		Payload:   true,
	}
}

// addPrevious adds the previous-block row of events and objects.
func addPrevious(info *components.InspectorInfo, add func(label, value string)) {
	prev := info.Previous
	if prev == "" {
		prev = "none (first)"
	}
	add("previous", prev)
}
