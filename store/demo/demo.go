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
	// Prefix, when set, is put before every aggregate ID with a dash (tests use it to keep runs apart).
	// By default IDs are what a person types: customer-7, order-23, payment-23, shipment-23.
	// A run against a store that already holds demo aggregates numbers its new customers and
	// orders after theirs, so runs never append to each other's aggregates.
	Prefix string
	// Run tags every payload ("run": tag) so that events of one run can be told apart
	// (default: the start time, UTC, as 20060102T150405Z).
	Run string
}

// Stats counts what a run produced.
type Stats struct {
	Events, Objects, Links int
}

type order struct {
	id       string
	num      int // the N of order-N, shared by payment-N and shipment-N
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
	run := cfg.Run
	if run == "" {
		run = time.Now().UTC().Format("20060102T150405Z")
	}
	r := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	w := &workload{cfg: cfg, r: r, prefix: cfg.Prefix, run: run, customerHeads: map[int]cid.Cid{}}
	var err error
	if w.nextCustomer, err = w.firstFree(ctx, "customer-"); err == nil {
		w.nextOrder, err = w.firstFree(ctx, "order-")
	}
	if err != nil {
		return w.stats, err
	}
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
	prefix, run   string
	stats         Stats
	nextCustomer  int
	customers     []string // IDs of this run's customers
	customerHeads map[int]cid.Cid
	orders        []*order
	nextOrder     int
}

func (w *workload) append(ctx context.Context, agg, typ string, body map[string]any, parents ...cid.Cid) (cid.Cid, error) {
	return w.appendWith(ctx, agg, typ, body, parents, store.WithRetries(5))
}

func (w *workload) appendWith(ctx context.Context, agg, typ string, body map[string]any, parents []cid.Cid, opts ...store.AppendOption) (cid.Cid, error) {
	body["run"] = w.run
	payload, err := json.Marshal(body)
	if err != nil {
		return cid.Undef, err
	}
	ev, err := w.cfg.Events.AppendEvent(ctx, store.NewEvent{AggregateID: agg, EventType: typ, Payload: payload, Parents: parents}, opts...)
	if err != nil {
		return cid.Undef, fmt.Errorf("demo: append %s to %s: %w", typ, agg, err)
	}
	w.stats.Events++
	return ev.CID, nil
}

// create appends the first event of a new aggregate named kind-N, N from *next on: a number
// some other producer took meanwhile is skipped. It returns the aggregate's ID.
func (w *workload) create(ctx context.Context, kind string, next *int, typ string, body map[string]any, parents ...cid.Cid) (string, cid.Cid, error) {
	for range 100 {
		id := w.id(kind, *next)
		c, err := w.appendWith(ctx, id, typ, body, parents, store.ExpectNew())
		if !errors.Is(err, store.ErrConflict) {
			return id, c, err
		}
		*next++
	}
	return "", cid.Undef, fmt.Errorf("demo: no free %s number after %d tries", kind, 100)
}

// firstFree returns the first number N from which kind-N is unused, assuming earlier runs
// numbered from 0 without gaps: an exponential then a binary search over Head, so that a store
// of many runs costs a few dozen look-ups at start.
func (w *workload) firstFree(ctx context.Context, kind string) (int, error) {
	var lookErr error
	used := func(n int) bool {
		if lookErr != nil {
			return false
		}
		_, err := w.cfg.Events.Head(ctx, w.id(kind, n))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			lookErr = fmt.Errorf("demo: look up %s: %w", w.id(kind, n), err)
		}
		return err == nil
	}
	if !used(0) {
		return 0, lookErr
	}
	lo, hi := 0, 1 // kind-lo is used; hi is probed until it is free
	for used(hi) {
		lo, hi = hi, hi*2
	}
	for hi-lo > 1 {
		if mid := (lo + hi) / 2; used(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi, lookErr
}

func (w *workload) id(kind string, n int) string {
	if w.prefix != "" {
		return fmt.Sprintf("%s-%s%d", w.prefix, kind, n)
	}
	return fmt.Sprintf("%s%d", kind, n)
}

func (w *workload) customerID(n int) string { return w.customers[n] }

// step performs one event's worth of the workload.
func (w *workload) step(ctx context.Context) error {
	// Keep a handful of customers and a rolling set of open orders.
	if len(w.customers) < 3 || (len(w.customers) < 12 && w.r.IntN(10) == 0) {
		tier := []string{"basic", "gold"}[w.r.IntN(2)]
		id, c, err := w.create(ctx, "customer-", &w.nextCustomer, "CustomerRegistered", map[string]any{"name": fmt.Sprintf("Customer %d", w.nextCustomer), "tier": tier})
		if err != nil {
			return err
		}
		w.nextCustomer++
		w.customerHeads[len(w.customers)] = c
		w.customers = append(w.customers, id)
		return nil
	}
	if len(w.orders) < 4 || w.r.IntN(4) == 0 {
		cust := w.r.IntN(len(w.customers))
		id, _, err := w.create(ctx, "order-", &w.nextOrder, "OrderCreated", map[string]any{"customer": w.customerID(cust)}, w.customerHeads[cust])
		if err != nil {
			return err
		}
		o := &order{id: id, num: w.nextOrder, customer: cust}
		w.nextOrder++
		w.orders = append(w.orders, o)
		return nil
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
		_, err := w.append(ctx, w.id("payment-", o.num), "PaymentAuthorized", map[string]any{"amount": o.total}, o.placed)
		return err
	case o.stage == 2:
		o.stage = 3
		c, err := w.append(ctx, w.id("payment-", o.num), "PaymentCaptured", map[string]any{"amount": o.total})
		o.paid = c
		if err == nil {
			err = w.invoice(ctx, o, "paid")
		}
		return err
	case o.stage == 3:
		o.stage = 4
		o.shipment = w.id("shipment-", o.num)
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
