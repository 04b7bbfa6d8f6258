package cli

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// versionOptions are version's flags (it has none).
type versionOptions struct{}

func newVersionCmd(e *env) *cobra.Command {
	var o versionOptions
	return &cobra.Command{
		Use:   "version",
		Short: "Print the jetdag version and the wire-format version",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
}

func (o *versionOptions) run(_ context.Context, e *env) error {
	v := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		v = bi.Main.Version
	}
	_, err := fmt.Fprintf(e.stdout, "{\"version\":%q,\"format\":1}\n", v)
	return err
}
