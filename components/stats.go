package components

import "github.com/yohamta/donburi"

// GraphStatsData is a singleton component with the live figures the status bar shows.
type GraphStatsData struct {
	Events, Objects, Links, Rejected int
	// Held counts nodes waiting for a parent or previous block that has not arrived yet.
	Held int
	// Lag is the number of messages waiting in the bridge channel.
	Lag int
	// LastSeq is the highest stream sequence applied to the world.
	LastSeq uint64
	// EventsPerSecond is a moving average of applied events.
	EventsPerSecond float64
	// Connection is the bridge's connection state ("connected", "reconnecting", …).
	Connection string
	// CaughtUp is true once the bridge has replayed the stream and is live.
	CaughtUp bool
	// CatchUpTarget is the stream's last sequence when the feed started (0: unknown): how
	// far the catch-up replay goes.
	CatchUpTarget uint64
	// ResumedSeq and ResumedSize (0: not resumed) are the sequence and tree size of the
	// checkpoint the feed started after (view --checkpoint).
	ResumedSeq  uint64
	ResumedSize int64
	// Log is the transparency log's status (zero: the store has no log).
	Log LogStatusData
}

// GraphStats is the component type of GraphStatsData.
var GraphStats = donburi.NewComponentType[GraphStatsData]()
