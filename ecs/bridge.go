package ecs

import (
	"context"
	"fmt"
)

// Source follows the stores (catch-up, then live) and sends every message to the bridge in
// stream order. Follow returns when ctx ends (with ctx's error) or when it cannot go on.
type Source interface {
	Follow(ctx context.Context, b *Bridge) error
}

// DefaultBridgeCapacity is the capacity NewBridge uses for a capacity < 1.
const DefaultBridgeCapacity = 8192

// Bridge is the bounded channel between the Source's goroutine and the game goroutine. It
// never drops a message: Send waits while the channel is full, and how far the world is
// behind is visible as Lag. It is safe for one or more senders and one receiver (the Graph).
type Bridge struct {
	ch chan Message
}

// NewBridge returns a bridge holding at most capacity messages (< 1: DefaultBridgeCapacity).
func NewBridge(capacity int) *Bridge {
	if capacity < 1 {
		capacity = DefaultBridgeCapacity
	}
	return &Bridge{ch: make(chan Message, capacity)}
}

// Send queues m for the world, blocking while the bridge is full. It returns an error
// wrapping ErrInvalidMessage (and queues nothing) when m cannot be applied, and ctx's error
// when ctx ends first.
func (b *Bridge) Send(ctx context.Context, m Message) error {
	if err := validate(m); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case b.ch <- m:
		return nil
	default:
	}
	select {
	case b.ch <- m:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Lag is the number of messages waiting for the world.
func (b *Bridge) Lag() int { return len(b.ch) }

// Cap is the bridge's capacity.
func (b *Bridge) Cap() int { return cap(b.ch) }

// Run runs src.Follow on the calling goroutine and returns its error, wrapped. Call it on a
// goroutine of its own; Graph.Update drains the bridge on the game goroutine.
func (b *Bridge) Run(ctx context.Context, src Source) error {
	if err := src.Follow(ctx, b); err != nil {
		return fmt.Errorf("bridge source: %w", err)
	}
	return nil
}

// receive takes one waiting message without blocking.
func (b *Bridge) receive() (Message, bool) {
	select {
	case m := <-b.ch:
		return m, true
	default:
		return nil, false
	}
}
