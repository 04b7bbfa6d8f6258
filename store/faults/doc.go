// Package faults is jetdag's fault campaign: tests that run real `jetdag serve` cluster
// members and `jetdag load` writers as separate processes, inject faults (writers and nodes
// killed with SIGKILL, a node cut off in its own network namespace, a full disk, skewed
// clocks) and end with the independent checks, `jetdag verify` and `jetdag verify --acked`.
//
// `go test ./store/faults` runs the short form (a few faults of each kind; the network tests need
// root and skip clearly without it); `make faults` sets JETDAG_FAULTS=long for the counts
// docs/operations.md reports. `go test -short` skips the campaign.
package faults
