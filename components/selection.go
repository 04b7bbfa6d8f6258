package components

import "github.com/yohamta/donburi"

// SelectionData is the node open in the inspector, a singleton.
type SelectionData struct {
	// Entity is the selected node, or donburi.Null.
	Entity donburi.Entity
	// Info is what the inspector shows of it, nil when nothing is selected.
	Info *InspectorInfo
	// Scroll is the first inspector row shown.
	Scroll int
	// ConeAge counts ticks since the cone was last walked (it grows live).
	ConeAge int
}

// Selection is the component type of the SelectionData singleton.
var Selection = donburi.NewComponentType[SelectionData]()
