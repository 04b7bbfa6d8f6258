package cli

import "github.com/spf13/cobra"

// commandSet lists the constructors of the top-level commands, one line per command file.
func commandSet() []func(*env) *cobra.Command {
	return []func(*env) *cobra.Command{
		newVersionCmd, // version.go
		newDagCmd,     // dag.go
		newServeCmd,   // serve.go
		newInitCmd,    // events.go
		newAppendCmd,  // events.go
		newGetCmd,     // events.go
		newHistoryCmd, // events.go
		newTailCmd,    // events.go
		newVerifyCmd,  // verify.go
		newPutCmd,     // objects.go
		newCatCmd,     // objects.go
		newLinkCmd,    // objects.go
		newLinksCmd,   // objects.go
		newExportCmd,  // car.go
		newImportCmd,  // car.go
		newBenchCmd,   // bench.go
		newViewCmd,    // view.go
		newBlockCmd,   // block.go
		newStatsCmd,   // stats.go
		newLogCmd,     // log.go
		newWitnessCmd, // witness.go
		newLoadCmd,    // load.go

		newGatewayCmd, // gateway.go
	}
}
