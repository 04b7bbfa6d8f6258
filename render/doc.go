// Package render is the visualizer's edge to Ebiten: it reads the mouse and keyboard into
// the Input singleton as plain values, runs the model and the window's systems in the order
// of ecs/order.go (Game, the ebiten.Game adapter), and draws what the world holds: the
// graph as batched DrawTriangles calls from one white texel (Renderer) or, zoomed out, as
// two density pictures counted on the CPU by package render/raster (uploaded in density.go), labels, the
// inspector panel and the HUD (Drawer), and screenshots. It decides nothing: what a node
// looks like, what the inspector and status bar say and what a key does come from package
// systems. It is the only package besides assets, cli/viewer and cmd/jetdag-view that
// imports Ebiten; its tests (in systems/windowtest) need a display.
package render
