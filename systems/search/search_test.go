package search_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/jetdag/jetdag/systems/search"
)

var nodes = []search.Entry{
	0: {Aggregate: "order-2", Type: "OrderCreated", CID: "bafyreiaaa1", Seq: 1},
	1: {Aggregate: "order-23", Type: "OrderCreated", CID: "bafyreibbb2", Seq: 2},
	2: {Aggregate: "order-2", Type: "ItemAdded", CID: "bafyreiccc3", Seq: 3},
	3: {Aggregate: "payment-23", Type: "PaymentAuthorized", CID: "bafyreiddd4", Seq: 4},
	4: {Aggregate: "customer-7", Type: "CustomerRegistered", CID: "bafyreieee5", Seq: 5},
	5: {Aggregate: "", Type: "invoice", CID: "bafyreifff6", Seq: 0}, // an object
	6: {Aggregate: "Straße-1", Type: "Ünterwegs", CID: "bafyreiggg7", Seq: 6},
	7: {Aggregate: "order-2", CID: "bafyreihhh8", Seq: 7, Aside: true}, // a rejected message
}

func TestFind(t *testing.T) {
	for _, tt := range []struct {
		query string
		want  []int
	}{
		// The exact aggregate first (newest event first), then IDs containing the query.
		// The exact aggregate first (events newest first, then its rejected message), then IDs
		// containing the query.
		{"order-2", []int{2, 0, 7, 1}},
		{"ORDER-2", []int{2, 0, 7, 1}},
		{"  order-2 ", []int{2, 0, 7, 1}},
		// Anywhere in the aggregate ID: the old prefix-only search found nothing here.
		{"-23", []int{3, 1}},
		{"23", []int{3, 1}},
		{"der-", []int{2, 1, 0, 7}},
		// Anywhere in the event type.
		{"created", []int{1, 0}},
		{"authorized", []int{3}},
		{"INVOICE", []int{5}},
		// A CID prefix, before aggregate matches; a CID's middle does not match.
		{"BAFYREIDDD", []int{3}},
		{"bafyrei", []int{6, 4, 3, 2, 1, 0, 5, 7}},
		{"ddd4", nil},
		// Non-ASCII folds too.
		{"STRASSE", nil},
		{"straße", []int{6}},
		{"üNTER", []int{6}},
		{"", nil},
		{"   ", nil},
		{"nothing-like-it", nil},
	} {
		if got := search.Find(nodes, tt.query); !slices.Equal(got, tt.want) {
			t.Errorf("Find(%q) = %v, want %v", tt.query, got, tt.want)
		}
	}
}

func TestCursor(t *testing.T) {
	c := search.NewCursor(search.Find(nodes[:7], "order"))
	if c.Count() != 3 || c.Status() != "1/3" {
		t.Fatalf("count %d status %q", c.Count(), c.Status())
	}
	var seen []int
	for range 4 {
		i, ok := c.Current()
		if !ok {
			t.Fatal("no current match")
		}
		seen = append(seen, i)
		c.Next()
	}
	if !slices.Equal(seen, []int{2, 1, 0, 2}) {
		t.Fatalf("Next visits %v, want it to wrap round [2 1 0 2]", seen)
	}
	if i, _ := c.Prev(); i != 2 || c.Status() != "1/3" {
		t.Fatalf("Prev from the second = %d, status %q", i, c.Status())
	}
	if i, _ := c.Prev(); i != 0 || c.Status() != "3/3" {
		t.Fatalf("Prev from the first = %d, status %q, want the last", i, c.Status())
	}
	var none search.Cursor
	if _, ok := none.Next(); ok || none.Count() != 0 || none.Status() != "no match" {
		t.Fatal("the zero cursor has a match")
	}
}

func ExampleFind() {
	entries := []search.Entry{
		{Aggregate: "order-23", Type: "OrderCreated", Seq: 1},
		{Aggregate: "payment-23", Type: "PaymentAuthorized", Seq: 2},
		{Aggregate: "customer-7", Type: "CustomerRegistered", Seq: 3},
	}
	c := search.NewCursor(search.Find(entries, "-23"))
	first, _ := c.Current()
	second, _ := c.Next()
	fmt.Println(c.Count(), entries[first].Aggregate, entries[second].Aggregate)
	// Output: 2 payment-23 order-23
}

// BenchmarkFind100k is one keystroke's search over 100,000 nodes; the window searches as you
// type, so it should stay well under a frame (16 ms).
func BenchmarkFind100k(b *testing.B) {
	entries := make([]search.Entry, 100_000)
	for i := range entries {
		entries[i] = search.Entry{
			Aggregate: fmt.Sprintf("order-%d", i/20), Type: "OrderCreated",
			CID: fmt.Sprintf("bafyrei%026d", i), Seq: uint64(i + 1),
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if len(search.Find(entries, "der-123")) == 0 {
			b.Fatal("no match")
		}
	}
}
