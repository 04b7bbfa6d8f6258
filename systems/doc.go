// Package systems holds the systems of the visualizer's donburi world: plain functions or
// small structs with an Update(*ecs.ECS) method (ecs being donburi's ecs package), one concern
// each. The model systems (layout sync, retire, links) keep the world in step with the feed and
// the layout; the window systems (scene gathering, camera, picking, input, render, inspector,
// HUD) draw it with Ebiten and answer the mouse. Package ecs of jetdag builds them and runs them
// in the order written in its order.go; this package depends on components, layout, assets and
// Ebiten, never on jetdag's ecs package, so that ecs can import it. Camera maths, picking and
// inspector formatting are plain functions that tests call without a window.
package systems
