package systems

import (
	"fmt"
	"strings"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/archetypes"
	"github.com/jetdag/jetdag/layout"
)

// rejectedKind returns the kind table's row of rejected stream messages: red warning triangles
// that say why verification failed.
func rejectedKind() *KindInfo {
	return &KindInfo{
		Kind:      components.ElementRejected,
		Name:      "rejected",
		Archetype: archetypes.Rejected,
		Lane:      layout.LaneRejected,
		Look: func(*components.DddElementData) components.GraphNodeVisualData {
			return components.GraphNodeVisualData{BaseColor: components.RejectedRed(), HighlightColor: components.RejectedWhite(), Size: 0.5, Shape: components.ShapeWarning}
		},
		Legend: []LegendNode{{"rejected message", components.ShapeWarning, components.RejectedRed()}},
		Label:  func(*donburi.Entry, *components.DddElementData) string { return "rejected" },
		Tooltip: func(b *strings.Builder, entry *donburi.Entry, d *components.DddElementData) {
			fmt.Fprintf(b, " seq %d", d.Seq)
			if d.AggregateID != "" {
				fmt.Fprintf(b, " · %s", d.AggregateID)
			}
			if entry.HasComponent(components.Rejected) {
				b.WriteString("\n" + components.Rejected.Get(entry).Reason)
			}
		},
		Inspect: func(info *components.InspectorInfo, entry *donburi.Entry) {
			if entry.HasComponent(components.Rejected) {
				r := components.Rejected.Get(entry)
				info.Reason, info.Subject = r.Reason, r.Subject
			}
		},
		Lines: func(info *components.InspectorInfo, add func(label, value string)) {
			if info.Subject != "" {
				add("subject", info.Subject)
			}
		},
		Status:    func(info *components.InspectorInfo) string { return "REJECTED: " + info.Reason },
		Warn:      true,
		TypeLabel: "type",
	}
}
