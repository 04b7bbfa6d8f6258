package dag_test

import (
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/jetdag/jetdag/store/dag"
)

// blockCID stands in for the CID of a stored block.
func blockCID(name string) cid.Cid {
	h, _ := mh.Sum([]byte(name), mh.SHA2_256, -1)
	return cid.NewCidV1(cid.DagCBOR, h)
}

func Example() {
	d := dag.New()
	names := map[cid.Cid]string{}
	c := func(name string) cid.Cid {
		id := blockCID(name)
		names[id] = name
		return id
	}
	show := func(cs []cid.Cid) []string {
		out := make([]string, len(cs))
		for i, id := range cs {
			out[i] = names[id]
		}
		return out
	}

	// Two orders; the shipment of order 2 was caused by the payment of order 1.
	_ = d.AddEvent(c("o1-created"), dag.NodeInfo{Seq: 1, Aggregate: "order-1", Type: "Created"}, cid.Undef, nil)
	_ = d.AddEvent(c("o2-created"), dag.NodeInfo{Seq: 2, Aggregate: "order-2", Type: "Created"}, cid.Undef, nil)
	_ = d.AddEvent(c("o1-paid"), dag.NodeInfo{Seq: 3, Aggregate: "order-1", Type: "Paid"}, c("o1-created"), nil)
	_ = d.AddEvent(c("o2-shipped"), dag.NodeInfo{Seq: 4, Aggregate: "order-2", Type: "Shipped"},
		c("o2-created"), []cid.Cid{c("o1-paid")})
	// An invoice object, version 2 of it, which references the payment.
	_ = d.AddObject(c("invoice-v1"), dag.NodeInfo{Type: "invoice"}, cid.Undef)
	_ = d.AddObject(c("invoice-v2"), dag.NodeInfo{Type: "invoice"}, c("invoice-v1"))
	_ = d.AddEdge(c("invoice-v2"), c("o1-paid"), dag.EdgeLink, "References")

	fmt.Println("chain order-1:", show(d.Chain("order-1")))
	anc, _ := d.Ancestors(c("o2-shipped"), 0)
	fmt.Println("ancestors of o2-shipped:", show(anc))
	desc, _ := d.Descendants(c("o1-paid"), 1)
	fmt.Println("descendants of o1-paid:", show(desc))
	path, _ := d.Path(c("invoice-v2"), c("o1-created"))
	fmt.Println("path:", show(path))
	common, _ := d.CommonAncestors(c("o2-shipped"), c("invoice-v2"))
	fmt.Println("common ancestors:", show(common))
	fmt.Println("heads:", show(d.Heads()))

	err := d.AddEdge(c("o1-created"), c("o2-shipped"), dag.EdgeLink, "References")
	fmt.Println("cycle refused:", errors.Is(err, dag.ErrWouldCycle))
	// Output:
	// chain order-1: [o1-created o1-paid]
	// ancestors of o2-shipped: [o2-created o1-paid o1-created]
	// descendants of o1-paid: [o2-shipped invoice-v2]
	// path: [invoice-v2 o1-paid o1-created]
	// common ancestors: [o1-paid]
	// heads: [o2-shipped invoice-v2]
	// cycle refused: true
}
