package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/ipfs/go-cid"
	"github.com/spf13/cobra"

	"github.com/jetdag/jetdag/store"
)

func cidStrings(cs []cid.Cid) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.String()
	}
	return out
}

// exportOptions are export's flags.
type exportOptions struct {
	path, aggregate string
}

func newExportCmd(e *env) *cobra.Command {
	var o exportOptions
	cmd := &cobra.Command{
		Use:   "export --car FILE",
		Short: "Write the store (or what one aggregate reaches) to a CARv1 file",
		Long: `export writes a CARv1 file holding every verified event block, every block of the
object store (objects, UnixFS nodes and leaves) and every link record; its roots are the
aggregates' heads. --aggregate A keeps only what A's events reach (their chain, the
parents' chains, linked objects and files, and the links touching them). A new or regular
FILE is written next to it and renamed into place when complete (a symbolic link is
followed); a character device or a FIFO (/dev/null, a named pipe) is written directly;
a directory or any other kind of file is refused (exit 2). Prints one JSON line of counts.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
	cmd.Flags().StringVar(&o.path, "car", "", "CAR file to write (required)")
	cmd.Flags().StringVar(&o.aggregate, "aggregate", "", "export only what this aggregate's events reach")
	return cmd
}

func (o *exportOptions) run(ctx context.Context, e *env) error {
	if o.path == "" {
		return badInputf("--car FILE is required")
	}
	if o.aggregate != "" {
		if err := store.ValidateName("--aggregate", o.aggregate); err != nil {
			return badInput(err)
		}
	}
	out, err := createOutput("--car", o.path)
	if err != nil {
		return err
	}
	defer out.abort()
	st, err := e.openStores(ctx, true)
	if err != nil {
		return err
	}
	defer st.close()
	stats, err := store.ExportCAR(ctx, out, st.events, st.objects, store.ExportOptions{Aggregate: o.aggregate})
	if err != nil {
		return objectErr(err)
	}
	if err := out.commit(); err != nil {
		return err
	}
	return writeJSON(e.stdout, map[string]any{
		"file": o.path, "roots": cidStrings(stats.Roots), "events": stats.Events,
		"objects": stats.Objects, "links": stats.Links, "file_blocks": stats.FileBlocks,
		"other_blocks": stats.Other, "rejected": stats.Rejected,
	})
}

// importOptions are import's flags.
type importOptions struct {
	path  string
	trust trustFlags // --checkpoint, --log-vkey
}

func newImportCmd(e *env) *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import --car FILE",
		Short: "Verify a CAR file and load its events and blocks into the store",
		Long: `import reads a CAR file (v1 or v2) twice: first it verifies every block (each hashes
to its CID, events are canonical and their previous events and parents are in the file
or in the store) and loads nothing if any check fails (exit 1 for a block that fails
verification, 2 for a file that is not a CAR); then it loads the blocks into the object
store and appends the events so that each comes after its previous event and parents.
What is already stored is skipped, so an import can be repeated. Prints one JSON line of
counts; messages_read is how many stream messages it read and verified first. Before its
checks import reads and verifies the whole stream; with --checkpoint latest|FILE --log-vkey V
it reads and verifies only the messages after that verified log checkpoint (and the headers
of those stored within the stream's duplicate window before it), finds older events through
the CID index, and starts the aggregates' heads from the checkpoint.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
	cmd.Flags().StringVar(&o.path, "car", "", "CAR file to read (required)")
	o.trust.register(cmd)
	return cmd
}

func (o *importOptions) run(ctx context.Context, e *env) error {
	if o.path == "" {
		return badInputf("--car FILE is required")
	}
	// Stat first: opening a FIFO would wait for a writer.
	if fi, err := os.Stat(o.path); err == nil && !fi.Mode().IsRegular() {
		return badInputf("--car %s: is %s; import reads the file twice, so it must be a regular file", o.path, fileKind(fi.Mode()))
	}
	if err := o.trust.check(); err != nil {
		return err
	}
	f, err := openInput("--car", o.path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := e.openStores(ctx, true)
	if err != nil {
		return err
	}
	defer st.close()
	if err := o.trust.apply(ctx, e, st.events); err != nil {
		return err
	}
	stats, err := store.ImportCAR(ctx, f, st.events, st.objects)
	if err != nil {
		return objectErr(fmt.Errorf("import %s: %w", o.path, err))
	}
	return writeJSON(e.stdout, map[string]any{
		"file": o.path, "roots": cidStrings(stats.Roots), "events": stats.Events,
		"events_present": stats.EventsPresent, "blocks": stats.Blocks, "links": stats.Links,
		"blocks_present": stats.BlocksPresent, "messages_read": stats.MessagesRead,
	})
}
