package systems

import (
	"strings"
	"testing"

	"github.com/yohamta/donburi"

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
	if KindsOf(w) != DefaultKinds() {
		t.Fatal("a world without a table does not use the default one")
	}
	entry := w.Entry(w.Create(components.DddElement))
	SetKinds(entry, table)
	if KindsOf(w) != table {
		t.Fatal("SetKinds did not make the table the world's")
	}
	SetKinds(entry, DefaultKinds())
	if KindsOf(w) != DefaultKinds() {
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
