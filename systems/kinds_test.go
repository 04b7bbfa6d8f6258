package systems

import (
	"slices"
	"strings"
	"testing"

	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/archetypes"
	"github.com/jetdag/jetdag/layout"
)

// The built-in rows say what the code said before the kind table held names, archetypes and
// lanes: the kind's String, its archetype in package archetypes, and its place in the lanes.
func TestBuiltinKindRows(t *testing.T) {
	lane := map[components.ElementKind]layout.LaneKind{
		components.ElementEvent: layout.LaneEvent, components.ElementObject: layout.LaneObject, components.ElementRejected: layout.LaneRejected,
	}
	for _, k := range Kinds() {
		row := Kind(k)
		if row.Kind != k || row.Name != k.String() || row.Archetype != archetypes.For(k) || row.Lane != lane[k] {
			t.Errorf("%v: row kind %v name %q lane %v, archetype is For's: %v", k, row.Kind, row.Name, row.Lane, row.Archetype == archetypes.For(k))
		}
	}
	if Kind(0).Name != "unknown" || DefaultKinds().Has(0) || !DefaultKinds().Has(components.ElementRejected) {
		t.Error("the default table's membership is wrong")
	}
}

// A row With fills in takes the defaults: its Type as label, its Fields as rows, the
// verified status and the "type" label; and a world without a table of its own uses the
// default one.
func TestKindRowDefaults(t *testing.T) {
	const k components.ElementKind = 9
	bare := &KindInfo{Kind: k, Name: "bare", Archetype: archetypes.Object, Look: Kind(components.ElementObject).Look}
	table, err := DefaultKinds().With(bare)
	if err != nil {
		t.Fatal(err)
	}
	row := table.Row(k)
	if row == bare {
		t.Fatal("With kept the caller's row instead of a copy")
	}
	if bare.Label != nil {
		t.Fatal("With filled in the caller's row")
	}
	w := donburi.NewWorld()
	if got := KindsOf(w); !slices.Equal(got.Kinds(), DefaultKinds().Kinds()) || KindsOf(w) != got {
		t.Fatal("a world without a table does not get a default one of its own")
	}
	entry := w.Entry(w.Create(components.DddElement))
	SetKinds(entry, table)
	if KindsOf(w) != table {
		t.Fatal("SetKinds did not make the table the world's")
	}
	other := DefaultKinds()
	SetKinds(entry, other)
	if KindsOf(w) != other {
		t.Fatal("a second SetKinds did not replace the table")
	}
	info := &components.InspectorInfo{Kind: k, Type: "gauge", Fields: []components.Field{{Label: "reading", Value: "42"}}}
	var text []string
	for _, l := range table.InspectorLines(info, 80) {
		text = append(text, l.Label+"="+l.Value)
	}
	got := strings.Join(text, "|")
	for _, want := range []string{"=BARE", "type=gauge", "reading=42", "status=verified: sha2-256 of the block is its CID"} {
		if !strings.Contains(got, want) {
			t.Errorf("lines %q lack %q", got, want)
		}
	}
	d := &components.DddElementData{Kind: k, Type: "gauge"}
	if got := row.Label(nil, d); got != "gauge" {
		t.Errorf("default label %q", got)
	}
}

// No table shares rows with another or with the package: what one world does to its rows
// (or to its key table) is not seen by another world, a new default table or a table made
// With from it.
func TestTablesArePerWorld(t *testing.T) {
	w1, w2 := donburi.NewWorld(), donburi.NewWorld()
	k1, k2 := KindsOf(w1), KindsOf(w2)
	if k1 == k2 {
		t.Fatal("two worlds share one kind table")
	}
	derived, err := k1.With()
	if err != nil {
		t.Fatal(err)
	}
	ev := k1.Row(components.ElementEvent)
	ev.Name, ev.Legend[0].Label = "changed", "changed"
	k1.Row(0).Name = "changed too" // the unknown row
	for name, tb := range map[string]*KindTable{"the other world's": k2, "a new default": DefaultKinds(), "one made before With": derived} {
		if r := tb.Row(components.ElementEvent); r.Name != "event" || r.Legend[0].Label != "event" {
			t.Errorf("%s table's event row is %q / %q after another's was changed", name, r.Name, r.Legend[0].Label)
		}
		if tb.Row(0).Name != "unknown" {
			t.Errorf("%s table's unknown row is %q", name, tb.Row(0).Name)
		}
	}
	if Kind(components.ElementEvent).Name != "event" || LegendNodes(components.ColorByKind)[0].Label != "event" {
		t.Error("the package's default rows changed with a world's")
	}

	e1, e2 := ecs.NewECS(w1), ecs.NewECS(w2)
	Setup(e1, Options{Width: 800, Height: 600})
	Setup(e2, Options{Width: 800, Height: 600})
	if KindsOf(w1) != k1 {
		t.Error("Setup replaced the world's kind table")
	}
	keys1 := KeysOf(e1)
	pressed := 0
	for i := range keys1 {
		if keys1[i].Name == "f" {
			keys1[i].Help = "changed"
			keys1[i].Press = func(*ecs.ECS, components.Key) { pressed++ }
		}
	}
	GetOrCreateCamera(e1).AutoFit, GetOrCreateCamera(e2).AutoFit = false, false
	for _, e := range []*ecs.ECS{e1, e2} {
		pressKeys(e, &components.InputData{Pressed: []components.Key{components.KeyF}})
	}
	if pressed != 1 || GetOrCreateCamera(e1).AutoFit {
		t.Errorf("world 1's own f binding ran %d times (camera fitting: %v), want once", pressed, GetOrCreateCamera(e1).AutoFit)
	}
	if !GetOrCreateCamera(e2).AutoFit {
		t.Error("world 2's f did not fit: it ran world 1's binding")
	}
	for name, keys := range map[string][]Binding{"world 2's": KeysOf(e2), "a new": KeyTable()} {
		for _, b := range keys {
			if b.Name == "f" && b.Help != "fit everything in view" {
				t.Errorf("%s key table's f says %q", name, b.Help)
			}
		}
	}
}
