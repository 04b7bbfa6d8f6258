package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"testing"
	"time"
)

// TestBenchFrame runs `jetdag bench frame` small through the real binaries under the test's
// display (jetdag hands it to jetdag-view, which opens the window) and checks its JSON line.
func TestBenchFrame(t *testing.T) {
	bin := WindowBinaries(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "bench", "frame", "--nodes", "2000", "--edges", "2600", "--frames", "8")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("jetdag bench frame: %v\nstderr: %s", err, stderr.String())
	}
	var fields map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &fields); err != nil {
		t.Fatalf("stdout %q is not one JSON object: %v", stdout.String(), err)
	}
	for _, k := range []string{"nodes", "edges", "fps_static", "fps_moving", "draw_calls", "reference_fps"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("field %q missing from %s", k, stdout.String())
		}
	}
	var res struct {
		Nodes, Edges int
		FPSStatic    float64 `json:"fps_static"`
		FPSMoving    float64 `json:"fps_moving"`
		DrawCalls    int     `json:"draw_calls"`
		NodesDrawn   int     `json:"nodes_drawn"`
		EdgesDrawn   int     `json:"edges_drawn"`
		ReferenceFPS float64 `json:"reference_fps"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Nodes != 2000 || res.Edges != 2600 {
		t.Errorf("nodes %d edges %d, want 2000 and 2600", res.Nodes, res.Edges)
	}
	if res.FPSStatic <= 0 || res.FPSMoving <= 0 || res.ReferenceFPS <= 0 {
		t.Errorf("frame rates %v %v reference %v: want all above 0", res.FPSStatic, res.FPSMoving, res.ReferenceFPS)
	}
	if res.DrawCalls < 1 || res.NodesDrawn != 2000 || res.EdgesDrawn != 2600 {
		t.Errorf("draw_calls %d, drew %d nodes and %d edges: want at least one call and the whole fitted graph", res.DrawCalls, res.NodesDrawn, res.EdgesDrawn)
	}

	var mem struct {
		Window  int64   `json:"rss_window_bytes"`
		View    int64   `json:"rss_view_bytes"`
		PerNode float64 `json:"bytes_per_node_view_over_window"`
		Target  float64 `json:"target_bytes_per_node"`
		Moving  struct {
			CPUMS float64 `json:"cpu_ms"`
		} `json:"moving_cost"`
		Breakdown map[string]struct {
			RSS      int64 `json:"rss_bytes"`
			HeapLive int64 `json:"go_heap_live_bytes"`
		} `json:"memory"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &mem); err != nil {
		t.Fatal(err)
	}
	if mem.Window <= 0 || mem.View < mem.Window || mem.Target != 1536 ||
		mem.PerNode != float64(mem.View-mem.Window)/2000 {
		t.Errorf("memory: window %d, view peak %d, %v bytes a node over the window, target %v", mem.Window, mem.View, mem.PerNode, mem.Target)
	}
	if mem.Moving.CPUMS <= 0 {
		t.Errorf("moving_cost.cpu_ms %v, want the CPU a moving frame took", mem.Moving.CPUMS)
	}
	for _, phase := range []string{"start", "window", "reference", "view", "layout"} {
		if m := mem.Breakdown[phase]; m.RSS <= 0 || m.HeapLive <= 0 {
			t.Errorf("memory.%s: %+v, want a resident set and a live heap", phase, m)
		}
	}

	bad := exec.CommandContext(ctx, bin, "bench", "frame", "--nodes", "0")
	if err := bad.Run(); err == nil || bad.ProcessState.ExitCode() != 2 {
		t.Errorf("bench frame --nodes 0: %v, want exit code 2", err)
	}
}

// TestBenchFrameNoReference: with --no-reference the reference phase does not run (no
// reference frame rate) and the view is still measured from the empty window on.
func TestBenchFrameNoReference(t *testing.T) {
	bin := WindowBinaries(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "bench", "frame", "--nodes", "1500", "--edges", "1800", "--frames", "6", "--no-reference")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("jetdag bench frame --no-reference: %v\nstderr: %s", err, stderr.String())
	}
	var res struct {
		Nodes        int     `json:"nodes"`
		FPSStatic    float64 `json:"fps_static"`
		FPSMoving    float64 `json:"fps_moving"`
		FPSLayout    float64 `json:"fps_layout"`
		ReferenceFPS float64 `json:"reference_fps"`
		Window       int64   `json:"rss_window_bytes"`
		View         int64   `json:"rss_view_bytes"`
		PerNode      float64 `json:"bytes_per_node_view_over_window"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("stdout %q is not one JSON object: %v", stdout.String(), err)
	}
	if res.ReferenceFPS != 0 {
		t.Errorf("reference_fps %v with --no-reference, want 0 (the reference did not run)", res.ReferenceFPS)
	}
	if res.Nodes != 1500 || res.FPSStatic <= 0 || res.FPSMoving <= 0 || res.FPSLayout <= 0 {
		t.Errorf("nodes %d, frame rates %v %v %v: want 1500 and the three view phases measured", res.Nodes, res.FPSStatic, res.FPSMoving, res.FPSLayout)
	}
	if res.Window <= 0 || res.View < res.Window || res.PerNode != float64(res.View-res.Window)/1500 {
		t.Errorf("memory: window %d, view peak %d, %v bytes a node over the window", res.Window, res.View, res.PerNode)
	}
}
