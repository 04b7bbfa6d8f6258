package components

import "github.com/yohamta/donburi"

// PositionData is a node's centre in world units.
type PositionData struct{ X, Y float64 }

// Position is the component type of PositionData.
var Position = donburi.NewComponentType[PositionData]()

// VelocityData is a node's velocity in world units per layout tick, as the layout last saw it.
type VelocityData struct{ X, Y float64 }

// Velocity is the component type of VelocityData.
var Velocity = donburi.NewComponentType[VelocityData]()
