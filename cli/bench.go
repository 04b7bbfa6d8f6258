package cli

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/spf13/cobra"
)

// benchSet lists the constructors of the `jetdag bench` subcommands, one line per command file.
func benchSet() []func(*env) *cobra.Command {
	return []func(*env) *cobra.Command{
		newBenchLayoutCmd, // bench_layout.go
		newBenchAppendCmd, // bench_events.go
		newBenchReplayCmd, // bench_events.go
		newBenchResumeCmd, // bench_log.go
		newBenchLogCmd,    // bench_log.go
		newBenchFrameCmd,  // bench_frame.go
	}
}

// benchOptions are the flags bench gives all its subcommands.
type benchOptions struct {
	profile string // --cpuprofile
}

// newBenchCmd is the parent of the benchmarks: each subcommand measures one part of jetdag
// beside its reference and prints one JSON line.
func newBenchCmd(e *env) *cobra.Command {
	var o benchOptions
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure jetdag beside its references (prints one JSON line per run)",
		Long: `bench runs one of jetdag's benchmarks and prints its figures as one JSON line, so that
scripts can compare runs. Each subcommand documents the reference it is measured against.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var names []string
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() {
					names = append(names, sub.Name())
				}
			}
			return o.run(cmd.Context(), e, names)
		},
	}
	cmd.PersistentFlags().StringVar(&o.profile, "cpuprofile", "", "write a Go CPU profile of the run (client and embedded server) to this file")
	for _, add := range benchSet() {
		sub := add(e)
		sub.RunE = profiled(&o.profile, sub.RunE)
		cmd.AddCommand(sub)
	}
	return cmd
}

// run is bench without a subcommand: bad input naming the subcommands.
func (o *benchOptions) run(_ context.Context, _ *env, subcommands []string) error {
	return badInputf("bench needs a subcommand: %s", strings.Join(subcommands, ", "))
}

// profiled wraps a benchmark's RunE so that a --cpuprofile run writes a CPU profile of it.
func profiled(path *string, run func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if *path == "" {
			return run(cmd, args)
		}
		f, err := os.Create(*path)
		if err != nil {
			return badInputf("--cpuprofile: %v", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
		return run(cmd, args)
	}
}
