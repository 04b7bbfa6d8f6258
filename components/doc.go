// Package components holds the data-only components of the visualizer's donburi world. Per
// node: what it is (DddElement, and Event, Object or Rejected for its kind), how it looks
// (GraphNodeVisual), where it is (Position), how the user touches it (Interaction)
// and its edges (Edges). Singletons (one entity each, found with GetOrCreate functions in
// package systems): the model's GraphStats and WorldVersion (kept on the stats entity; the
// scene is gathered again only when it moves) and the window's Camera, Selection, Search,
// Filter, Toast, Picture, Pointer, Input, Settings, HUD and Timeline. It imports donburi and go-cid only:
// no Ebiten, so everything that reads it is tested without a display.
package components
