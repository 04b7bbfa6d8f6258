package ecs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jetdag/jetdag/ecs"
)

// ingestMessages builds n events over 100 aggregates, each pointing at its aggregate's
// previous event and every third at a parent in another aggregate, as a store replays them.
func ingestMessages(n int) []ecs.Message {
	msgs := make([]ecs.Message, n)
	const aggs = 100
	for i := range msgs {
		prev := ""
		var parents []string
		if i >= aggs {
			prev = fmt.Sprint("e", i-aggs)
			if i%3 == 0 {
				parents = append(parents, fmt.Sprint("e", i-aggs+1))
			}
		}
		msgs[i] = event(uint64(i+1), fmt.Sprint("agg", i%aggs), fmt.Sprint("e", i), prev, parents...)
	}
	return msgs
}

// channelBaseline is the rate of a bare buffered channel carrying the same messages from one
// goroutine to another: the ceiling any bridge can approach.
func channelBaseline(msgs []ecs.Message, capacity int) float64 {
	ch := make(chan ecs.Message, capacity)
	start := time.Now()
	go func() {
		for _, m := range msgs {
			ch <- m
		}
		close(ch)
	}()
	n := 0
	for range ch {
		n++
	}
	return float64(n) / time.Since(start).Seconds()
}

// BenchmarkIngest measures events per second from Bridge.Send on a source goroutine through
// Graph.Update into the world, with the layout running, beside the bare-channel baseline of
// the same messages measured in the same run. The target is 10,000 events/s.
func BenchmarkIngest(b *testing.B) {
	const capacity = ecs.DefaultBridgeCapacity
	for _, tc := range []struct {
		name string
		cfg  ecs.Config
	}{
		{"unbounded", ecs.Config{}},
		{"max-nodes=10000", ecs.Config{MaxNodes: 10000}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			msgs := ingestMessages(b.N)
			baseline := channelBaseline(msgs, capacity)
			g, br := newGraph(b, tc.cfg, capacity)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			b.ResetTimer()
			go func() {
				for _, m := range msgs {
					if br.Send(ctx, m) != nil {
						return
					}
				}
			}()
			applied := 0
			for applied < b.N {
				g.Update()
				applied = int(g.Stats().LastSeq)
			}
			b.StopTimer()
			rate := float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "events/s")
			b.ReportMetric(baseline, "baseline-events/s")
			b.ReportMetric(rate/baseline, "ratio")
			if g.Stats().Held != 0 {
				b.Fatalf("%d events still held", g.Stats().Held)
			}
		})
	}
}
