// Package layout is jetdag's force-directed graph layout: it turns the nodes and edges of the
// Merkle DAG into 2D positions with a Barnes-Hut many-body force, springs along edges, weak
// gravity and an optional bias that lays each aggregate's chain out along time.
//
// It knows nothing of the ECS world or of Ebiten: the visualizer's layout-sync system feeds
// it node and edge events through a Runner, which ticks a Sim on its own goroutine using every
// core, and reads the positions back through a double buffer. Layouts are incremental: a new
// node starts next to its predecessor and only its neighbourhood is reheated, so a settled
// picture stays put while events stream in.
//
// Beside the force layout it holds the lanes layout (Lanes: one horizontal lane per aggregate,
// x along the stream or along event time, groups of lanes that collapse to one row), the
// Glide that moves nodes from one layout to the other, and the history filter (VisibleAsOf:
// which nodes existed as of a stream sequence). All three are plain functions and types over
// plain values, tested without a window.
package layout
