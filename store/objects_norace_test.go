//go:build !race

package store

// raceEnabled reports a -race build, whose detector multiplies memory use.
const raceEnabled = false
