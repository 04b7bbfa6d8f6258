// Command jetdag is a verifiable event store and object store on NATS JetStream with a live
// desktop visualizer of its Merkle DAG. See README.md for the quick start and the CLI reference.
package main

import (
	"os"

	"github.com/jetdag/jetdag/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
