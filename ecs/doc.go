// Package ecs is the live graph model of the visualizer: a donburi world whose entities are
// the events, objects and rejected messages of a jetdag store. A Source follows the stores on
// its own goroutine and sends plain messages through a bounded Bridge; Graph.Update, on the
// game goroutine only, drains the bridge, applies the messages (holding children whose
// parents have not arrived), spawns nodes through their row of the kind table of package
// systems (archetype, look, lane; Config.Kinds, whose added kinds arrive as NodeMsg), feeds
// the force layout and runs the model systems.
// order.go is the one place the order of every stage (model, window, draw) is written.
// Package ecs imports systems, never Ebiten (the game that runs it is in package render), so
// its tests run without a display.
package ecs
