package systems

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ipfs/go-cid"
	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/store/block"
)

// PayloadFetcher returns the bytes the inspector shows under "payload" for the block c: an
// event's payload, an object's data. The window calls it off the game goroutine, with a
// deadline, when a node is selected; a nil fetcher shows no payload.
type PayloadFetcher func(ctx context.Context, c cid.Cid) ([]byte, error)

// Payload formats FormatPayload reports.
const (
	PayloadEmpty   = "empty"
	PayloadJSON    = "json"     // the bytes parse as JSON: re-indented
	PayloadDAGJSON = "dag-json" // the bytes are strict DAG-CBOR: shown as indented DAG-JSON
	PayloadHex     = "hex"      // anything else: a hex dump
)

// maxHexBytes is how much of an opaque payload the hex dump shows.
const maxHexBytes = 2048

// FormatPayload pretty-prints a payload for the inspector: JSON if it parses as JSON,
// DAG-JSON if it is a strict DAG-CBOR block, a hex dump (of at most the first 2 KiB)
// otherwise. It never fails: whatever the bytes, it returns something to show.
func FormatPayload(b []byte) (format, text string) {
	if len(b) == 0 {
		return PayloadEmpty, ""
	}
	if json.Valid(b) {
		var out bytes.Buffer
		if json.Indent(&out, b, "", "  ") == nil {
			return PayloadJSON, out.String()
		}
	}
	if v, err := block.Decode(b); err == nil {
		if js, err := block.EncodeDAGJSON(v); err == nil {
			var out bytes.Buffer
			if json.Indent(&out, js, "", "  ") == nil {
				return PayloadDAGJSON, out.String()
			}
		}
	}
	shown := b[:min(len(b), maxHexBytes)]
	text = strings.TrimRight(hex.Dump(shown), "\n")
	if len(b) > len(shown) {
		text += fmt.Sprintf("\n… %d more bytes", len(b)-len(shown))
	}
	return PayloadHex, text
}

// maxChildren is how many children the inspector lists before "… and n more".
const maxChildren = 12

// Inspect reads what the inspector shows about the entity e of w; children come from the
// scene's edges. It reports false when e is not a node of w.
func Inspect(w donburi.World, s *Scene, e donburi.Entity) (components.InspectorInfo, bool) {
	if !w.Valid(e) {
		return components.InspectorInfo{}, false
	}
	entry := w.Entry(e)
	if !entry.HasComponent(components.DddElement) {
		return components.InspectorInfo{}, false
	}
	d := components.DddElement.Get(entry)
	info := components.InspectorInfo{
		Entity: e, Kind: d.Kind, CID: d.CID, Aggregate: d.AggregateID, Seq: d.Seq, Type: d.Type,
	}
	if d.CreatedAt != 0 {
		info.Time = time.Unix(0, d.CreatedAt).UTC()
	}
	KindsOf(w).Row(d.Kind).Inspect(&info, entry)
	if entry.HasComponent(components.Edges) {
		for _, out := range components.Edges.Get(entry).Out {
			if out.Kind == components.EdgeLink {
				info.Links = append(info.Links, components.Related{CID: cidOf(w, out.To), Kind: out.Kind, Label: out.Label})
			}
		}
	}
	if idx := s.Index(e); idx >= 0 {
		for _, edge := range s.Edges {
			if int(edge.To) == idx {
				info.Children = append(info.Children, components.Related{CID: cidOf(w, s.Nodes[edge.From].Entity), Kind: edge.Kind})
			}
		}
	}
	return info, true
}

func cidOf(w donburi.World, e donburi.Entity) string {
	if !w.Valid(e) {
		return "(gone)"
	}
	entry := w.Entry(e)
	if !entry.HasComponent(components.DddElement) {
		return "(not a node)"
	}
	d := components.DddElement.Get(entry)
	if !d.CID.Defined() {
		return fmt.Sprintf("(rejected seq %d)", d.Seq)
	}
	return d.CID.String()
}

// Verification is the inspector's verification line for a node of the default kind table.
func Verification(in *components.InspectorInfo) string { return Kind(in.Kind).Status(in) }

// InspectorLines lays out the info of a node of the default kind table; see
// KindTable.InspectorLines.
func InspectorLines(in *components.InspectorInfo, width int) []components.InspectorLine {
	return DefaultKinds().InspectorLines(in, width)
}

// InspectorLines lays the info out as the panel's rows, wrapping values at width
// characters: the rows every kind has, with the kind's own rows from its row of t.
func (t *KindTable) InspectorLines(in *components.InspectorInfo, width int) []components.InspectorLine {
	k := t.Row(in.Kind)
	var ls []components.InspectorLine
	add := func(label, value string) {
		for i, part := range wrap(value, width) {
			if i > 0 {
				label = ""
			}
			ls = append(ls, components.InspectorLine{Label: label, Value: part})
		}
	}
	ls = append(ls, components.InspectorLine{Value: strings.ToUpper(k.Name), Heading: true})
	if in.CID.Defined() {
		add("cid", in.CID.String())
	}
	if in.Aggregate != "" {
		add("aggregate", in.Aggregate)
	}
	if in.Type != "" {
		add(k.TypeLabel, in.Type)
	}
	if !in.Time.IsZero() {
		add("time", in.Time.Format(time.RFC3339Nano))
	}
	if in.Seq != 0 {
		add("sequence", fmt.Sprint(in.Seq))
	}
	k.Lines(in, add)
	if len(in.Links) > 0 {
		add("links", fmt.Sprint(len(in.Links)))
		for _, l := range in.Links {
			add("", l.Label+" → "+l.CID)
		}
	}
	if k.Children {
		add("children", fmt.Sprint(len(in.Children)))
		for i, c := range in.Children {
			if i == maxChildren {
				add("", fmt.Sprintf("… and %d more", len(in.Children)-maxChildren))
				break
			}
			add("", c.CID+" ("+edgeName(c.Kind, c.Label)+")")
		}
	}
	switch {
	case in.LogPending:
		add("log", "proving…")
	case in.LogErr != nil:
		add("log", "× "+in.LogErr.Error())
	case in.Log != "":
		add("log", in.Log)
	}
	n := len(ls)
	add("status", k.Status(in))
	ls[n].Warn = k.Warn // the first row of the status, as the panel has always drawn it
	switch {
	case !k.Payload:
	case in.PayloadPending:
		add("payload", "fetching…")
	case in.PayloadErr != nil:
		add("payload", "error: "+in.PayloadErr.Error())
	case in.PayloadFormat != "":
		size := ""
		if in.PayloadSize > 0 {
			size = fmt.Sprintf(", %d bytes", in.PayloadSize)
		}
		ls = append(ls, components.InspectorLine{Value: "payload (" + in.PayloadFormat + size + ")", Heading: true})
		for _, line := range strings.Split(in.Payload, "\n") {
			for _, part := range wrap(line, width+InspectorLabelCols+1) {
				ls = append(ls, components.InspectorLine{Value: part, Payload: true})
			}
		}
	case in.PayloadSize > 0:
		add("payload", fmt.Sprintf("%d bytes", in.PayloadSize))
	}
	return ls
}

// SelectionLines are the rows the inspector shows now, before scrolling, or nil when
// nothing is selected.
func SelectionLines(e *ecs.ECS) []components.InspectorLine {
	info := GetOrCreateSelection(e).Info
	if info == nil {
		return nil
	}
	return KindsOf(e.World).InspectorLines(info, inspectorCols(e))
}

func edgeName(k components.EdgeKind, label string) string {
	switch k {
	case components.EdgePrevious:
		return "previous"
	case components.EdgeParent:
		return "parent"
	}
	if label != "" {
		return label
	}
	return "link"
}

// wrap cuts s into pieces of at most width runes (width < 1: no wrapping), breaking after
// the last space of a piece when there is one in its second half, and hard otherwise (CIDs
// have no spaces). Tabs become two spaces so that the panel's monospaced columns hold.
func wrap(s string, width int) []string {
	s = strings.ReplaceAll(s, "\t", "  ")
	if width < 1 || utf8.RuneCountInString(s) <= width {
		return []string{s}
	}
	var out []string
	for utf8.RuneCountInString(s) > width {
		n, cut, space := 0, len(s), -1
		for i, r := range s {
			if n == width {
				cut = i
				break
			}
			if r == ' ' && n >= width/2 {
				space = i
			}
			n++
		}
		if space > 0 {
			out = append(out, s[:space])
			s = s[space+1:]
		} else {
			out = append(out, s[:cut])
			s = s[cut:]
		}
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}
