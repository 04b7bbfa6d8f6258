package systems

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jetdag/jetdag/components/worldtest"

	"github.com/ipfs/go-cid"
	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/components/archetypes"
	"github.com/jetdag/jetdag/store/block"
)

func TestFormatPayload(t *testing.T) {
	cbor, err := block.Encode(map[string]any{"sku": "A-1", "qty": int64(2), "link": worldtest.CID(1)})
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, maxHexBytes+100)
	tests := []struct {
		name       string
		in         []byte
		format     string
		contains   []string
		notContain string
	}{
		{"empty", nil, PayloadEmpty, nil, ""},
		{"JSON object re-indented", []byte(`{"a":1,"b":[true,null]}`), PayloadJSON, []string{"{\n  \"a\": 1,\n  \"b\": [\n    true,"}, ""},
		{"JSON scalar", []byte(`"hello"`), PayloadJSON, []string{`"hello"`}, ""},
		{"DAG-CBOR as DAG-JSON with links", cbor, PayloadDAGJSON, []string{`"qty": 2`, `"sku": "A-1"`, `"/": "` + worldtest.CID(1).String() + `"`}, ""},
		{"text that is not JSON: hex", []byte("hello, world"), PayloadHex, []string{"68 65 6c 6c 6f", "|hello, world|"}, ""},
		{"non-canonical CBOR (a map with unsorted keys): hex", []byte{0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02}, PayloadHex, []string{"a2 61 62 01"}, ""},
		{"large: first 2 KiB and a count", big, PayloadHex, []string{"… 100 more bytes"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			format, text := FormatPayload(tc.in)
			if format != tc.format {
				t.Fatalf("format %q, want %q (text %q)", format, tc.format, text)
			}
			for _, want := range tc.contains {
				if !strings.Contains(text, want) {
					t.Errorf("text lacks %q:\n%s", want, text)
				}
			}
		})
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  []string
	}{
		{"short", 10, []string{"short"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"the quick brown fox", 10, []string{"the quick", "brown fox"}},
		{"tab\there", 0, []string{"tab  here"}},
		{"ééééé", 2, []string{"éé", "éé", "é"}},
	}
	for _, tc := range tests {
		if got := wrap(tc.in, tc.width); !slices.Equal(got, tc.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

// inspectWorld: e0 ← e1 (previous) ← e2 (previous), e3 has e1 as parent, an object and a
// rejected message.
func inspectWorld() (donburi.World, []donburi.Entity) {
	w := donburi.NewWorld()
	es := []donburi.Entity{
		worldtest.Node(w, 0, worldtest.Event(0, 0, "order-1", "OrderPlaced")),
		worldtest.Node(w, 1, worldtest.Event(10, 0, "order-1", "OrderPaid")),
		worldtest.Node(w, 2, worldtest.Event(20, 0, "order-1", "OrderShipped")),
		worldtest.Node(w, 3, worldtest.Event(10, 10, "invoice-7", "InvoiceIssued")),
		worldtest.Node(w, 4, worldtest.Spec{Kind: components.ElementObject, Shape: components.ShapeCircle, X: 0, Y: 20, Agg: "", Type: "value"}),
		worldtest.Node(w, 5, worldtest.Spec{Kind: components.ElementRejected, Shape: components.ShapeWarning, X: 30, Y: 0, Agg: "order-1", Type: ""}),
		worldtest.Node(w, 6, worldtest.Event(40, 40, "other", "Unrelated")),
	}
	worldtest.Edge(w, es[1], es[0], components.EdgePrevious)
	worldtest.Edge(w, es[2], es[1], components.EdgePrevious)
	worldtest.Edge(w, es[3], es[1], components.EdgeParent)
	return w, es
}

func TestInspectAndLines(t *testing.T) {
	w, es := inspectWorld()
	var m Marks
	s := gathered(w, &m)
	tests := []struct {
		name    string
		e       donburi.Entity
		mutate  func(*components.InspectorInfo)
		want    []string // label=value rows that must appear
		wantNot []string
	}{
		{
			name: "event with a previous, a parent child and a chain child",
			e:    es[1],
			want: []string{"cid=" + worldtest.CID(1).String(), "aggregate=order-1", "type=OrderPaid", "sequence=2",
				"previous=" + worldtest.CID(0).String(), "parents=0", "children=2",
				"=" + worldtest.CID(2).String() + " (previous)", "=" + worldtest.CID(3).String() + " (parent)",
				"time=" + time.Unix(2, 0).UTC().Format(time.RFC3339Nano)},
		},
		{
			name: "first event of its aggregate",
			e:    es[0],
			want: []string{"previous=none (first)", "children=1"},
		},
		{
			name:   "payload arrived",
			e:      es[3],
			mutate: func(in *components.InspectorInfo) { in.PayloadFormat, in.Payload = FormatPayload([]byte(`{"n":1}`)) },
			want:   []string{"parents=1", "=" + worldtest.CID(1).String(), "=payload (json)", "=  \"n\": 1"},
		},
		{
			name:   "payload failed",
			e:      es[3],
			mutate: func(in *components.InspectorInfo) { in.PayloadErr = errors.New("timeout") },
			want:   []string{"payload=error: timeout"},
		},
		{
			name:    "object",
			e:       es[4],
			want:    []string{"kind=value", "status=verified: sha2-256 of the block is its CID"},
			wantNot: []string{"parents="},
		},
		{
			name:    "rejected message shows its reason",
			e:       es[5],
			want:    []string{"status=REJECTED: forged CID", "aggregate=order-1", "sequence=6"},
			wantNot: []string{"children=", "previous="},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, ok := Inspect(w, s, tc.e)
			if !ok {
				t.Fatal("Inspect found nothing")
			}
			if tc.mutate != nil {
				tc.mutate(&info)
			}
			var rows []string
			for _, l := range InspectorLines(&info, 200) {
				rows = append(rows, l.Label+"="+l.Value)
			}
			all := strings.Join(rows, "\n")
			for _, want := range tc.want {
				if !slices.Contains(rows, want) {
					t.Errorf("no row %q in:\n%s", want, all)
				}
			}
			for _, bad := range tc.wantNot {
				if strings.Contains(all, bad) {
					t.Errorf("row %q should not be there:\n%s", bad, all)
				}
			}
		})
	}
	if _, ok := Inspect(w, s, donburi.Null); ok {
		t.Error("Inspect(Null) found a node")
	}
}

func TestConeWalker(t *testing.T) {
	w, es := inspectWorld()
	var m Marks
	s := gathered(w, &m)
	var c ConeWalker
	tests := []struct {
		name string
		sel  int
		want []int
	}{
		// e1's ancestors: e0; descendants: e2 (previous) and e3 (parent).
		{"middle of the chain", 1, []int{0, 1, 2, 3}},
		// e3's ancestors: e1, e0 (through e1's previous); no descendants. e2 is not in its cone.
		{"a parent's child", 3, []int{0, 1, 3}},
		{"a lone node", 6, []int{6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Walk(s, s.Index(es[tc.sel]))
			var want []donburi.Entity
			for _, i := range tc.want {
				want = append(want, es[i])
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("cone %v, want %v", got, want)
			}
		})
	}
	if got := c.Walk(s, -1); len(got) != 0 {
		t.Errorf("cone of nothing: %v", got)
	}
}

func TestTooltipAndLabel(t *testing.T) {
	w := donburi.NewWorld()
	d := archetypes.Event.Spawn(w)
	components.DddElement.SetValue(d, components.DddElementData{Kind: components.ElementEvent, CID: worldtest.CID(4), Type: "OrderPaid", AggregateID: "order-1", Seq: 9})
	if got, want := Tooltip(d), "event OrderPaid · order-1 · seq 9\n"+worldtest.CID(4).String(); got != want {
		t.Errorf("Tooltip = %q, want %q", got, want)
	}
	s := worldtest.CID(4).String()
	if got, want := Label(d), "OrderPaid …"+s[len(s)-6:]; got != want {
		t.Errorf("Label = %q, want %q", got, want)
	}
	r := archetypes.Rejected.Spawn(w)
	components.DddElement.SetValue(r, components.DddElementData{Kind: components.ElementRejected, Seq: 3})
	components.Rejected.SetValue(r, components.RejectedData{Reason: "fork"})
	if got := Tooltip(r); got != "rejected seq 3\nfork" {
		t.Errorf("rejected tooltip = %q", got)
	}
	f := archetypes.Object.Spawn(w)
	components.DddElement.SetValue(f, components.DddElementData{Kind: components.ElementObject, CID: worldtest.CID(5), Type: components.ObjectFile})
	components.Object.SetValue(f, components.ObjectData{Size: 4096})
	if got, want := Tooltip(f), "object (file) · 4096 bytes\n"+worldtest.CID(5).String(); got != want {
		t.Errorf("file tooltip = %q, want %q", got, want)
	}
}

func TestPayloadFetchKeepsOnlyTheLatestSelection(t *testing.T) {
	w, es := inspectWorld()
	release := make(chan struct{})
	fetch := func(ctx context.Context, c cid.Cid) ([]byte, error) {
		if c == worldtest.CID(0) {
			<-release // the first selection's fetch is slow and returns after the second's
		}
		return []byte(`{"cid":"` + c.String() + `"}`), nil
	}
	e := newECS(w)
	Setup(e, Options{Width: 800, Height: 600, Fetch: fetch})
	UpdateScene(e)
	Select(e, es[0])
	Select(e, es[1])
	deadline := time.Now().Add(5 * time.Second)
	for Info(e).PayloadPending && time.Now().Before(deadline) {
		UpdateInspector(e)
		time.Sleep(time.Millisecond)
	}
	close(release)
	time.Sleep(20 * time.Millisecond)
	UpdateInspector(e) // the stale result arrives now and must be ignored
	info := Info(e)
	if info.PayloadPending || info.PayloadFormat != PayloadJSON || !strings.Contains(info.Payload, worldtest.CID(1).String()) {
		t.Errorf("payload %q (%s, pending %v), want e1's", info.Payload, info.PayloadFormat, info.PayloadPending)
	}
}
