package components

import "github.com/yohamta/donburi"

// InteractionData is the user's relation to a node.
type InteractionData struct {
	Pinned      bool // the layout keeps the node where it is
	Hovered     bool // the cursor is over it
	Selected    bool // it is open in the inspector
	Highlighted bool // it is on the selected chain or causal cone
	Hidden      bool // a filter hides it
}

// Interaction is the component type of InteractionData.
var Interaction = donburi.NewComponentType[InteractionData]()
