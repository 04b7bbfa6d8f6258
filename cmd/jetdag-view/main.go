// Command jetdag-view is jetdag with its window: every jetdag command, plus `view` (and the
// bare command) opening the live Merkle DAG visualizer in-process. The jetdag binary hands
// `view` to it, so that jetdag itself never needs a display.
package main

import (
	"os"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/cli/viewer"
)

func main() {
	os.Exit(cli.MainWithViewer(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, viewer.Run))
}
