package components

import (
	"testing"
	"unsafe"
)

// TestDddElementSize: every node holds one DddElementData in its own allocation; 72 bytes
// is an 80-byte size class, where the former field order (88) took 96.
func TestDddElementSize(t *testing.T) {
	if n := unsafe.Sizeof(DddElementData{}); n > 72 {
		t.Errorf("DddElementData is %d bytes, want at most 72", n)
	}
}
