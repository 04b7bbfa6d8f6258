package viewer

import (
	"os"
	"runtime"
	"runtime/debug"
	"testing"
)

// TestSnapshotMemory reads this process's real /proc/self/status and runtime metrics: a
// 64 MiB block kept live shows in the live heap after a GC and in the resident set, the
// resident set splits into anonymous and file pages, and Go's resident memory is what it
// mapped less what it returned.
func TestSnapshotMemory(t *testing.T) {
	runtime.GC()
	mark := markCost()
	before := snapshotMemory()
	if before.RSS <= 0 || before.RSSAnon <= 0 || before.RSSFile <= 0 {
		t.Fatalf("no resident set read: %+v", before)
	}
	const size = 64 << 20
	block := make([]byte, size)
	for i := range block {
		block[i] = byte(i)
	}
	runtime.GC()
	after := snapshotMemory()
	runtime.KeepAlive(block)
	if grew := after.HeapLive - before.HeapLive; grew < size*9/10 || grew > size+size/4 {
		t.Errorf("live heap grew by %d with a %d-byte block live", grew, size)
	}
	if grew := after.RSS - before.RSS; grew < size*3/4 {
		t.Errorf("resident set grew by %d with a %d-byte block written", grew, size)
	}
	if d := after.RSS - after.RSSAnon - after.RSSFile; d < 0 || d > after.RSS/10 {
		t.Errorf("VmRSS %d is not about RssAnon %d + RssFile %d", after.RSS, after.RSSAnon, after.RSSFile)
	}
	if after.GoResident != after.GoMapped-after.HeapReleased || after.GoResident < after.HeapLive {
		t.Errorf("Go resident %d, mapped %d, released %d, live %d", after.GoResident, after.GoMapped, after.HeapReleased, after.HeapLive)
	}
	if after.GCCycles <= before.GCCycles || after.GOGC == 0 {
		t.Errorf("gc cycles %d → %d, GOGC %d", before.GCCycles, after.GCCycles, after.GOGC)
	}
	// Over two "frames": the block allocated, written and collected once.
	if c := mark.since(2); c.AllocBytes < size/2 || c.GCCycles < 0.5 || c.CPUMS <= 0 {
		t.Errorf("cost per frame %+v, want at least %d bytes, half a GC and some CPU", c, size/2)
	}
}

// TestTuneGC: without GOGC in the environment the window runs at WindowGOGC; with it, the
// environment's choice stands.
func TestTuneGC(t *testing.T) {
	prev := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(prev) })
	t.Setenv("GOGC", "") // restores the environment's GOGC after the test
	os.Unsetenv("GOGC")
	tuneGC()
	if got := snapshotMemory().GOGC; got != WindowGOGC {
		t.Errorf("GOGC unset: the window runs at %d, want %d", got, WindowGOGC)
	}
	debug.SetGCPercent(100)
	t.Setenv("GOGC", "100")
	tuneGC()
	if got := snapshotMemory().GOGC; got != 100 {
		t.Errorf("GOGC=100 in the environment: the window runs at %d", got)
	}
}
