// Package demo is the built-in workload behind `jetdag view --demo`: an order domain
// (customers, orders, payments, shipments) appending events with cross-aggregate parents and
// storing invoice objects that link to the events, so a first run shows a living Merkle DAG.
// It is an ordinary producer: it talks to the stores only through their public API.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/store"
)

// Config drives a workload run.
type Config struct {
	// Events is the store the workload appends to (required).
	Events store.EventStore
	// StoreObject stores a structured value as an object (optional: no invoices without it).
	StoreObject func(ctx context.Context, value any, previous cid.Cid) (cid.Cid, error)
	// Link links two CIDs (optional).
	Link func(ctx context.Context, from, to cid.Cid, linkType string) error
	// Rate is the target events per second (0 = 20).
	Rate float64
	// MaxEvents stops the run after this many events (0 = until ctx ends).
	MaxEvents int
	// Seed makes the workload repeatable.
	Seed uint64
	// Prefix is put before every aggregate ID, so runs do not collide (default: a time stamp).
	Prefix string
}

// Stats counts what a run produced.
type Stats struct {
	Events, Objects, Links int
}

type order struct {
	id       string
	customer int
	placed   cid.Cid
	paid     cid.Cid
	invoice  cid.Cid
	items    int
	stage    int
	total    int
	shipment string
}

// Run appends events until ctx ends or MaxEvents is reached. It returns ctx's error only
// when it stopped early for another reason; a cancelled run returns nil.
func Run(ctx context.Context, cfg Config) (Stats, error) {
	if cfg.Events == nil {
		return Stats{}, errors.New("demo: no event store")
	}
	rate := cfg.Rate
	if rate <= 0 {
		rate = 20
	}
	prefix := cfg.Prefix
	if prefix == "" {
		prefix = time.Now().UTC().Format("150405")
	}
	r := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	w := &workload{cfg: cfg, r: r, prefix: prefix, customerHeads: map[int]cid.Cid{}}
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	for cfg.MaxEvents == 0 || w.stats.Events < cfg.MaxEvents {
		select {
		case <-ctx.Done():
			return w.stats, nil
		case <-tick.C:
		}
		if err := w.step(ctx); err != nil {
			if ctx.Err() != nil {
				return w.stats, nil
			}
			return w.stats, err
		}
	}
	return w.stats, nil
}

type workload struct {
	cfg           Config
	r             *rand.Rand
	prefix        string
	stats         Stats
	customers     int
	customerHeads map[int]cid.Cid
	orders        []*order
	nextOrder     int
}

func (w *workload) append(ctx context.Context, agg, typ string, body map[string]any, parents ...cid.Cid) (cid.Cid, error) {
	payload, err := json.Marshal(body)
	if err != nil {
		return cid.Undef, err
	}
	ev, err := w.cfg.Events.AppendEvent(ctx, store.NewEvent{AggregateID: agg, EventType: typ, Payload: payload, Parents: parents}, store.WithRetries(5))
	if err != nil {
		return cid.Undef, fmt.Errorf("demo: append %s to %s: %w", typ, agg, err)
	}
	w.stats.Events++
	return ev.CID, nil
}

func (w *workload) customerID(n int) string { return fmt.Sprintf("%s-customer-%d", w.prefix, n) }

// step performs one event's worth of the workload.
func (w *workload) step(ctx context.Context) error {
	// Keep a handful of customers and a rolling set of open orders.
	if w.customers < 3 || (w.customers < 12 && w.r.IntN(10) == 0) {
		n := w.customers
		w.customers++
		c, err := w.append(ctx, w.customerID(n), "CustomerRegistered", map[string]any{"name": fmt.Sprintf("Customer %d", n), "tier": []string{"basic", "gold"}[w.r.IntN(2)]})
		w.customerHeads[n] = c
		return err
	}
	if len(w.orders) < 4 || w.r.IntN(4) == 0 {
		cust := w.r.IntN(w.customers)
		o := &order{id: fmt.Sprintf("%s-order-%d", w.prefix, w.nextOrder), customer: cust}
		w.nextOrder++
		_, err := w.append(ctx, o.id, "OrderCreated", map[string]any{"customer": w.customerID(cust)}, w.customerHeads[cust])
		w.orders = append(w.orders, o)
		return err
	}
	i := w.r.IntN(len(w.orders))
	o := w.orders[i]
	switch {
	case o.stage == 0 && (o.items < 1 || o.items < 4 && w.r.IntN(2) == 0):
		o.items++
		price := 5 + w.r.IntN(95)
		o.total += price
		_, err := w.append(ctx, o.id, "ItemAdded", map[string]any{"sku": fmt.Sprintf("SKU-%03d", w.r.IntN(200)), "price": price})
		return err
	case o.stage == 0:
		o.stage = 1
		c, err := w.append(ctx, o.id, "OrderPlaced", map[string]any{"items": o.items, "total": o.total})
		o.placed = c
		if err == nil {
			err = w.invoice(ctx, o, "issued")
		}
		return err
	case o.stage == 1:
		o.stage = 2
		pay := o.id + "-payment"
		_, err := w.append(ctx, pay, "PaymentAuthorized", map[string]any{"amount": o.total}, o.placed)
		return err
	case o.stage == 2:
		o.stage = 3
		c, err := w.append(ctx, o.id+"-payment", "PaymentCaptured", map[string]any{"amount": o.total})
		o.paid = c
		if err == nil {
			err = w.invoice(ctx, o, "paid")
		}
		return err
	case o.stage == 3:
		o.stage = 4
		o.shipment = o.id + "-shipment"
		_, err := w.append(ctx, o.shipment, "ShipmentCreated", map[string]any{"carrier": []string{"DHL", "UPS", "PostNL"}[w.r.IntN(3)]}, o.placed, o.paid)
		return err
	case o.stage == 4:
		o.stage = 5
		_, err := w.append(ctx, o.shipment, "Shipped", map[string]any{"tracking": fmt.Sprintf("TR%08d", w.r.IntN(1e8))})
		return err
	default:
		_, err := w.append(ctx, o.shipment, "Delivered", map[string]any{})
		if err == nil {
			c, cerr := w.append(ctx, w.customerID(o.customer), "LoyaltyPointsAdded", map[string]any{"points": o.total / 10}, o.placed)
			w.customerHeads[o.customer] = c
			err = cerr
		}
		w.orders = append(w.orders[:i], w.orders[i+1:]...)
		return err
	}
}

// invoice stores a new version of the order's invoice object and links it to the event.
func (w *workload) invoice(ctx context.Context, o *order, status string) error {
	if w.cfg.StoreObject == nil {
		return nil
	}
	val := map[string]any{"order": o.id, "status": status, "total": int64(o.total), "currency": "EUR", "lines": int64(o.items)}
	c, err := w.cfg.StoreObject(ctx, val, o.invoice)
	if err != nil {
		return fmt.Errorf("demo: store invoice of %s: %w", o.id, err)
	}
	w.stats.Objects++
	o.invoice = c
	if w.cfg.Link == nil {
		return nil
	}
	target := o.placed
	if status == "paid" {
		target = o.paid
	}
	if err := w.cfg.Link(ctx, c, target, "References"); err != nil {
		return fmt.Errorf("demo: link invoice of %s: %w", o.id, err)
	}
	w.stats.Links++
	return nil
}
