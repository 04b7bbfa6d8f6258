package systems

import (
	"github.com/yohamta/donburi"
)

// ConeWalker finds what the window highlights around a selected node: its causal cone,
// every ancestor it reaches through its edges and every descendant that reaches it. The
// aggregate's chain is part of the cone (older events are reached through Previous edges,
// newer ones reach the node through theirs). It keeps its buffers between calls.
type ConeWalker struct {
	outStart, outList []int32 // CSR of edges by source
	inStart, inList   []int32 // CSR of edges by target
	seen              []bool
	queue             []int32
	result            []donburi.Entity
}

// Walk returns the entities of the cone of the scene node sel, the node itself included.
// The slice is reused by the next call.
func (c *ConeWalker) Walk(s *Scene, sel int) []donburi.Entity {
	c.result = c.result[:0]
	n := len(s.Nodes)
	if sel < 0 || sel >= n {
		return c.result
	}
	c.index(s)
	c.seen = growBool(c.seen, n)
	clear(c.seen)
	c.seen[sel] = true
	c.result = append(c.result, s.Nodes[sel].Entity)
	c.walk(s, sel, c.outStart, c.outList) // ancestors
	c.walk(s, sel, c.inStart, c.inList)   // descendants
	return c.result
}

// walk adds every node reachable from sel along the adjacency that is not yet seen.
func (c *ConeWalker) walk(s *Scene, sel int, start, list []int32) {
	c.queue = append(c.queue[:0], int32(sel))
	for len(c.queue) > 0 {
		v := c.queue[len(c.queue)-1]
		c.queue = c.queue[:len(c.queue)-1]
		for _, u := range list[start[v]:start[v+1]] {
			if c.seen[u] {
				continue
			}
			c.seen[u] = true
			c.result = append(c.result, s.Nodes[u].Entity)
			c.queue = append(c.queue, u)
		}
	}
}

// index builds both CSR adjacencies of the scene's edges.
func (c *ConeWalker) index(s *Scene) {
	n := len(s.Nodes)
	c.outStart = grow32(c.outStart, n+1)
	c.inStart = grow32(c.inStart, n+1)
	clear(c.outStart)
	clear(c.inStart)
	for _, e := range s.Edges {
		c.outStart[e.From+1]++
		c.inStart[e.To+1]++
	}
	for i := 1; i <= n; i++ {
		c.outStart[i] += c.outStart[i-1]
		c.inStart[i] += c.inStart[i-1]
	}
	m := len(s.Edges)
	c.outList, c.inList = grow32(c.outList, m), grow32(c.inList, m)
	// Place with the start entries as cursors, then shift them back.
	for _, e := range s.Edges {
		o, i := c.outStart[e.From], c.inStart[e.To]
		c.outList[o] = e.To
		c.inList[i] = e.From
		c.outStart[e.From]++
		c.inStart[e.To]++
	}
	for i := n; i > 0; i-- {
		c.outStart[i] = c.outStart[i-1]
		c.inStart[i] = c.inStart[i-1]
	}
	c.outStart[0], c.inStart[0] = 0, 0
}

func growBool(s []bool, n int) []bool {
	if cap(s) < n {
		return make([]bool, n, n+n/4)
	}
	return s[:n]
}
