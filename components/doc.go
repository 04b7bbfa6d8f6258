// Package components holds the data-only components of the visualizer's donburi world: what a
// node of the Merkle DAG is (DddElement), how it looks (GraphNodeVisual), where it is
// (Position, Velocity), how the user is touching it (Interaction) and the edges the renderer
// walks (Edges). Systems in package systems read and write them; package ecs creates them.
package components
