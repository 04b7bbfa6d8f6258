package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/layout"
)

// runBench runs `jetdag bench ...` in-process (no server needed).
func runBench(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), append([]string{"bench"}, args...), strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func TestBenchLayoutGenerateThenRun(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "g.json")
	out, errs, code := runBench(t, "layout", "--generate", "2000", "--out", file, "--seed", "5")
	if code != cli.ExitOK {
		t.Fatalf("generate: exit %d: %s", code, errs)
	}
	var gen struct {
		Generated    string
		Nodes, Edges int
	}
	if err := json.Unmarshal([]byte(out), &gen); err != nil {
		t.Fatalf("generate printed %q: %v", out, err)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	g, err := layout.ReadGraph(f)
	f.Close()
	if err != nil {
		t.Fatalf("the generated file does not read back: %v", err)
	}
	if gen.Generated != file || gen.Nodes != 2000 || g.Nodes != 2000 || gen.Edges != len(g.Edges) || gen.Edges < 2000 {
		t.Fatalf("generate reported %+v, the file holds %d nodes and %d edges", gen, g.Nodes, len(g.Edges))
	}

	for _, tc := range []struct {
		name  string
		args  []string
		ticks int
		theta float64
	}{
		{"defaults", []string{"--ticks", "5"}, 5, 0.9},
		{"exact-ish theta, one worker", []string{"--ticks", "2", "--theta", "0.3", "--workers", "1"}, 2, 0.3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := runBench(t, append([]string{"layout", "--graph", file}, tc.args...)...)
			if code != cli.ExitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			if strings.Count(out, "\n") != 1 {
				t.Fatalf("want one JSON line, got %q", out)
			}
			var res struct {
				MsPerTick  float64 `json:"ms_per_tick"`
				Nodes      int     `json:"nodes"`
				Edges      int     `json:"edges"`
				Ticks      int     `json:"ticks"`
				Theta      float64 `json:"theta"`
				MedianEdge float64 `json:"median_edge"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("printed %q: %v", out, err)
			}
			if !(res.MsPerTick > 0) || res.Nodes != 2000 || res.Edges != len(g.Edges) || res.Ticks != tc.ticks ||
				res.Theta != tc.theta || !(res.MedianEdge > 0) {
				t.Fatalf("result %+v", res)
			}
		})
	}

	t.Run("generate to stdout", func(t *testing.T) {
		out, errs, code := runBench(t, "layout", "--generate", "50", "--out", "-")
		if code != cli.ExitOK {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if g, err := layout.ReadGraph(strings.NewReader(out)); err != nil || g.Nodes != 50 {
			t.Fatalf("stdout graph: %d nodes, %v", g.Nodes, err)
		}
	})
}

func TestBenchLayoutBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"nodes": 2, "edges": [[0, 5]]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, []byte(`{"nodes": 2, "edges": [[0, 1]]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bench without a subcommand", nil, "needs a subcommand: append, frame, layout, log, replay, resume"},
		{"unknown bench subcommand", []string{"nosuch"}, "nosuch"},
		{"no graph", []string{"layout"}, "--graph FILE is required"},
		{"missing file", []string{"layout", "--graph", filepath.Join(dir, "none.json")}, "no such file"},
		{"malformed graph", []string{"layout", "--graph", bad}, "names node 5"},
		{"zero ticks", []string{"layout", "--graph", good, "--ticks", "0"}, "--ticks 0"},
		{"negative theta", []string{"layout", "--graph", good, "--theta", "-1"}, "--theta -1"},
		{"negative workers", []string{"layout", "--graph", good, "--workers", "-2"}, "--workers -2"},
		{"generate without out", []string{"layout", "--generate", "10"}, "needs --out"},
		{"generate and graph", []string{"layout", "--generate", "10", "--out", "x", "--graph", good}, "give one of them"},
		{"negative generate", []string{"layout", "--generate", "-1", "--out", "x"}, "--generate -1"},
		{"unwritable out", []string{"layout", "--generate", "10", "--out", filepath.Join(dir, "no", "dir.json")}, "--out"},
		{"not a number", []string{"layout", "--graph", good, "--ticks", "many"}, "invalid argument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := runBench(t, tc.args...)
			if code != cli.ExitBadInput {
				t.Fatalf("exit %d (stdout %q, stderr %q), want %d", code, out, errs, cli.ExitBadInput)
			}
			if !strings.Contains(errs, tc.want) {
				t.Fatalf("stderr %q does not say %q", errs, tc.want)
			}
		})
	}
}
