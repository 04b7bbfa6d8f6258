package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ipfs/go-cid"
	"github.com/spf13/cobra"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
)

// stores is what the object and CAR commands open: the object store and, when asked for,
// the event store (whose Exists lets links name events).
type stores struct {
	objects *store.JetStreamObjects
	events  *store.JetStreamEvents
	close   func()
}

// openStores connects and opens the object store, and the event store when withEvents.
func (e *env) openStores(ctx context.Context, withEvents bool) (*stores, error) {
	nc, err := e.connect(ctx)
	if err != nil {
		return nil, err
	}
	st := &stores{close: func() { _ = nc.Drain() }}
	cfg := store.ObjectStoreConfig{Logger: e.logger}
	if withEvents {
		if st.events, err = store.OpenEvents(ctx, nc, store.EventStoreConfig{Logger: e.logger}); err != nil {
			nc.Close()
			return nil, err
		}
		cfg.EventExists = st.events.Exists
		cfg.EventLookup = st.events.Get
		st.close = func() {
			_ = st.events.Close(ctx)
			_ = st.events.Flush(ctx)
			_ = nc.Drain()
		}
	}
	if st.objects, err = store.OpenObjects(ctx, nc, cfg); err != nil {
		nc.Close()
		return nil, err
	}
	return st, nil
}

// objectErr maps object store errors to exit codes: a missing file or a malformed value is
// bad input (2); a verification failure or a missing block is a failure (1).
func objectErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrCorrupt), errors.Is(err, store.ErrNotFound):
		return err
	}
	return storeErr(err)
}

// putOptions are put's flags; the ...Set fields say which flags were given.
type putOptions struct {
	file, previous                     string
	timestamp                          int64
	asJSON                             bool
	fileSet, previousSet, timestampSet bool
}

func newPutCmd(e *env) *cobra.Command {
	var o putOptions
	cmd := &cobra.Command{
		Use:   "put",
		Short: "Store a file (or stdin) or a JSON value as an object",
		Long: `put stores an object and prints {"cid", "content", "size"}.

Without --json the bytes of --file (or of stdin) become a UnixFS file with the
unixfs-v1-2025 profile: "content" is its root CID (the one IPFS gives the same bytes),
"size" its length, and "cid" the object block linking to it.

With --json the input is one JSON value stored inline as a structured value (DAG-JSON:
integers stay integers, {"/":"<CID>"} is a link); "content" is null and "size" the
object block's length.

--previous names the object's previous version; --timestamp (Unix nanoseconds) makes
the same input give the same CID.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flags()
			o.fileSet, o.previousSet, o.timestampSet = f.Changed("file"), f.Changed("previous"), f.Changed("timestamp")
			return o.run(cmd.Context(), e)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.file, "file", "", "read the content from this file instead of stdin")
	f.StringVar(&o.previous, "previous", "", "CID of the object's previous version")
	f.Int64Var(&o.timestamp, "timestamp", 0, "object timestamp in Unix nanoseconds (default now)")
	f.BoolVar(&o.asJSON, "json", false, "store the input as a structured JSON value instead of a file")
	return cmd
}

func (o *putOptions) run(ctx context.Context, e *env) error {
	prev, err := optionalCIDFlag(o.previousSet, "previous", o.previous)
	if err != nil {
		return err
	}
	var opts []store.ObjectOption
	if o.timestampSet {
		if o.timestamp <= 0 {
			return badInputf("--timestamp %d: want Unix nanoseconds, greater than 0", o.timestamp)
		}
		opts = append(opts, store.WithTimestamp(o.timestamp))
	}
	var in io.Reader = e.stdin
	if o.fileSet {
		f, err := openInput("--file", o.file)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	} else if isTerminal(e.stdin) {
		return badInputf("give --file or pipe the data on stdin")
	}
	var value any
	if o.asJSON {
		b, err := io.ReadAll(io.LimitReader(in, store.MaxObjectBlockSize+1))
		if err != nil {
			return err
		}
		if len(b) > store.MaxObjectBlockSize {
			return badInputf("JSON input is larger than %d bytes; store it as a file", store.MaxObjectBlockSize)
		}
		if value, err = block.DecodeDAGJSON(b); err != nil {
			return badInput(err)
		}
	}
	st, err := e.openStores(ctx, false)
	if err != nil {
		return err
	}
	defer st.close()
	if o.asJSON {
		c, err := st.objects.Store(ctx, value, prev, opts...)
		if err != nil {
			return objectErr(err)
		}
		info, err := st.objects.Stat(ctx, c)
		if err != nil {
			return objectErr(err)
		}
		return writeJSON(e.stdout, map[string]any{"cid": c.String(), "content": nil, "size": info.Size})
	}
	res, err := st.objects.PutReader(ctx, bufio.NewReaderSize(in, 1<<16), prev, opts...)
	if err != nil {
		return objectErr(err)
	}
	return writeJSON(e.stdout, map[string]any{"cid": res.CID.String(), "content": res.Content.String(), "size": res.Size})
}

// catOptions are cat's flags (it has none).
type catOptions struct{}

func newCatCmd(e *env) *cobra.Command {
	var o catOptions
	return &cobra.Command{
		Use:   "cat CID",
		Short: "Write an object's file content (or a content CID's) to stdout, verified",
		Long: `cat streams the file content of an object, or of a UnixFS content CID, to stdout.
Every block is verified against its CID before any of its bytes are written: on a
tampered block cat stops with exit code 1, having written only the verified blocks
before it. An object holding a structured value is printed as one DAG-JSON line.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), e, args[0]) },
	}
}

func (o *catOptions) run(ctx context.Context, e *env, arg string) error {
	c, err := parseCIDArg("CID", arg)
	if err != nil {
		return err
	}
	st, err := e.openStores(ctx, false)
	if err != nil {
		return err
	}
	defer st.close()
	if c.Type() == cid.DagCBOR {
		obj, err := st.objects.Get(ctx, c)
		if err != nil {
			return objectErr(err)
		}
		if content, ok := obj.Data.(cid.Cid); !ok || (content.Type() != cid.Raw && content.Type() != cid.DagProtobuf) {
			b, err := block.EncodeDAGJSON(obj.Data)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(e.stdout, "%s\n", b)
			return err
		}
	}
	_, err = st.objects.Cat(ctx, c, e.stdout)
	return objectErr(err)
}

// linkOptions are link's flags.
type linkOptions struct {
	linkType    string
	linkTypeSet bool
}

func newLinkCmd(e *env) *cobra.Command {
	var o linkOptions
	cmd := &cobra.Command{
		Use:   "link FROM TO",
		Short: "Record a typed link between two stored CIDs (objects or events)",
		Long: `link stores a link record {"from", "to", "type", "timestamp"} in the object store and
prints it with its CID. Both ends must be stored objects, file content or events.
Types: Previous, Contains, DerivedFrom, References, or any other name of at most 64 bytes.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.linkTypeSet = cmd.Flags().Changed("type")
			return o.run(cmd.Context(), e, args[0], args[1])
		},
	}
	cmd.Flags().StringVar(&o.linkType, "type", "", "link type: Previous, Contains, DerivedFrom, References or a custom name (required)")
	return cmd
}

func (o *linkOptions) run(ctx context.Context, e *env, fromArg, toArg string) error {
	from, err := parseCIDArg("FROM", fromArg)
	if err != nil {
		return err
	}
	to, err := parseCIDArg("TO", toArg)
	if err != nil {
		return err
	}
	if !o.linkTypeSet {
		return badInputf("--type is required")
	}
	if err := store.ValidateLinkType(o.linkType); err != nil {
		return badInput(fmt.Errorf("--type: %w", err))
	}
	st, err := e.openStores(ctx, true)
	if err != nil {
		return err
	}
	defer st.close()
	l, err := st.objects.LinkObjects(ctx, from, to, o.linkType)
	if err != nil {
		return objectErr(err)
	}
	return writeJSON(e.stdout, linkJSON(l))
}

func linkJSON(l store.Link) map[string]any {
	return map[string]any{"cid": l.CID.String(), "from": l.From.String(), "to": l.To.String(), "type": l.Type, "timestamp": l.Timestamp}
}

// linksOptions are links' flags (it has none).
type linksOptions struct{}

func newLinksCmd(e *env) *cobra.Command {
	var o linksOptions
	return &cobra.Command{
		Use:   "links",
		Short: "Print every link record, verified, one JSON line each",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
}

func (o *linksOptions) run(ctx context.Context, e *env) error {
	st, err := e.openStores(ctx, false)
	if err != nil {
		return err
	}
	defer st.close()
	links, err := st.objects.Links(ctx)
	if err != nil {
		return err
	}
	for _, l := range links {
		if err := writeJSON(e.stdout, linkJSON(l)); err != nil {
			return err
		}
	}
	return nil
}
