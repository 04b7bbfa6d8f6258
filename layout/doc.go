// Package layout is jetdag's force-directed graph layout: it turns the nodes and edges of the
// Merkle DAG into 2D positions with a Barnes-Hut many-body force, springs along edges, weak
// gravity and an optional bias that lays each aggregate's chain out along time.
//
// It knows nothing of the ECS world or of Ebiten: the visualizer's layout-sync system feeds
// it node and edge events through a Runner, which ticks a Sim on its own goroutine using every
// core, and reads the positions back through a double buffer. Layouts are incremental: a new
// node starts next to its predecessor and only its neighbourhood is reheated, so a settled
// picture stays put while events stream in.
package layout
