package dag

import (
	"hash/maphash"

	"github.com/ipfs/go-cid"
)

// cidIndex maps a CID's binary form to its dense node index. It is an open-addressing table
// with linear probing whose slots hold the node index plus one (0 is empty) in the low 32
// bits and 32 bits of the key's hash in the high bits. The slot position comes from those
// same hash bits, so growing never rehashes a key, and the stored bits filter out nearly
// every probe before a key comparison touches the CID itself. The seed is random per DAG, so
// CIDs chosen by an adversary cannot be ground into one long probe sequence.
type cidIndex struct {
	seed  maphash.Seed
	slots []uint64
	used  int
}

const (
	indexMinSlots = 1 << 4
	// indexLoadNum/indexLoadDen is the load factor at which the table doubles.
	indexLoadNum = 3
	indexLoadDen = 4
)

func newCIDIndex(capacity int) cidIndex {
	n := indexMinSlots
	for n*indexLoadNum/indexLoadDen < capacity {
		n <<= 1
	}
	return cidIndex{seed: maphash.MakeSeed(), slots: make([]uint64, n)}
}

func (x *cidIndex) hash(key string) uint32 {
	return uint32(maphash.String(x.seed, key))
}

// find returns the index of the node whose CID has the binary form key, and the key's hash
// for a following insert; cids resolves a candidate index to its CID.
func (x *cidIndex) find(key string, cids []cid.Cid) (i, h uint32, ok bool) {
	h = x.hash(key)
	mask := uint32(len(x.slots) - 1)
	for p := h & mask; ; p = (p + 1) & mask {
		s := x.slots[p]
		if s == 0 {
			return 0, h, false
		}
		if uint32(s>>32) == h {
			i := uint32(s) - 1
			if cids[i].KeyString() == key {
				return i, h, true
			}
		}
	}
}

// insert records that the key with hash h (from find) names node i; the key must not be
// present yet.
func (x *cidIndex) insert(h, i uint32) {
	if (x.used+1)*indexLoadDen > len(x.slots)*indexLoadNum {
		x.grow()
	}
	x.place(uint64(h)<<32 | uint64(i+1))
	x.used++
}

func (x *cidIndex) place(s uint64) {
	mask := uint32(len(x.slots) - 1)
	for p := uint32(s>>32) & mask; ; p = (p + 1) & mask {
		if x.slots[p] == 0 {
			x.slots[p] = s
			return
		}
	}
}

func (x *cidIndex) grow() {
	old := x.slots
	x.slots = make([]uint64, 2*len(old))
	for _, s := range old {
		if s != 0 {
			x.place(s)
		}
	}
}
