// Package systems holds the systems of the visualizer's donburi world as plain functions
// over *ecs.ECS (donburi's ecs package), one concern each, and the window's shared state as
// singleton components (GetOrCreateCamera, GetOrCreateSelection, …, in the manner of
// donburi's platformer example). The model systems (layout sync, retire, links) keep the
// world in step with the feed and the layout; the window systems (scene, input and the key
// table, camera, picking, selection and cone, search, filter, inspector, HUD, picture cache,
// the timeline's as-of sequence and playback clock, the activity panel) turn plain input
// values into state and state into plain content (inspector lines, status line, tooltips,
// legend, sparkline) that package render draws. The kind table (kinds.go: KindTable,
// one kind_<name>.go per kind) says, in one row per node kind, what archetype its nodes
// spawn with, how they look and what they say; a world's table is in a singleton (KindsOf).
//
// It imports components, archetypes, layout, palette, search and store/block, never Ebiten
// nor jetdag's ecs package (which runs these systems in the order written in its order.go),
// so its tests run without a display.
package systems
