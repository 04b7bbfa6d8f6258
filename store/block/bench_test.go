package block_test

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/store/block"
)

var benchSizes = []struct {
	name string
	n    int
}{{"256B", 256}, {"4KiB", 4 << 10}, {"1MiB", 1 << 20}}

func benchEvent(n int) block.Event {
	payload := make([]byte, n)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	return block.Event{AggregateID: "acct-42", EventType: "Deposited", Payload: payload,
		ParentCIDs: []cid.Cid{block.Sum([]byte("parent"))}, PreviousCID: block.Sum([]byte("previous")),
		Timestamp: 1700000000000000000}
}

// BenchmarkEventBlock measures Event.Block (validate + encode + CID) beside a bare
// sha256.Sum256 of the same bytes, the floor any content-addressed encoder pays. Both count
// the block's bytes with SetBytes, so their MB/s compare directly; each block/… result also
// reports the hash throughput measured right after it (sha256-MB/s) and the ratio
// (%-of-sha256). Target: at 1 MiB at least 80% of the bare hash, at most 3 allocs/op.
func BenchmarkEventBlock(b *testing.B) {
	for _, size := range benchSizes {
		ev := benchEvent(size.n)
		data, _, err := ev.Block()
		if err != nil {
			b.Fatal(err)
		}
		b.Run("block/"+size.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := ev.Block(); err != nil {
					b.Fatal(err)
				}
			}
			blockMBs := float64(len(data)) * float64(b.N) / b.Elapsed().Seconds() / 1e6
			start := time.Now()
			for range b.N {
				_ = sha256.Sum256(data)
			}
			hashMBs := float64(len(data)) * float64(b.N) / time.Since(start).Seconds() / 1e6
			b.ReportMetric(hashMBs, "sha256-MB/s")
			b.ReportMetric(100*blockMBs/hashMBs, "%-of-sha256")
		})
		b.Run("sha256/"+size.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				_ = sha256.Sum256(data)
			}
		})
	}
}

// BenchmarkDecodeEvent measures the strict event decoder (which copies the payload).
func BenchmarkDecodeEvent(b *testing.B) {
	for _, size := range benchSizes[:2] {
		ev := benchEvent(size.n)
		data, _, err := ev.Block()
		if err != nil {
			b.Fatal(err)
		}
		b.Run(size.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := block.DecodeEvent(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeGeneric measures Decode and Encode over all 128 IPLD fixtures per op.
func BenchmarkDecodeGeneric(b *testing.B) {
	fixtures := loadFixtures(b)
	total := 0
	for _, f := range fixtures {
		total += len(f.cbor)
	}
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(total))
		b.ReportAllocs()
		for b.Loop() {
			for _, f := range fixtures {
				if _, err := block.Decode(f.cbor); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	values := make([]any, len(fixtures))
	for i, f := range fixtures {
		values[i], _ = block.Decode(f.cbor)
	}
	b.Run("encode", func(b *testing.B) {
		b.SetBytes(int64(total))
		b.ReportAllocs()
		for b.Loop() {
			for _, v := range values {
				if _, err := block.Encode(v); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
