package ecs

import (
	donburiecs "github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/systems"
)

// This file is the one place where the order of systems is written down. Every frame the
// game (package render) runs, on its own goroutine:
//
//  1. the model stages (Graph.Update): the bridge is drained into the world, nodes beyond
//     MaxNodes retire, layout positions are copied into the components, the stats singleton
//     is refreshed;
//  2. the window's Update stages (scene, input, camera, inspector, HUD), after Graph.Update,
//     on input the drawing code has put in the Input singleton;
//  3. the Draw stages, back to front, run by the game's Draw.
//
// Systems live in package systems as plain functions of *donburiecs.ECS that share state
// through singleton components; the Draw stages are methods of the drawing code, which this
// package names through the Drawer interface so that it never imports Ebiten. Package ecs
// imports systems, never the reverse.

// Stage is one Update system with a name for logs and profiles.
type Stage struct {
	Name string
	Run  donburiecs.System
}

// DrawStage is one Draw system with a name for logs and profiles; S is the drawing code's
// screen type (*ebiten.Image).
type DrawStage[S any] struct {
	Name string
	Draw func(e *donburiecs.ECS, screen S)
}

// Drawer is what the drawing code provides for the Draw stages.
type Drawer[S any] interface {
	DrawGraph(e *donburiecs.ECS, screen S)     // background, edges, nodes
	DrawLabels(e *donburiecs.ECS, screen S)    // type and short CID, when zoomed in
	DrawInspector(e *donburiecs.ECS, screen S) // the selected node's panel
	DrawHUD(e *donburiecs.ECS, screen S)       // legend, status bar, tooltip, search, help
}

// modelStages are the Update systems of the live graph model, in the order Graph.Update
// runs them. Ingest must come before retire (retire trims what ingest added) and layout sync
// after retire (it copies positions only for nodes still in the world); hold-hover after
// retire (a retired hovered node is not held) and before layout sync (the hold and the pin go
// in with the position the cursor saw). The as-of stage reads the timeline the window's stages set
// the frame before.
func (g *Graph) modelStages() []Stage {
	return []Stage{
		{Name: "ingest", Run: g.ingest},           // drain ≤ FrameBudget messages, apply them
		{Name: "retire", Run: g.retire.Update},    // oldest nodes beyond MaxNodes leave
		{Name: "hold-hover", Run: g.holdHover},    // the hovered node stays where it is drawn
		{Name: "as-of", Run: g.updateAsOf},        // nodes the timeline hides leave the force layout
		{Name: "layout-sync", Run: g.sync.Update}, // layout positions → Position
		{Name: "stats", Run: g.updateStats},       // GraphStats singleton
	}
}

// WindowStages are the window's Update systems, run by the game right after Graph.Update,
// in this order. The timeline comes first (the scene hides what is later than its as-of
// sequence; it indexes the last frame's scene). The scene must be gathered before anything picks or draws (it is the
// flat copy of the world they read); input before the camera (a drag or the wheel stops
// fit and follow before the camera eases); the inspector after input (a click selects).
func WindowStages() []Stage {
	return []Stage{
		{Name: "timeline", Run: systems.UpdateTimeline},   // as-of sequence, playback clock
		{Name: "scene", Run: systems.UpdateScene},         // world → flat scene, pick grid rebuilt
		{Name: "input", Run: systems.UpdateInput},         // hover, click, drag, wheel, key table, search
		{Name: "camera", Run: systems.UpdateCamera},       // fit and follow easing
		{Name: "inspector", Run: systems.UpdateInspector}, // cone of the selection, payload arrival
		{Name: "explore", Run: systems.UpdateExplore},     // explore mode: the source's notes
		{Name: "hud", Run: systems.UpdateHUD},             // status line, toasts
	}
}

// DrawStages are the Draw systems, back to front: edges and nodes in batched triangles,
// then all text-bearing layers, each drawing its shapes before its text (text comes from
// another atlas and breaks batches).
func DrawStages[S any](d Drawer[S]) []DrawStage[S] {
	return []DrawStage[S]{
		{Name: "graph", Draw: d.DrawGraph},
		{Name: "labels", Draw: d.DrawLabels},
		{Name: "inspector", Draw: d.DrawInspector},
		{Name: "hud", Draw: d.DrawHUD},
	}
}
