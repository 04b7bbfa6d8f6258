package block_test

import (
	"flag"
	"os"
	"testing"
)

// TestMain caps how long the fuzzer minimises each new interesting input at 2s unless
// -fuzzminimizetime is given: with the default (60s) a short CI fuzz run (make fuzz, 15-20s)
// spends most of its time minimising kilobyte-sized garbage fixtures instead of fuzzing.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.fuzzminimizetime" })
	if !set {
		if err := flag.Set("test.fuzzminimizetime", "2s"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
