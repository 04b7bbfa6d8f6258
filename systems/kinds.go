package systems

import (
	"image/color"
	"strings"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
)

// KindInfo is one node kind's row of the kind table: how its nodes look, what their label,
// tooltip and inspector rows say. Adding a kind is a component in package components, an
// archetype in package archetypes, a file here with its row, and the row in kinds.
type KindInfo struct {
	// Look is the look a node of this kind spawns with.
	Look func(d *components.DddElementData) components.GraphNodeVisualData
	// Legend lists the legend's rows for this kind's nodes.
	Legend []LegendNode
	// Label is the text under a node when zoomed in, before the short CID.
	Label func(entry *donburi.Entry, d *components.DddElementData) string
	// Tooltip writes the hover text's first line after the kind's name.
	Tooltip func(b *strings.Builder, entry *donburi.Entry, d *components.DddElementData)
	// Inspect fills the inspector's kind-specific fields from the node.
	Inspect func(info *components.InspectorInfo, entry *donburi.Entry)
	// Lines adds the kind's inspector rows (after the sequence, before links and children).
	Lines func(info *components.InspectorInfo, add func(label, value string))
	// Status is the inspector's verification line; Warn draws it in the warning colour.
	Status func(info *components.InspectorInfo) string
	Warn   bool
	// TypeLabel names the Type row ("type", "kind").
	TypeLabel string
	// Children and Payload say whether the inspector lists the nodes pointing at this one
	// and fetches a payload for it.
	Children, Payload bool
}

// LegendNode is one node row of the legend.
type LegendNode struct {
	Label string
	Shape components.Shape
	Color color.RGBA
}

// kinds is the kind table, indexed by components.ElementKind.
var kinds = [...]*KindInfo{
	components.ElementEvent:    &eventKind,
	components.ElementObject:   &objectKind,
	components.ElementRejected: &rejectedKind,
}

// unknownKind describes a node whose kind is not in the table.
var unknownKind = KindInfo{
	Look: func(*components.DddElementData) components.GraphNodeVisualData {
		return components.GraphNodeVisualData{}
	},
	Label:     func(_ *donburi.Entry, d *components.DddElementData) string { return d.Type },
	Tooltip:   func(*strings.Builder, *donburi.Entry, *components.DddElementData) {},
	Inspect:   func(*components.InspectorInfo, *donburi.Entry) {},
	Lines:     func(*components.InspectorInfo, func(string, string)) {},
	Status:    func(*components.InspectorInfo) string { return "unknown" },
	TypeLabel: "type",
}

// Kind returns the kind table's row for k.
func Kind(k components.ElementKind) *KindInfo {
	if int(k) < len(kinds) && kinds[k] != nil {
		return kinds[k]
	}
	return &unknownKind
}

// Kinds lists the known kinds in table order.
func Kinds() []components.ElementKind {
	var out []components.ElementKind
	for k, row := range kinds {
		if row != nil {
			out = append(out, components.ElementKind(k))
		}
	}
	return out
}

// Label is the text under a node when zoomed in: its kind's label (the event type, object
// kind, or "rejected") and the last six characters of the CID.
func Label(entry *donburi.Entry) string {
	d := components.DddElement.Get(entry)
	name := Kind(d.Kind).Label(entry, d)
	if !d.CID.Defined() {
		return name
	}
	s := d.CID.String()
	return name + " …" + s[max(len(s)-6, 0):]
}

// Tooltip is the hover text for a node: kind, type, aggregate, sequence and CID.
func Tooltip(entry *donburi.Entry) string {
	d := components.DddElement.Get(entry)
	var b strings.Builder
	b.WriteString(d.Kind.String())
	Kind(d.Kind).Tooltip(&b, entry, d)
	if d.CID.Defined() {
		b.WriteString("\n" + d.CID.String())
	}
	return b.String()
}
