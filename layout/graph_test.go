package layout

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestReadGraphRejectsMalformedFiles(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"not JSON", `nodes: 3`, "invalid character"},
		{"no nodes", `{"edges": []}`, `no "nodes"`},
		{"negative nodes", `{"nodes": -1, "edges": []}`, "want 0.."},
		{"too many nodes", `{"nodes": 99999999999, "edges": []}`, "want 0.."},
		{"edge out of range", `{"nodes": 3, "edges": [[0, 3]]}`, "names node 3"},
		{"negative edge end", `{"nodes": 3, "edges": [[-1, 2]]}`, "names node -1"},
		{"edge with three ends", `{"nodes": 3, "edges": [[0, 1, 2]]}`, "3 ends"},
		{"fractional node", `{"nodes": 3, "edges": [[0.5, 1]]}`, "cannot unmarshal"},
		{"groups of wrong length", `{"nodes": 3, "edges": [], "groups": [1]}`, "1 groups for 3 nodes"},
		{"trailing data", `{"nodes": 1, "edges": []} {}`, "after the JSON object"},
		{"empty input", ``, "EOF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadGraph(strings.NewReader(tc.in))
			if !errors.Is(err, ErrBadGraph) {
				t.Fatalf("error %v does not wrap ErrBadGraph", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

func TestGraphRoundTrip(t *testing.T) {
	for _, g := range []Graph{
		{Nodes: 0, Edges: [][2]int32{}},
		{Nodes: 2, Edges: [][2]int32{{1, 0}}},
		Synthetic(500, 3),
	} {
		var buf bytes.Buffer
		if err := g.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		got, err := ReadGraph(&buf)
		if err != nil {
			t.Fatalf("reading back: %v", err)
		}
		if got.Nodes != g.Nodes || len(got.Edges) != len(g.Edges) || len(got.Groups) != len(g.Groups) {
			t.Fatalf("read back %d nodes, %d edges, %d groups; wrote %d, %d, %d",
				got.Nodes, len(got.Edges), len(got.Groups), g.Nodes, len(g.Edges), len(g.Groups))
		}
		for i := range g.Edges {
			if got.Edges[i] != g.Edges[i] {
				t.Fatalf("edge %d read back as %v, wrote %v", i, got.Edges[i], g.Edges[i])
			}
		}
	}
}

func TestSyntheticIsAMerkleDAGShape(t *testing.T) {
	const n = 20000
	g := Synthetic(n, 11)
	again := Synthetic(n, 11)
	if len(g.Edges) != len(again.Edges) || g.Edges[100] != again.Edges[100] {
		t.Fatal("the same seed gave different graphs")
	}
	if other := Synthetic(n, 12); len(other.Edges) == len(g.Edges) && other.Edges[100] == g.Edges[100] {
		t.Fatal("different seeds gave the same graph")
	}
	sizes := map[int32]int{}
	for _, gr := range g.Groups {
		sizes[gr]++
	}
	var cross int
	for _, e := range g.Edges {
		if e[0] <= e[1] {
			t.Fatalf("edge %v does not point back in time", e)
		}
		if g.Groups[e[0]] != g.Groups[e[1]] {
			cross++
		}
	}
	chainEdges := len(g.Edges) - cross
	if chainEdges != n-len(sizes) {
		t.Errorf("%d chain edges for %d nodes in %d chains, want %d", chainEdges, n, len(sizes), n-len(sizes))
	}
	full := 0
	for gr, size := range sizes {
		if size > 50 {
			t.Errorf("group %d has %d events, want at most 50", gr, size)
		}
		if size >= 20 {
			full++
		}
	}
	if full < len(sizes)-8 { // only the chains still open at the end may be short
		t.Errorf("%d of %d chains have 20-50 events", full, len(sizes))
	}
	if frac := float64(cross) / n; frac < 0.25 || frac > 0.32 {
		t.Errorf("cross edges are %.3f of the nodes, want about 0.3", frac)
	}
}
