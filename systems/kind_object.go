package systems

import (
	"fmt"
	"strings"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/archetypes"
	"github.com/jetdag/jetdag/layout"
)

// objectKind returns the kind table's row of objects: green circles for structured values,
// orange squares for files, their previous version and a file's UnixFS content in the
// inspector.
func objectKind() *KindInfo {
	return &KindInfo{
		Kind:      components.ElementObject,
		Name:      "object",
		Archetype: archetypes.Object,
		Lane:      layout.LaneObject,
		Look: func(d *components.DddElementData) components.GraphNodeVisualData {
			if d.Type == components.ObjectFile {
				return components.GraphNodeVisualData{BaseColor: components.FileOrange(), HighlightColor: components.ObjectYellow(), Size: 0.5, Shape: components.ShapeSquare}
			}
			return components.GraphNodeVisualData{BaseColor: components.ObjectGreen(), HighlightColor: components.ObjectYellow(), Size: 0.5, Shape: components.ShapeCircle}
		},
		Legend: []LegendNode{
			{"object (value)", components.ShapeCircle, components.ObjectGreen()},
			{"object (file)", components.ShapeSquare, components.FileOrange()},
		},
		Label: func(_ *donburi.Entry, d *components.DddElementData) string { return d.Type },
		Tooltip: func(b *strings.Builder, entry *donburi.Entry, d *components.DddElementData) {
			fmt.Fprintf(b, " (%s)", d.Type)
			if d.Type == components.ObjectFile && entry.HasComponent(components.Object) {
				fmt.Fprintf(b, " · %d bytes", components.Object.Get(entry).Size)
			}
		},
		Inspect: func(info *components.InspectorInfo, entry *donburi.Entry) {
			if !entry.HasComponent(components.Object) {
				return
			}
			o := components.Object.Get(entry)
			if o.PreviousCID.Defined() {
				info.Previous = o.PreviousCID.String()
			}
			if o.ContentCID.Defined() {
				info.ContentCID = o.ContentCID.String()
			}
			info.Size = o.Size
		},
		Lines: func(info *components.InspectorInfo, add func(label, value string)) {
			addPrevious(info, add)
			if info.ContentCID != "" {
				add("content", info.ContentCID)
				add("size", fmt.Sprintf("%d bytes", info.Size))
			}
		},
		Status:    func(*components.InspectorInfo) string { return "verified: sha2-256 of the block is its CID" },
		TypeLabel: "kind",
		Children:  true,
		Payload:   true,
	}
}
