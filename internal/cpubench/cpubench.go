// Package cpubench lets a benchmark report the CPU time an operation took beside its wall
// time: on the shared, loaded machine the benchmarks run on, the wall time of an operation
// moves with the neighbours' load, its CPU time far less.
package cpubench

import (
	"runtime"
	"testing"
)

// Loop runs f b.N times (b.Loop) on one locked OS thread and reports the thread's CPU time
// (user and system) per operation as cpu-ms/op, and the whole process's as proc-cpu-ms/op:
// the two differ by what other goroutines did meanwhile (work f hands to another goroutine,
// and the garbage collector). Where they cannot be read it reports nothing beside the wall
// time.
func Loop(b *testing.B, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c0, ok := threadCPU()
	p0, pok := processCPU()
	for b.Loop() {
		f()
	}
	if c1, ok1 := threadCPU(); ok && ok1 {
		b.ReportMetric(float64(c1-c0)/float64(b.N)/1e6, "cpu-ms/op")
	}
	if p1, ok1 := processCPU(); pok && ok1 {
		b.ReportMetric(float64(p1-p0)/float64(b.N)/1e6, "proc-cpu-ms/op")
	}
}
