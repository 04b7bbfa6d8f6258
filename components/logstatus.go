package components

import "time"

// LogStatusData is what the window knows of the store's transparency log: the newest
// checkpoint the source read, and whether it holds up. It lives in GraphStatsData.Log; the
// zero value means the store has no log (the status bar then says nothing of it).
type LogStatusData struct {
	// Present is true once the source has read a checkpoint.
	Present bool
	// Size is the tree size of the newest checkpoint; Time when it was stored.
	Size int64
	Time time.Time
	// Witnesses counts the cosignatures on the newest checkpoint the source found.
	Witnesses int
	// Verified is true when the checkpoint's signature verified with the log's key
	// (view --log-vkey); false: no key was given, the size is shown unverified.
	Verified bool
	// Problem, when not "", says how a checkpoint was contradicted (a newer one inconsistent
	// with one already held) or failed its signature: the window shows it in red.
	Problem string
	// Seq is the stream sequence of the newest checkpoint's last leaf and PrevSeq that of the
	// checkpoint before it (0: none): the newest checkpoint added the events in (PrevSeq, Seq].
	Seq, PrevSeq uint64
	// WitnessesVerified: Witnesses counts only cosignatures that verified with the witness
	// keys given to the window (view --witness-vkey); false: counted, not verified.
	WitnessesVerified bool
}
