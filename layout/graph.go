package layout

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
)

// ErrBadGraph is returned (wrapped, with what was wrong) by ReadGraph for a malformed graph file.
var ErrBadGraph = errors.New("malformed graph file")

// MaxGraphNodes bounds the node count ReadGraph accepts, so that a hostile file cannot ask for
// an absurd allocation with a single number.
const MaxGraphNodes = 50_000_000

// Graph is the input of `jetdag bench layout` and of the d3 comparison script: nodes are
// numbered 0..Nodes-1 and each edge joins two of them. Groups, when present, gives each node's
// group (an aggregate); d3 ignores it. The file form is the JSON
// {"nodes": N, "edges": [[from, to], ...], "groups": [...]}.
type Graph struct {
	Nodes  int        `json:"nodes"`
	Edges  [][2]int32 `json:"edges"`
	Groups []int32    `json:"groups,omitempty"`
}

// ReadGraph decodes and checks a graph file. Every problem is reported as an error wrapping
// ErrBadGraph that says what was wrong.
func ReadGraph(r io.Reader) (Graph, error) {
	var raw struct {
		Nodes  *int64    `json:"nodes"`
		Edges  [][]int64 `json:"edges"`
		Groups []int32   `json:"groups"`
	}
	dec := json.NewDecoder(bufio.NewReader(r))
	if err := dec.Decode(&raw); err != nil {
		return Graph{}, fmt.Errorf("%w: %w", ErrBadGraph, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Graph{}, fmt.Errorf("%w: data after the JSON object", ErrBadGraph)
	}
	if raw.Nodes == nil {
		return Graph{}, fmt.Errorf("%w: no \"nodes\" count", ErrBadGraph)
	}
	n := *raw.Nodes
	if n < 0 || n > MaxGraphNodes {
		return Graph{}, fmt.Errorf("%w: \"nodes\" is %d, want 0..%d", ErrBadGraph, n, MaxGraphNodes)
	}
	g := Graph{Nodes: int(n), Edges: make([][2]int32, len(raw.Edges))}
	for i, e := range raw.Edges {
		if len(e) != 2 {
			return Graph{}, fmt.Errorf("%w: edge %d has %d ends, want 2", ErrBadGraph, i, len(e))
		}
		for _, v := range e {
			if v < 0 || v >= n {
				return Graph{}, fmt.Errorf("%w: edge %d %v names node %d, want 0..%d", ErrBadGraph, i, e, v, n-1)
			}
		}
		g.Edges[i] = [2]int32{int32(e[0]), int32(e[1])}
	}
	if raw.Groups != nil {
		if len(raw.Groups) != g.Nodes {
			return Graph{}, fmt.Errorf("%w: %d groups for %d nodes", ErrBadGraph, len(raw.Groups), g.Nodes)
		}
		g.Groups = raw.Groups
	}
	return g, nil
}

// WriteJSON writes g in the graph file form, edges on one line.
func (g Graph) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriter(w)
	buf := make([]byte, 0, 64)
	buf = append(buf, `{"nodes":`...)
	buf = strconv.AppendInt(buf, int64(g.Nodes), 10)
	buf = append(buf, `,"edges":[`...)
	bw.Write(buf)
	for i, e := range g.Edges {
		buf = buf[:0]
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '[')
		buf = strconv.AppendInt(buf, int64(e[0]), 10)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(e[1]), 10)
		buf = append(buf, ']')
		bw.Write(buf)
	}
	bw.WriteString("]")
	if g.Groups != nil {
		bw.WriteString(`,"groups":[`)
		for i, v := range g.Groups {
			buf = buf[:0]
			if i > 0 {
				buf = append(buf, ',')
			}
			bw.Write(strconv.AppendInt(buf, int64(v), 10))
		}
		bw.WriteString("]")
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// Synthetic returns a seeded graph shaped like a jetdag Merkle DAG: events of 8 aggregates
// at a time interleave in time order, each aggregate a chain of 20 to 50 events linked to its
// previous event, and about 30% of events carry a causal-parent edge to a recent event (one of
// the last 500) of another aggregate. Edges point from the newer node to the older one.
func Synthetic(n int, seed int64) Graph {
	const (
		open      = 8
		crossFrac = 0.3
		window    = 500
	)
	type agg struct {
		group int32
		left  int
		last  int32
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x73796e7468657469))
	g := Graph{Nodes: n, Groups: make([]int32, n), Edges: make([][2]int32, 0, n+n/3)}
	aggs := make([]agg, 0, open)
	var nextGroup int32
	for i := range int32(n) {
		for len(aggs) < open {
			aggs = append(aggs, agg{group: nextGroup, left: 20 + rng.IntN(31), last: -1})
			nextGroup++
		}
		a := &aggs[rng.IntN(len(aggs))]
		g.Groups[i] = a.group
		if a.last >= 0 {
			g.Edges = append(g.Edges, [2]int32{i, a.last})
		}
		if i > 0 && rng.Float64() < crossFrac {
			j := i - 1 - int32(rng.IntN(int(min(i, window))))
			if g.Groups[j] != a.group {
				g.Edges = append(g.Edges, [2]int32{i, j})
			}
		}
		a.last = i
		if a.left--; a.left == 0 {
			*a = aggs[len(aggs)-1]
			aggs = aggs[:len(aggs)-1]
		}
	}
	return g
}

// Load adds g's nodes (in order, without neighbours, so they start on d3's spiral; with their
// group when withGroups is set and g has groups, time = index) and edges to s, and returns the
// NodeID of each graph node.
func (g Graph) Load(s *Sim, withGroups bool) []NodeID {
	ids := make([]NodeID, g.Nodes)
	for i := range ids {
		group := NoGroup
		if withGroups && g.Groups != nil {
			group = g.Groups[i]
		}
		ids[i] = s.AddNode(NoNode, group, float64(i))
	}
	for _, e := range g.Edges {
		s.AddEdge(ids[e[0]], ids[e[1]])
	}
	return ids
}
