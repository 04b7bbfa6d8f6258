package cli

import (
	"strings"

	"github.com/spf13/cobra"
)

// benchSet lists the constructors of the `jetdag bench` subcommands, one line per command file.
func benchSet() []func(*env) *cobra.Command {
	return []func(*env) *cobra.Command{
		newBenchLayoutCmd, // bench_layout.go
		newBenchAppendCmd, // bench_events.go
		newBenchReplayCmd, // bench_events.go
	}
}

// newBenchCmd is the parent of the benchmarks: each subcommand measures one part of jetdag
// beside its reference and prints one JSON line.
func newBenchCmd(e *env) *cobra.Command {
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
			return badInputf("bench needs a subcommand: %s", strings.Join(names, ", "))
		},
	}
	for _, add := range benchSet() {
		cmd.AddCommand(add(e))
	}
	return cmd
}
