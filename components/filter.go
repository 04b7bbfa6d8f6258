package components

import "github.com/yohamta/donburi"

// FilterData hides every node that does not match, a singleton. The zero value shows
// everything.
type FilterData struct {
	// Aggregate, when not empty, keeps only the events and rejected messages of that
	// aggregate.
	Aggregate string
	// Kind and Type, when Kind is not zero, keep only nodes of that kind whose event type
	// (events) or object kind (objects) is Type; for rejected messages Type is ignored.
	Kind ElementKind
	Type string
}

// Active reports whether f hides anything.
func (f FilterData) Active() bool { return f.Aggregate != "" || f.Kind != 0 }

// Filter is the component type of the FilterData singleton.
var Filter = donburi.NewComponentType[FilterData]()
