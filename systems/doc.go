// Package systems holds the systems of the visualizer's donburi world: plain functions or
// small structs with an Update(*ecs.ECS) method (ecs being donburi's ecs package), one concern
// each. The live graph model (package ecs of jetdag) builds them, feeds them and runs them in
// the order written in its order.go; this package depends only on components and layout,
// never on jetdag's ecs package, so that ecs can import it.
package systems
