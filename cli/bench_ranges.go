package cli

import (
	"os"
	"path/filepath"
)

// Bounds of the benchmarks' workload flags: a run past them would not end in a day or would
// not fit in memory. --size is at most the largest payload a NATS server can be set to take.
const (
	maxBenchEvents  = 100_000_000
	maxBenchSize    = 64 << 20
	maxBenchWorkers = 10_000
)

// benchRange is one workload flag's value and the range it must be in.
type benchRange struct {
	flag      string
	v, lo, hi int
	loMeaning string // what lo means when it is special ("" : nothing)
}

// checkBenchRanges is bad input naming the first flag outside its range and its value.
func checkBenchRanges(rs ...benchRange) error {
	for _, r := range rs {
		if r.v >= r.lo && r.v <= r.hi {
			continue
		}
		if r.loMeaning != "" {
			return badInputf("%s %d: want %d (%s) to %d", r.flag, r.v, r.lo, r.loMeaning, r.hi)
		}
		return badInputf("%s %d: want %d to %d", r.flag, r.v, r.lo, r.hi)
	}
	return nil
}

// workloadRanges are the ranges of the flags bench append, replay and log share.
func workloadRanges(events, aggregates, size int) []benchRange {
	return []benchRange{
		{flag: "--events", v: events, lo: 1, hi: maxBenchEvents},
		{flag: "--aggregates", v: aggregates, lo: 1, hi: maxBenchEvents},
		{flag: "--size", v: size, lo: 0, hi: maxBenchSize},
	}
}

// maxLayoutWorkers bounds bench layout --workers: each tick starts that many goroutines.
const maxLayoutWorkers = 1024

// checkOutputFile checks, before a run, a file the run will write at its end (a profile):
// bad input when it is a directory or its directory does not exist. "" is no file.
func checkOutputFile(flag, path string) error {
	if path == "" {
		return nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return badInputf("%s %s: is a directory, not a file", flag, clip(path))
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		return badInputf("%s %s: its directory does not exist", flag, clip(path))
	}
	return nil
}
