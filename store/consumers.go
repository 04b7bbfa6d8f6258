package store

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// dropOrdered deletes the server-side consumer behind an ordered consumer once its reader
// is done with it. nats.go leaves that consumer to expire after its inactive threshold (5
// minutes), and nats-server allows 1000 consumers a stream by default: without this, a
// script running a few hundred short jetdag commands within five minutes fails with
// "maximum consumers limit reached" (found by cli's hostile-input suite).
func dropOrdered(ctx context.Context, js jetstream.JetStream, stream string, cons jetstream.Consumer) {
	info := cons.CachedInfo()
	if info == nil {
		return
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_ = js.DeleteConsumer(dctx, stream, info.Name) // at worst it expires as before
}
