package viewer

import (
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
)

// MemSnapshot is where the process's memory is at one point of `jetdag bench frame`: its
// resident set from /proc/self/status (anonymous and file-backed pages apart: the shared
// libraries of Mesa, LLVM and X count as file pages) beside what the Go runtime says of its own
// memory (runtime/metrics). GoResident is what Go has mapped minus what it has returned to the
// OS; COther is the resident anonymous memory beyond it: the C side (Mesa's llvmpipe buffers,
// X11, cgo allocations) and thread stacks outside Go's accounting. Figures are bytes, 0 where
// /proc is missing.
type MemSnapshot struct {
	RSS     int64 `json:"rss_bytes"`
	RSSAnon int64 `json:"rss_anon_bytes"`
	RSSFile int64 `json:"rss_file_bytes"`
	// HeapLive is the heap marked live by the last GC; HeapObjects the heap in objects now
	// (live and garbage not yet swept); HeapFree the free heap Go keeps without returning it;
	// HeapReleased what it has returned.
	HeapLive     int64 `json:"go_heap_live_bytes"`
	HeapObjects  int64 `json:"go_heap_objects_bytes"`
	HeapFree     int64 `json:"go_heap_free_bytes"`
	HeapReleased int64 `json:"go_heap_released_bytes"`
	// GoMapped is all the memory the runtime has mapped (heap, stacks, metadata);
	// GoResident is GoMapped less HeapReleased.
	GoMapped   int64 `json:"go_mapped_bytes"`
	GoResident int64 `json:"go_resident_bytes"`
	COther     int64 `json:"c_other_bytes"`
	// GCCycles counts the GCs so far; GOGC and MemoryLimit are the settings in force.
	GCCycles    int64 `json:"gc_cycles"`
	GOGC        int64 `json:"gogc_percent"`
	MemoryLimit int64 `json:"go_memory_limit_bytes"`
}

// FrameBenchMemory holds the benchmark's memory snapshots, in the order they are taken: Start
// before the window opens, Window after a few frames of the empty 1280x1024 window (the
// baseline every node is counted over), Reference after the 20k-diamond phase, View at the end
// of the moving phase and Layout at the end of the force-layout phase.
type FrameBenchMemory struct {
	Start     MemSnapshot `json:"start"`
	Window    MemSnapshot `json:"window"`
	Reference MemSnapshot `json:"reference"`
	View      MemSnapshot `json:"view"`
	Layout    MemSnapshot `json:"layout"`
}

// memSamples are the runtime/metrics samples a MemSnapshot reads, in the order snapshotMemory
// indexes them.
func memSamples() []metrics.Sample {
	names := [...]string{
		"/gc/heap/live:bytes",
		"/memory/classes/heap/objects:bytes",
		"/memory/classes/heap/free:bytes",
		"/memory/classes/heap/released:bytes",
		"/memory/classes/total:bytes",
		"/gc/cycles/total:gc-cycles",
		"/gc/gogc:percent",
		"/gc/gomemlimit:bytes",
	}
	samples := make([]metrics.Sample, len(names))
	for i, n := range names {
		samples[i].Name = n
	}
	return samples
}

// snapshotMemory reads the process's memory now.
func snapshotMemory() MemSnapshot {
	samples := memSamples()
	metrics.Read(samples)
	v := func(i int) int64 {
		if samples[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		u := samples[i].Value.Uint64()
		if u > 1<<62 {
			return 1 << 62 // no memory limit reads as MaxInt64
		}
		return int64(u)
	}
	status := procStatusAll()
	m := MemSnapshot{
		RSS: status["VmRSS"], RSSAnon: status["RssAnon"], RSSFile: status["RssFile"],
		HeapLive: v(0), HeapObjects: v(1), HeapFree: v(2), HeapReleased: v(3), GoMapped: v(4),
		GCCycles: v(5), GOGC: v(6), MemoryLimit: v(7),
	}
	m.GoResident = m.GoMapped - m.HeapReleased
	if m.RSSAnon > 0 {
		m.COther = max(m.RSSAnon-m.GoResident, 0)
	}
	return m
}

// procStatusAll reads the "kB" figures of /proc/self/status, in bytes by name (empty where
// there is no such file).
func procStatusAll() map[string]int64 {
	out := map[string]int64{}
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		num, ok := strings.CutSuffix(rest, " kB")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
		if err != nil {
			continue
		}
		out[name] = kb * 1024
	}
	return out
}

// procStatus reads one "kB" figure of /proc/self/status (VmRSS, VmHWM) in bytes, or 0
// where there is no such file or line.
func procStatus(key string) int64 { return procStatusAll()[key] }

// FrameCost is what the measured frames of a phase cost the process, per frame: CPU time
// of every thread (user and system, getrusage), GC cycles and heap bytes allocated. CPU time
// is what a GC setting changes, and it is less disturbed by a loaded machine than frame rates.
type FrameCost struct {
	CPUMS      float64 `json:"cpu_ms"`
	GCCycles   float64 `json:"gc_cycles"`
	AllocBytes float64 `json:"alloc_bytes"`
}

// costMark is the process's CPU time, GC count and allocated bytes at one moment.
type costMark struct {
	cpu    time.Duration
	gcs    uint64
	allocs uint64
}

// markCost reads the process's CPU time, GC count and allocated bytes now.
func markCost() costMark {
	m := costMark{cpu: processCPU()}
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		m.gcs = s[0].Value.Uint64()
	}
	if s[1].Value.Kind() == metrics.KindUint64 {
		m.allocs = s[1].Value.Uint64()
	}
	return m
}

// since is the cost per frame of the frames since m.
func (m costMark) since(frames int) FrameCost {
	now := markCost()
	f := float64(max(frames, 1))
	return FrameCost{
		CPUMS:      float64(now.cpu-m.cpu) / float64(time.Millisecond) / f,
		GCCycles:   float64(now.gcs-m.gcs) / f,
		AllocBytes: float64(now.allocs-m.allocs) / f,
	}
}
