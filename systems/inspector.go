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

// Related is a node the inspected one points at or is pointed at by.
type Related struct {
	CID  string
	Kind components.EdgeKind
	// Label is the link type of an object link.
	Label string
}

// InspectorInfo is everything the inspector panel says about one node, as plain values.
type InspectorInfo struct {
	Entity      donburi.Entity
	Kind        components.ElementKind
	CID         cid.Cid
	Aggregate   string
	Type        string // event type, or object kind
	Time        time.Time
	Seq         uint64
	Previous    string
	Parents     []string
	Links       []Related // an object's outgoing links
	Children    []Related // nodes with an edge to this one
	ContentCID  string
	Size        int64
	PayloadSize int
	Reason      string
	Subject     string
	// Payload is filled in when the fetch returns.
	PayloadFormat, Payload string
	PayloadErr             error
	PayloadPending         bool
}

// maxChildren is how many children the inspector lists before "… and n more".
const maxChildren = 12

// Inspect reads what the inspector shows about the entity e of w; children come from the
// scene's edges. It reports false when e is not a node of w.
func Inspect(w donburi.World, s *Scene, e donburi.Entity) (InspectorInfo, bool) {
	if !w.Valid(e) {
		return InspectorInfo{}, false
	}
	entry := w.Entry(e)
	if !entry.HasComponent(components.DddElement) {
		return InspectorInfo{}, false
	}
	d := components.DddElement.Get(entry)
	info := InspectorInfo{
		Entity: e, Kind: d.Kind, CID: d.CID, Aggregate: d.AggregateID, Seq: d.Seq,
		Size: d.Size, PayloadSize: d.PayloadSize, Reason: d.Reason, Subject: d.Subject,
	}
	if d.Kind == components.ElementObject {
		info.Type = d.ObjectKind
	} else {
		info.Type = d.EventType
	}
	if d.CreatedAt != 0 {
		info.Time = time.Unix(0, d.CreatedAt).UTC()
	}
	if d.PreviousCID.Defined() {
		info.Previous = d.PreviousCID.String()
	}
	for _, p := range d.ParentCIDs {
		info.Parents = append(info.Parents, p.String())
	}
	if d.ContentCID.Defined() {
		info.ContentCID = d.ContentCID.String()
	}
	if entry.HasComponent(components.Edges) {
		for _, out := range components.Edges.Get(entry).Out {
			if out.Kind == components.EdgeLink {
				info.Links = append(info.Links, Related{CID: cidOf(w, out.To), Kind: out.Kind, Label: out.Label})
			}
		}
	}
	if idx := s.Index(e); idx >= 0 {
		for _, edge := range s.Edges {
			if int(edge.To) == idx {
				info.Children = append(info.Children, Related{CID: cidOf(w, s.Nodes[edge.From].Entity), Kind: edge.Kind})
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

// Verification is the inspector's verification line for the node.
func (in *InspectorInfo) Verification() string {
	switch in.Kind {
	case components.ElementEvent:
		return "verified: sha2-256 of the block is its CID; previous and parents checked in stream order"
	case components.ElementObject:
		return "verified: sha2-256 of the block is its CID"
	case components.ElementRejected:
		return "REJECTED: " + in.Reason
	}
	return "unknown"
}

// InspectorLine is one row of the panel: a label column and a value. An empty Label
// continues the row above; Heading rows are drawn brighter; Payload rows use the whole
// width.
type InspectorLine struct {
	Label, Value     string
	Heading, Payload bool
}

// Lines lays the info out as the panel's rows, wrapping values at width characters.
func (in *InspectorInfo) Lines(width int) []InspectorLine {
	var ls []InspectorLine
	add := func(label, value string) {
		for i, part := range wrap(value, width) {
			if i > 0 {
				label = ""
			}
			ls = append(ls, InspectorLine{Label: label, Value: part})
		}
	}
	ls = append(ls, InspectorLine{Value: strings.ToUpper(in.Kind.String()), Heading: true})
	if in.CID.Defined() {
		add("cid", in.CID.String())
	}
	if in.Aggregate != "" {
		add("aggregate", in.Aggregate)
	}
	if in.Type != "" {
		label := "type"
		if in.Kind == components.ElementObject {
			label = "kind"
		}
		add(label, in.Type)
	}
	if !in.Time.IsZero() {
		add("time", in.Time.Format(time.RFC3339Nano))
	}
	if in.Seq != 0 {
		add("sequence", fmt.Sprint(in.Seq))
	}
	if in.Kind != components.ElementRejected {
		prev := in.Previous
		if prev == "" {
			prev = "none (first)"
		}
		add("previous", prev)
	}
	if in.Kind == components.ElementEvent {
		add("parents", fmt.Sprint(len(in.Parents)))
		for _, p := range in.Parents {
			add("", p)
		}
	}
	if in.ContentCID != "" {
		add("content", in.ContentCID)
		add("size", fmt.Sprintf("%d bytes", in.Size))
	}
	if len(in.Links) > 0 {
		add("links", fmt.Sprint(len(in.Links)))
		for _, l := range in.Links {
			add("", l.Label+" → "+l.CID)
		}
	}
	if in.Kind != components.ElementRejected {
		add("children", fmt.Sprint(len(in.Children)))
		for i, c := range in.Children {
			if i == maxChildren {
				add("", fmt.Sprintf("… and %d more", len(in.Children)-maxChildren))
				break
			}
			add("", c.CID+" ("+edgeName(c.Kind, c.Label)+")")
		}
	}
	if in.Subject != "" {
		add("subject", in.Subject)
	}
	add("status", in.Verification())
	switch {
	case in.Kind == components.ElementRejected:
	case in.PayloadPending:
		add("payload", "fetching…")
	case in.PayloadErr != nil:
		add("payload", "error: "+in.PayloadErr.Error())
	case in.PayloadFormat != "":
		size := ""
		if in.PayloadSize > 0 {
			size = fmt.Sprintf(", %d bytes", in.PayloadSize)
		}
		ls = append(ls, InspectorLine{Value: "payload (" + in.PayloadFormat + size + ")", Heading: true})
		for _, line := range strings.Split(in.Payload, "\n") {
			for _, part := range wrap(line, width+inspectorLabelCols+1) {
				ls = append(ls, InspectorLine{Value: part, Payload: true})
			}
		}
	case in.PayloadSize > 0:
		add("payload", fmt.Sprintf("%d bytes", in.PayloadSize))
	}
	return ls
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
