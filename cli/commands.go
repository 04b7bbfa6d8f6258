package cli

import "github.com/spf13/cobra"

// commandSet lists the constructors of the top-level commands, one line per command file.
func commandSet() []func(*env) *cobra.Command {
	return []func(*env) *cobra.Command{
		newVersionCmd,
	}
}
