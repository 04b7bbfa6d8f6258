package translog

import (
	"context"
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
)

// headsPerPage bounds a state page: 1024 heads of at most 256-byte aggregate IDs stay well
// under the 1 MiB block limit.
const headsPerPage = 1024

// ErrBadState: a state block is missing, malformed or disagrees with its checkpoint.
var ErrBadState = errors.New("bad state block")

// State is what a checkpoint's state block records: every aggregate's head after the last
// leaf. Encoded as a root block {"aggregates": n, "pages": [link…], "seq": s, "size": n} whose
// pages are blocks {"heads": [[aggregate_id, link, seq], …]} in aggregate-ID order.
type State struct {
	Size  int64
	Seq   uint64
	Heads []store.Head // sorted by aggregate ID
}

// encodeState returns the state's page blocks and its root block (last), each with its CID.
func encodeState(st State) (blocks [][]byte, root cid.Cid, err error) {
	pages := []any{}
	for i := 0; i < len(st.Heads); i += headsPerPage {
		hs := st.Heads[i:min(i+headsPerPage, len(st.Heads))]
		list := make([]any, len(hs))
		for j, h := range hs {
			list[j] = []any{h.AggregateID, h.CID, int64(h.Seq)}
		}
		data, err := block.Encode(map[string]any{"heads": list})
		if err != nil {
			return nil, cid.Undef, fmt.Errorf("state page: %w", err)
		}
		blocks = append(blocks, data)
		pages = append(pages, block.Sum(data))
	}
	data, err := block.Encode(map[string]any{
		"aggregates": int64(len(st.Heads)), "pages": pages, "seq": int64(st.Seq), "size": st.Size,
	})
	if err != nil {
		return nil, cid.Undef, fmt.Errorf("state block: %w", err)
	}
	return append(blocks, data), block.Sum(data), nil
}

// StateCID is the CID of the state block for st, without storing it.
func StateCID(st State) (cid.Cid, error) {
	_, c, err := encodeState(st)
	return c, err
}

// blockStore is the part of the object store the log uses.
type blockStore interface {
	PutBlock(ctx context.Context, data []byte) (cid.Cid, error)
	Block(ctx context.Context, c cid.Cid) ([]byte, error)
}

// putState stores st's blocks (pages first, so the root never names a missing page) and
// returns the root's CID. written remembers pages stored before, which are skipped.
func putState(ctx context.Context, bs blockStore, st State, written map[cid.Cid]struct{}) (cid.Cid, error) {
	blocks, root, err := encodeState(st)
	if err != nil {
		return cid.Undef, err
	}
	for _, data := range blocks {
		c := block.Sum(data)
		if _, ok := written[c]; ok {
			continue
		}
		rctx, cancel := request(ctx)
		_, err := bs.PutBlock(rctx, data)
		cancel()
		if err != nil {
			return cid.Undef, fmt.Errorf("store state block: %w", err)
		}
		if len(written) > 1<<16 {
			clear(written)
		}
		written[c] = struct{}{}
	}
	return root, nil
}

// LoadState reads and checks the state block c: it and its pages must hash to their CIDs and
// have exactly the shape encodeState writes (re-encoding gives the same root CID).
func LoadState(ctx context.Context, bs blockStore, c cid.Cid) (State, error) {
	var st State
	rctx, cancel := request(ctx)
	data, err := bs.Block(rctx, c)
	cancel()
	if err != nil {
		return st, fmt.Errorf("%w: %s: %w", ErrBadState, c, err)
	}
	v, err := block.Decode(data)
	if err != nil {
		return st, fmt.Errorf("%w: %s: %w", ErrBadState, c, err)
	}
	m, ok := v.(map[string]any)
	size, ok1 := m["size"].(int64)
	seq, ok2 := m["seq"].(int64)
	pages, ok3 := m["pages"].([]any)
	if !ok || !ok1 || !ok2 || !ok3 || size < 0 || seq < 0 {
		return st, fmt.Errorf("%w: %s is not a state block", ErrBadState, c)
	}
	st.Size, st.Seq = size, uint64(seq)
	for _, p := range pages {
		pc, ok := p.(cid.Cid)
		if !ok {
			return st, fmt.Errorf("%w: %s: a page is not a link", ErrBadState, c)
		}
		rctx, cancel := request(ctx)
		pdata, err := bs.Block(rctx, pc)
		cancel()
		if err != nil {
			return st, fmt.Errorf("%w: page %s: %w", ErrBadState, pc, err)
		}
		pv, err := block.Decode(pdata)
		if err != nil {
			return st, fmt.Errorf("%w: page %s: %w", ErrBadState, pc, err)
		}
		pm, _ := pv.(map[string]any)
		heads, ok := pm["heads"].([]any)
		if !ok {
			return st, fmt.Errorf("%w: page %s has no heads", ErrBadState, pc)
		}
		for _, h := range heads {
			e, _ := h.([]any)
			if len(e) != 3 {
				return st, fmt.Errorf("%w: page %s: a head is not [aggregate, link, seq]", ErrBadState, pc)
			}
			a, ok1 := e[0].(string)
			hc, ok2 := e[1].(cid.Cid)
			hs, ok3 := e[2].(int64)
			if !ok1 || !ok2 || !ok3 || hs <= 0 {
				return st, fmt.Errorf("%w: page %s: a head is not [aggregate, link, seq]", ErrBadState, pc)
			}
			st.Heads = append(st.Heads, store.Head{AggregateID: a, CID: hc, Seq: uint64(hs)})
		}
	}
	if again, err := StateCID(st); err != nil || !again.Equals(c) {
		return st, fmt.Errorf("%w: %s does not re-encode to itself (heads out of order or pages split differently)", ErrBadState, c)
	}
	return st, nil
}
