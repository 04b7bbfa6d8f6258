package systems

import (
	"errors"
	"fmt"
	"image/color"
	"slices"
	"strings"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/archetypes"
	"github.com/jetdag/jetdag/layout"
)

// ErrKind is returned by KindTable.With for a row it cannot take: kind 0, a kind already in
// the table, or a row without a name, archetype or look.
var ErrKind = errors.New("systems: bad kind table row")

// KindInfo is one node kind's row of the kind table: what the kind is called, the archetype
// its nodes spawn with, how they look and what their label, tooltip and inspector rows say.
// Adding a kind is one file holding its component and a function returning its row, and
// that function in builtinRows (or, for a kind a program or test brings, KindTable.With). Nil
// hooks take defaults.
type KindInfo struct {
	// Kind is the kind's value in DddElementData.Kind; Name names it (tooltip, inspector
	// heading, filter).
	Kind components.ElementKind
	Name string
	// Archetype is the component list its nodes spawn with (archetypes.New of the kind's own
	// component).
	Archetype *archetypes.Archetype
	// Lane is where the lanes layout puts its nodes (default LaneEvent: its aggregate's lane,
	// at its stream position).
	Lane layout.LaneKind
	// Look is the look a node of this kind spawns with.
	Look func(d *components.DddElementData) components.GraphNodeVisualData
	// Legend lists the legend's rows for this kind's nodes.
	Legend []LegendNode
	// Label is the text under a node when zoomed in, before the short CID (default: the
	// node's Type).
	Label func(entry *donburi.Entry, d *components.DddElementData) string
	// Tooltip writes the hover text's first line after the kind's name (default: nothing).
	Tooltip func(b *strings.Builder, entry *donburi.Entry, d *components.DddElementData)
	// Inspect fills the inspector's kind-specific fields from the node (default: nothing);
	// a kind whose fields InspectorInfo lacks appends them to info.Fields.
	Inspect func(info *components.InspectorInfo, entry *donburi.Entry)
	// Lines adds the kind's inspector rows (after the sequence, before links and children;
	// default: info.Fields).
	Lines func(info *components.InspectorInfo, add func(label, value string))
	// Status is the inspector's verification line; Warn draws it in the warning colour
	// (default: "verified: sha2-256 of the block is its CID").
	Status func(info *components.InspectorInfo) string
	Warn   bool
	// TypeLabel names the Type row (default "type").
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

// builtinRows returns the rows of jetdag's own kinds, in legend order: new values on every
// call, so that no table shares a row with another.
func builtinRows() []*KindInfo {
	return []*KindInfo{
		eventKind(),
		objectKind(),
		rejectedKind(),
	}
}

// KindTable is the kind table: the rows of the kinds a world holds, indexed by kind. With
// returns a new table and leaves its receiver as it was; a world holds its own (Setup makes
// it, or ecs.NewGraph from its Config), so that nothing one world does to its rows reaches
// another.
type KindTable struct {
	rows    []*KindInfo // indexed by components.ElementKind; nil: no such kind
	unknown *KindInfo   // the row of a kind the table lacks
}

func mustKinds(rows ...*KindInfo) *KindTable {
	t, err := (&KindTable{}).With(rows...)
	if err != nil {
		panic(err)
	}
	return t
}

// DefaultKinds returns a new kind table of jetdag's stores: events, objects and rejected
// messages.
func DefaultKinds() *KindTable { return mustKinds(builtinRows()...) }

// With returns a table with t's rows and then rows (copied, their nil hooks filled in), or
// an error wrapping ErrKind naming the first row it cannot take.
func (t *KindTable) With(rows ...*KindInfo) (*KindTable, error) {
	u := unknownKind()
	out := &KindTable{unknown: &u}
	for _, r := range t.rows {
		if r != nil {
			c := *r // a copy: the new table shares no row with t
			c.Legend = slices.Clone(r.Legend)
			r = &c
		}
		out.rows = append(out.rows, r)
	}
	for _, r := range rows {
		switch {
		case r == nil:
			return nil, fmt.Errorf("%w: nil row", ErrKind)
		case r.Kind == 0:
			return nil, fmt.Errorf("%w: %q has kind 0", ErrKind, r.Name)
		case r.Name == "":
			return nil, fmt.Errorf("%w: kind %d has no name", ErrKind, r.Kind)
		case r.Archetype == nil || r.Look == nil:
			return nil, fmt.Errorf("%w: %q has no archetype or look", ErrKind, r.Name)
		case int(r.Kind) < len(out.rows) && out.rows[r.Kind] != nil:
			return nil, fmt.Errorf("%w: %q has kind %d, already %q's", ErrKind, r.Name, r.Kind, out.rows[r.Kind].Name)
		}
		row := withDefaults(*r)
		for int(r.Kind) >= len(out.rows) {
			out.rows = append(out.rows, nil)
		}
		out.rows[r.Kind] = &row
	}
	return out, nil
}

// withDefaults fills r's nil hooks.
func withDefaults(r KindInfo) KindInfo {
	r.Legend = slices.Clone(r.Legend) // the caller's slice stays the caller's
	u := unknownKind()
	if r.Label == nil {
		r.Label = u.Label
	}
	if r.Tooltip == nil {
		r.Tooltip = u.Tooltip
	}
	if r.Inspect == nil {
		r.Inspect = u.Inspect
	}
	if r.Lines == nil {
		r.Lines = u.Lines
	}
	if r.Status == nil {
		r.Status = func(*components.InspectorInfo) string { return "verified: sha2-256 of the block is its CID" }
	}
	if r.TypeLabel == "" {
		r.TypeLabel = "type"
	}
	return r
}

// unknownKind describes a node whose kind is not in the table.
func unknownKind() KindInfo {
	return KindInfo{
		Name: "unknown",
		Look: func(*components.DddElementData) components.GraphNodeVisualData {
			return components.GraphNodeVisualData{}
		},
		Label:   func(_ *donburi.Entry, d *components.DddElementData) string { return d.Type },
		Tooltip: func(*strings.Builder, *donburi.Entry, *components.DddElementData) {},
		Inspect: func(*components.InspectorInfo, *donburi.Entry) {},
		Lines: func(info *components.InspectorInfo, add func(string, string)) {
			for _, f := range info.Fields {
				add(f.Label, f.Value)
			}
		},
		Status:    func(*components.InspectorInfo) string { return "unknown" },
		TypeLabel: "type",
	}
}

// Row returns the table's row for k (a row saying "unknown" when k is not in the table).
func (t *KindTable) Row(k components.ElementKind) *KindInfo {
	if int(k) < len(t.rows) && t.rows[k] != nil {
		return t.rows[k]
	}
	if t.unknown == nil { // a zero KindTable
		u := unknownKind()
		return &u
	}
	return t.unknown
}

// Has reports whether k is in the table.
func (t *KindTable) Has(k components.ElementKind) bool {
	return int(k) < len(t.rows) && t.rows[k] != nil
}

// Kinds lists the table's kinds in table order.
func (t *KindTable) Kinds() []components.ElementKind {
	var out []components.ElementKind
	for k, row := range t.rows {
		if row != nil {
			out = append(out, components.ElementKind(k))
		}
	}
	return out
}

// kindTableData is the singleton holding a world's kind table.
type kindTableData struct{ table *KindTable }

var kindTableComponent = donburi.NewComponentType[kindTableData]()

// SetKinds makes t the kind table of entry's world, holding it on entry (package ecs puts
// it on its stats singleton, from its Config, before the first node spawns). A world holds
// one table: SetKinds replaces the one it has.
func SetKinds(entry *donburi.Entry, t *KindTable) {
	if old, ok := kindTableComponent.First(entry.World); ok {
		kindTableComponent.Get(old).table = t
		return
	}
	entry.AddComponent(kindTableComponent)
	kindTableComponent.Get(entry).table = t
}

// KindsOf returns w's kind table: the one SetKinds stored, else (and then stored for the
// next call) a new DefaultKinds. Setup makes it, so that a window's stages find it there.
func KindsOf(w donburi.World) *KindTable {
	d := getOrCreate(w, kindTableComponent, func(donburi.World) kindTableData { return kindTableData{DefaultKinds()} })
	if d.table == nil {
		d.table = DefaultKinds()
	}
	return d.table
}

// Kind returns the row for k of a new default kind table.
func Kind(k components.ElementKind) *KindInfo { return DefaultKinds().Row(k) }

// Kinds lists the default kind table's kinds in table order.
func Kinds() []components.ElementKind { return DefaultKinds().Kinds() }

// Label is the text under a node when zoomed in: its kind's label (the event type, object
// kind, or "rejected") and the last six characters of the CID.
func Label(entry *donburi.Entry) string {
	d := components.DddElement.Get(entry)
	name := KindsOf(entry.World).Row(d.Kind).Label(entry, d)
	if !d.CID.Defined() {
		return name
	}
	s := d.CID.String()
	return name + " …" + s[max(len(s)-6, 0):]
}

// Tooltip is the hover text for a node: kind, type, aggregate, sequence and CID.
func Tooltip(entry *donburi.Entry) string {
	d := components.DddElement.Get(entry)
	row := KindsOf(entry.World).Row(d.Kind)
	var b strings.Builder
	b.WriteString(row.Name)
	row.Tooltip(&b, entry, d)
	if d.CID.Defined() {
		b.WriteString("\n" + d.CID.String())
	}
	return b.String()
}
