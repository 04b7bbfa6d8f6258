package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
	"github.com/jetdag/jetdag/systems"
)

// TestViewExploreScreenshot runs the real binaries under the test's display against a real
// server holding 400 events: view --at one event --depth 1 draws that event, its previous and
// next events and the payment it caused (4 nodes, the three neighbours marked + as
// expandable), not the store; an unknown --at exits 1 without a window.
func TestViewExploreScreenshot(t *testing.T) {
	dir := t.TempDir()
	bin := WindowBinaries(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := storetest.Start(t)
	es, err := store.OpenEvents(ctx, srv.Connect(t), store.EventStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var root *store.StoredEvent
	for i := range 400 {
		ev, err := es.Append(ctx, fmt.Sprintf("order-%d", i%40), "Step", []byte{byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		if i == 205 { // order-5's sixth event: it has a previous and a next
			root = ev
			if _, err := es.Append(ctx, "payment-5", "Taken", nil, root.CID); err != nil {
				t.Fatal(err)
			}
		}
	}

	shot := filepath.Join(dir, "explore.png")
	cmd := exec.CommandContext(ctx, bin, "view", "--nats", srv.ClientURL(), "--at", root.CID.String(), "--depth", "1",
		"--screenshot", shot, "--frames", "120", "--width", "640", "--height", "480", "--log-level", "error")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("jetdag view --at: %v\nstderr: %s", err, stderr.String())
	}
	var report struct {
		Nodes, Events, Edges int
		Explore              *struct {
			Root       string
			Depth      int
			Expandable int
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &report); err != nil {
		t.Fatalf("stdout %q: %v", stdout.String(), err)
	}
	if report.Nodes != 4 || report.Events != 4 || report.Edges != 3 || report.Explore == nil ||
		report.Explore.Root != root.CID.String() || report.Explore.Depth != 1 || report.Explore.Expandable != 3 {
		t.Fatalf("JSON line %s: want 4 nodes and 3 edges around %s, 3 of them expandable", stdout.String(), root.CID)
	}
	img := readPNG(t, shot)
	if plus := pixelsNear(img, img.Bounds(), systems.ExpandMarkColor(), 6); plus < 20 {
		t.Errorf("%d pixels of the + mark's yellow: the expandable nodes are not marked", plus)
	}
	KeepScreenshot(shot, "view-explore.png")

	// One frame: explore mode counts frames from when the neighbourhood is in, so even the
	// first counted frame has all of it.
	one := exec.CommandContext(ctx, bin, "view", "--nats", srv.ClientURL(), "--at", root.CID.String(), "--depth", "1",
		"--screenshot", shot, "--frames", "1", "--width", "320", "--height", "240", "--log-level", "error")
	out, err := one.Output()
	if err != nil || !bytes.Contains(out, []byte(`"nodes":4,`)) {
		t.Errorf("view --at --frames 1: %v, %s; want the 4 nodes", err, out)
	}

	unknown := exec.CommandContext(ctx, bin, "view", "--nats", srv.ClientURL(), "--at", "order-none", "--screenshot", shot, "--log-level", "error")
	var uerr bytes.Buffer
	unknown.Stderr = &uerr
	err = unknown.Run()
	if xe, ok := err.(*exec.ExitError); !ok || xe.ExitCode() != ExitFailure || !bytes.Contains(uerr.Bytes(), []byte("order-none")) {
		t.Errorf("view --at an unknown aggregate: %v, stderr %q; want exit 1 naming it", err, uerr.String())
	}
}
