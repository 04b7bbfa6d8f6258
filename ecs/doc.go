// Package ecs is the live graph model of the visualizer: a donburi world whose entities are
// the events, objects and rejected messages of a jetdag store. A Source follows the stores on
// its own goroutine and sends plain messages through a bounded Bridge; Graph.Update, on the
// game goroutine only, drains the bridge, applies the messages (holding children whose
// parents have not arrived), feeds the force layout and runs the systems of package systems
// in the order written down in order.go. Package ecs imports systems; systems never imports
// ecs.
package ecs
