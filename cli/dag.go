package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"
	"github.com/spf13/cobra"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/dag"
)

// loadDAG builds the Merkle DAG of the store: every verified event (replayed in stream
// order), every object with its previous version, and every link.
func (e *env) loadDAG(ctx context.Context) (*dag.DAG, error) {
	nc, err := e.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	events, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{Logger: e.logger})
	if err != nil {
		return nil, err
	}
	objects, err := store.OpenObjects(ctx, nc, store.ObjectStoreConfig{Logger: e.logger, EventExists: events.Exists})
	if err != nil {
		return nil, err
	}
	d := dag.New()
	_, _, err = events.Replay(ctx, store.ReplayOptions{}, func(r store.Record) error {
		if ev := r.Event; ev != nil {
			info := dag.NodeInfo{Kind: dag.KindEvent, Seq: ev.Seq, Aggregate: ev.AggregateID, Type: ev.EventType, Timestamp: ev.Timestamp}
			if err := d.AddEvent(ev.CID, info, ev.PreviousCID, ev.ParentCIDs); err != nil {
				e.logger.Warn("event left out of the DAG", "cid", ev.CID, "err", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	feed, err := objects.Subscribe(fctx)
	if err != nil {
		return nil, err
	}
	type objRec struct {
		c, prev cid.Cid
		info    dag.NodeInfo
	}
	var objs []objRec
	var links []dag.Edge
	for r := range feed {
		switch {
		case r.Object != nil:
			kind := "value"
			if _, ok := r.Object.Data.(cid.Cid); ok {
				kind = "file"
			}
			objs = append(objs, objRec{r.CID, r.Object.PreviousCID, dag.NodeInfo{Kind: dag.KindObject, Type: kind, Timestamp: r.Object.Timestamp}})
		case r.Link != nil:
			links = append(links, dag.Edge{From: r.Link.From, To: r.Link.To, Kind: dag.EdgeLink, Link: r.Link.Type})
		case r.Err != nil:
			e.logger.Warn("object store entry failed verification; left out of the DAG", "cid", r.CID, "err", r.Err)
		}
		if r.CaughtUp {
			break
		}
	}
	cancel()
	for _, o := range objs {
		d.AddNode(o.c, o.info)
	}
	var edges []dag.Edge
	for _, o := range objs {
		if o.prev.Defined() {
			edges = append(edges, dag.Edge{From: o.c, To: o.prev, Kind: dag.EdgePrevious})
		}
	}
	// File content a link names is a node of its own.
	for _, l := range links {
		for _, c := range []cid.Cid{l.From, l.To} {
			if t := c.Type(); (t == cid.Raw || t == cid.DagProtobuf) && !d.Has(c) {
				d.AddNode(c, dag.NodeInfo{Kind: dag.KindFile, Type: "file"})
			}
		}
	}
	// Stored records the DAG cannot hold (a link closing a cycle, written before links were
	// checked or by a raw client; an endpoint that failed verification) are left out with a
	// warning: one bad record never hides the rest. Link records come after the hash links,
	// in the order they were stored, so a cycle loses its newest link.
	for _, r := range d.AddEdgesSkipping(append(edges, links...)) {
		e.logger.Warn("edge left out of the DAG", "from", r.Edge.From, "to", r.Edge.To, "kind", r.Edge.Kind, "link", r.Edge.Link, "err", r.Err)
	}
	return d, nil
}

// dagErr maps DAG errors: a CID the DAG does not hold is not found (exit 1), as for get
// and cat.
func dagErr(err error) error {
	if errors.Is(err, dag.ErrUnknownNode) {
		return fmt.Errorf("%w: %w", store.ErrNotFound, err)
	}
	return err
}

// dagOptions are dag's flags (it has none; its subcommands answer).
type dagOptions struct{}

func newDagCmd(e *env) *cobra.Command {
	var o dagOptions
	cmd := &cobra.Command{
		Use:   "dag",
		Short: "Walk the Merkle DAG of events, objects and links (JSON)",
		Long: `dag replays the store (verifying every event), builds the Merkle DAG of events, objects and
links in memory and answers one question about it as one JSON line. Edges point from the newer
node to the older one (previous, parent) and from the linking object to its target.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
	cmd.AddCommand(
		newDagWalkCmd(e, "ancestors", "Everything the node points at, directly or not (older events, parents, link targets)",
			func(d *dag.DAG, c cid.Cid, n int) ([]cid.Cid, error) { return d.Ancestors(c, n) }),
		newDagWalkCmd(e, "descendants", "Everything that points at the node, directly or not",
			func(d *dag.DAG, c cid.Cid, n int) ([]cid.Cid, error) { return d.Descendants(c, n) }),
		newDagPathCmd(e),
		newDagHeadsCmd(e),
	)
	return cmd
}

func (o *dagOptions) run(_ context.Context, _ *env) error {
	return badInputf("dag needs a subcommand: ancestors, descendants, path or heads")
}

// dagWalkOptions are the flags of dag ancestors and dag descendants; name and walk say which.
type dagWalkOptions struct {
	name  string
	walk  func(d *dag.DAG, c cid.Cid, depth int) ([]cid.Cid, error)
	depth int
}

func newDagWalkCmd(e *env, name, short string, walk func(d *dag.DAG, c cid.Cid, depth int) ([]cid.Cid, error)) *cobra.Command {
	o := dagWalkOptions{name: name, walk: walk}
	cmd := &cobra.Command{
		Use:   name + " CID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), e, args[0]) },
	}
	cmd.Flags().IntVar(&o.depth, "depth", 0, "at most this many edges away (0: unbounded)")
	return cmd
}

func (o *dagWalkOptions) run(ctx context.Context, e *env, arg string) error {
	c, err := parseCIDArg("CID", arg)
	if err != nil {
		return err
	}
	if o.depth < 0 {
		return badInputf("--depth %d: want 0 (unbounded) or more", o.depth)
	}
	d, err := e.loadDAG(ctx)
	if err != nil {
		return err
	}
	got, err := o.walk(d, c, o.depth)
	if err != nil {
		return dagErr(err)
	}
	return writeJSON(e.stdout, map[string]any{"cid": c.String(), o.name: cidStrings(got), "count": len(got)})
}

// dagPathOptions are dag path's flags (it has none).
type dagPathOptions struct{}

func newDagPathCmd(e *env) *cobra.Command {
	var o dagPathOptions
	return &cobra.Command{
		Use:   "path FROM TO",
		Short: "A shortest path from FROM to TO along the edges (newer to older)",
		Args:  cobra.ExactArgs(2),
		RunE:  func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), e, args[0], args[1]) },
	}
}

func (o *dagPathOptions) run(ctx context.Context, e *env, fromArg, toArg string) error {
	from, err := parseCIDArg("FROM", fromArg)
	if err != nil {
		return err
	}
	to, err := parseCIDArg("TO", toArg)
	if err != nil {
		return err
	}
	d, err := e.loadDAG(ctx)
	if err != nil {
		return err
	}
	p, err := d.Path(from, to)
	if errors.Is(err, dag.ErrNoPath) {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	if err != nil {
		return dagErr(err)
	}
	return writeJSON(e.stdout, map[string]any{"from": from.String(), "to": to.String(), "path": cidStrings(p)})
}

// dagHeadsOptions are dag heads' flags (it has none).
type dagHeadsOptions struct{}

func newDagHeadsCmd(e *env) *cobra.Command {
	var o dagHeadsOptions
	return &cobra.Command{
		Use:   "heads",
		Short: "Every aggregate's latest event, and the nodes nothing points at",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
}

func (o *dagHeadsOptions) run(ctx context.Context, e *env) error {
	d, err := e.loadDAG(ctx)
	if err != nil {
		return err
	}
	aggs := map[string]string{}
	for a, c := range d.AggregateHeads() {
		aggs[a] = c.String()
	}
	return writeJSON(e.stdout, map[string]any{"aggregates": aggs, "heads": cidStrings(d.Heads()), "nodes": d.Len(), "edges": d.EdgeCount()})
}
