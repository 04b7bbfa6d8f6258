// Package archetypes names, once, the component set of each kind of entity in the
// visualizer's world: every node has the same five node components plus its kind's own
// component. Package ecs spawns the model's nodes through it and tests build their worlds
// with it, so a node kind's components are written in one place. It imports components and
// donburi only.
package archetypes

import (
	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components"
)

// Archetype is the list of components one kind of entity is created with.
type Archetype struct {
	components []donburi.IComponentType
}

// nodeComponents are what every node has, whatever its kind (a new slice each call).
func nodeComponents() []donburi.IComponentType {
	return []donburi.IComponentType{
		components.DddElement, components.GraphNodeVisual, components.Position,
		components.Interaction, components.Edges,
	}
}

// New returns the archetype of a node kind whose own component is kind: the node components
// every node has, then kind. A kind of the kind table beyond the built-in three makes its
// archetype with it.
func New(kind donburi.IComponentType) *Archetype {
	return &Archetype{components: append(nodeComponents(), kind)}
}

// The node archetypes of the built-in kinds, one per components.ElementKind.
var (
	Event    = New(components.Event)
	Object   = New(components.Object)
	Rejected = New(components.Rejected)
)

// For returns the archetype of nodes of the built-in kind k, or nil for another kind (the
// kind table of package systems names each kind's archetype in its row).
func For(k components.ElementKind) *Archetype {
	switch k {
	case components.ElementEvent:
		return Event
	case components.ElementObject:
		return Object
	case components.ElementRejected:
		return Rejected
	}
	return nil
}

// Components lists the archetype's component types (a copy).
func (a *Archetype) Components() []donburi.IComponentType {
	return append([]donburi.IComponentType(nil), a.components...)
}

// Spawn creates an entity with the archetype's components in w and returns its entry.
func (a *Archetype) Spawn(w donburi.World) *donburi.Entry {
	return w.Entry(w.Create(a.components...))
}
