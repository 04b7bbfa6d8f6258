package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/jetdag/jetdag/store"
)

// statsJSON is the line `jetdag stats` prints.
type statsJSON struct {
	// Events is the number of messages in the event stream (rejected ones included).
	Events uint64 `json:"events"`
	// Aggregates is the number of distinct aggregate IDs among the stream's subjects.
	Aggregates int `json:"aggregates"`
	// StreamBytes is the event stream's size on the server, headers included.
	StreamBytes uint64 `json:"stream_bytes"`
	// FirstSeq and LastSeq bound the stream's sequences.
	FirstSeq uint64 `json:"first_seq"`
	LastSeq  uint64 `json:"last_seq"`
	// Objects is the number of entries in the object bucket (blocks: an object is one, a
	// file one or more); ObjectBytes the bucket's size (chunks and metadata).
	Objects     int    `json:"objects"`
	ObjectBytes uint64 `json:"object_bytes"`
	// Replicas of the event stream.
	Replicas int `json:"replicas"`
	// Consumers are the durable consumers reading the event stream (your projections and
	// services), each with its lag. jetdag's own readers are ordered consumers that leave
	// nothing behind, so they are not listed.
	// Null when the user may not list consumers.
	Consumers []consumerJSON `json:"consumers"`
}

// consumerJSON is one durable consumer's lag.
type consumerJSON struct {
	Name string `json:"name"`
	// Pending is how many stream messages the consumer has yet to receive (its lag).
	Pending uint64 `json:"num_pending"`
	// AckPending is how many it received and has not acknowledged.
	AckPending int `json:"num_ack_pending"`
	// Redelivered is how many messages are being delivered again.
	Redelivered int `json:"num_redelivered"`
	// Delivered is the last stream sequence delivered to it.
	Delivered uint64 `json:"delivered_seq"`
}

// statsOptions are stats' flags (it has none).
type statsOptions struct{}

func newStatsCmd(e *env) *cobra.Command {
	var o statsOptions
	return &cobra.Command{
		Use:   "stats",
		Short: "Print the store's size: events, aggregates, objects and bytes, as one JSON line",
		Long: `stats reads the event stream's and the object bucket's state from the server (no replay,
nothing is created) and prints one JSON line:
{"events", "aggregates", "stream_bytes", "first_seq", "last_seq", "objects", "object_bytes",
"replicas", "consumers"}. consumers lists every durable consumer of the event stream with its
lag: {"name", "num_pending" (messages it has yet to receive), "num_ack_pending",
"num_redelivered", "delivered_seq"}. A store that does not exist yet counts as empty.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
}

func (o *statsOptions) run(ctx context.Context, e *env) error {
	nc, err := e.connect(ctx)
	if err != nil {
		return storeErr(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	st, err := collectStats(ctx, nc, js, e.logger)
	if err != nil {
		return storeErr(err)
	}
	return writeJSON(e.stdout, st)
}

// collectStats reads the counts from stream and bucket info.
func collectStats(ctx context.Context, nc *nats.Conn, js jetstream.JetStream, log *slog.Logger) (statsJSON, error) {
	var st statsJSON
	s, err := js.Stream(ctx, store.StreamName)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		st.Consumers = []consumerJSON{}
	case err != nil:
		return st, fmt.Errorf("event stream %s: %w", store.StreamName, err)
	default:
		// The subject filter makes the server list every subject with its count (paged).
		info, err := s.Info(ctx, jetstream.WithSubjectFilter(store.StreamSubjects))
		if err != nil {
			return st, fmt.Errorf("event stream %s info: %w", store.StreamName, err)
		}
		st.Events, st.StreamBytes = info.State.Msgs, info.State.Bytes
		st.FirstSeq, st.LastSeq = info.State.FirstSeq, info.State.LastSeq
		st.Replicas = info.Config.Replicas
		aggs := make(map[string]struct{})
		for subj := range info.State.Subjects {
			if agg, _, err := store.ParseSubject(subj); err == nil {
				aggs[agg] = struct{}{}
			}
		}
		st.Aggregates = len(aggs)
		cs, err := listConsumers(ctx, nc, s)
		switch {
		case errors.Is(err, store.ErrPermissionDenied):
			log.Warn("this user may not list the stream's consumers; their lag is left out", "err", err)
		case err != nil:
			return st, err
		default:
			st.Consumers = cs
		}
	}
	obs, err := js.ObjectStore(ctx, store.ObjectBucket)
	switch {
	case errors.Is(err, jetstream.ErrBucketNotFound):
	case err != nil:
		return st, fmt.Errorf("object bucket %s: %w", store.ObjectBucket, err)
	default:
		status, err := obs.Status(ctx)
		if err != nil {
			return st, fmt.Errorf("object bucket %s status: %w", store.ObjectBucket, err)
		}
		st.ObjectBytes = status.Size()
		// Each object has one metadata message, on its own subject.
		meta := "$O." + store.ObjectBucket + ".M.>"
		ms, err := js.Stream(ctx, "OBJ_"+store.ObjectBucket)
		if err != nil {
			return st, fmt.Errorf("object bucket stream: %w", err)
		}
		info, err := ms.Info(ctx, jetstream.WithSubjectFilter(meta))
		if err != nil {
			return st, fmt.Errorf("object bucket stream info: %w", err)
		}
		st.Objects = len(info.State.Subjects)
	}
	return st, nil
}

// listConsumers returns the stream's durable consumers with their lag, sorted by name. A user
// without permission to list them gets ErrPermissionDenied at once, not after a timeout.
func listConsumers(ctx context.Context, nc *nats.Conn, s jetstream.Stream) ([]consumerJSON, error) {
	subject := "$JS.API.CONSUMER.LIST." + store.StreamName
	ctx, cancel := store.CancelOnDenied(ctx, nc, subject)
	defer cancel()
	out := []consumerJSON{}
	consumers := s.ListConsumers(ctx)
	for ci := range consumers.Info() {
		if ci.Config.Durable == "" {
			continue
		}
		out = append(out, consumerJSON{
			Name: ci.Name, Pending: ci.NumPending, AckPending: ci.NumAckPending,
			Redelivered: ci.NumRedelivered, Delivered: ci.Delivered.Stream,
		})
	}
	if err := consumers.Err(); err != nil {
		if perr := store.PermissionDenied(nc, subject); perr != nil {
			return nil, perr
		}
		return nil, fmt.Errorf("list consumers of %s: %w", store.StreamName, err)
	}
	slices.SortFunc(out, func(a, b consumerJSON) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
