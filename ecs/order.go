package ecs

import (
	"github.com/hajimehoshi/ebiten/v2"
	donburiecs "github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/systems"
)

// This file is the one place where the order of systems is written down. Every frame the
// game runs, on its own goroutine:
//
//  1. the model stages (Graph.Update): the bridge is drained into the world, nodes beyond
//     MaxNodes retire, layout positions are copied into the components, the stats singleton
//     is refreshed;
//  2. the window's Update stages (input, camera, picking, HUD, inspector), run by the Game
//     after Graph.Update;
//  3. the Draw stages, back to front, run by the Game's Draw.
//
// Systems live in package systems as plain functions or small structs with an
// Update(*donburiecs.ECS) method; package ecs imports systems, never the reverse.

// Stage is one Update system with a name for logs and profiles.
type Stage struct {
	Name string
	Run  donburiecs.System
}

// DrawStage is one Draw system with a name for logs and profiles.
type DrawStage struct {
	Name string
	Draw func(e *donburiecs.ECS, screen *ebiten.Image)
}

// modelStages are the Update systems of the live graph model, in the order Graph.Update
// runs them. Ingest must come before retire (retire trims what ingest added) and layout sync
// after retire (it copies positions only for nodes still in the world).
func (g *Graph) modelStages() []Stage {
	return []Stage{
		{Name: "ingest", Run: g.ingest},           // drain ≤ FrameBudget messages, apply them
		{Name: "retire", Run: g.retire.Update},    // oldest nodes beyond MaxNodes leave
		{Name: "layout-sync", Run: g.sync.Update}, // layout positions → Position/Velocity
		{Name: "stats", Run: g.updateStats},       // GraphStats singleton
	}
}

// windowStages are the window's Update systems, run by the Game right after Graph.Update,
// in this order. The scene must be gathered before anything picks or draws (it is the
// flat copy of the world they read); input before the camera (a drag or the wheel stops
// fit and follow before the camera eases); the inspector after input (a click selects).
func windowStages(v *systems.View) []Stage {
	return []Stage{
		{Name: "scene", Run: v.UpdateScene},         // world → flat scene, pick grid rebuilt
		{Name: "input", Run: v.UpdateInput},         // hover, click, drag, wheel, keys, search
		{Name: "camera", Run: v.UpdateCamera},       // fit and follow easing
		{Name: "inspector", Run: v.UpdateInspector}, // cone of the selection, payload arrival
		{Name: "hud", Run: v.UpdateHUD},             // status line, toasts
	}
}

// drawStages are the Draw systems, back to front: edges and nodes in batched triangles,
// then all text-bearing layers, each drawing its shapes before its text (text comes from
// another atlas and breaks batches).
func drawStages(v *systems.View) []DrawStage {
	return []DrawStage{
		{Name: "graph", Draw: v.DrawGraph},         // background, edges, nodes
		{Name: "labels", Draw: v.DrawLabels},       // type and short CID, when zoomed in
		{Name: "inspector", Draw: v.DrawInspector}, // the selected node's panel
		{Name: "hud", Draw: v.DrawHUD},             // legend, status bar, tooltip, search, help
	}
}
