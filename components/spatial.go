package components

import "github.com/yohamta/donburi"

// PositionData is a node's centre in world units.
type PositionData struct{ X, Y float64 }

// Position is the component type of PositionData. Systems keep pointers to nodes' Position
// components between frames (the scene refreshes positions through them after
// systems.BumpPositions), so a position is changed in place, through Position.Get(entry) or
// Position.SetValue. Adding or removing any component of a node's entity moves its components
// to another archetype's storage: that is a change that must be recorded with
// systems.BumpWorld, never with BumpPositions alone.
var Position = donburi.NewComponentType[PositionData]()
