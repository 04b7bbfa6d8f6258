package viewer

import (
	"encoding/json"
	"fmt"

	"github.com/jetdag/jetdag/cli"
)

// benchFrame runs `jetdag bench frame` in the window and prints its JSON line.
func benchFrame(r cli.ViewRequest) error {
	fb := r.FrameBench
	res, err := BenchFrame(FrameBenchOptions{Nodes: fb.Nodes, Edges: fb.Edges, Frames: fb.Frames,
		CPUProfile: fb.CPUProfile, MemProfile: fb.MemProfile, NoReference: fb.NoReference})
	if err != nil {
		return fmt.Errorf("bench frame: %w", err)
	}
	if err := json.NewEncoder(r.Stdout).Encode(res); err != nil {
		return fmt.Errorf("bench frame: write the result: %w", err)
	}
	return nil
}
