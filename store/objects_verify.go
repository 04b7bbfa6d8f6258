package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jetdag/jetdag/store/block"
)

// BucketCheck is the outcome of VerifyBucket.
type BucketCheck struct {
	// Entries read, of which Bad failed.
	Entries, Bad int
}

// VerifyBucket reads every entry of the bucket and checks FORMAT.md's invariant 1 for it: the
// entry is named by a CID, its bytes hash to that CID, and object blocks and link records are
// canonical. bad is called for each entry that fails, with its name and the reason.
func (s *JetStreamObjects) VerifyBucket(ctx context.Context, bad func(name string, err error)) (BucketCheck, error) {
	var st BucketCheck
	entries, err := s.entries(ctx)
	if err != nil {
		return st, err
	}
	for _, in := range entries {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		st.Entries++
		c, err := block.ParseCID(in.Name)
		if err != nil {
			st.Bad++
			bad(in.Name, fmt.Errorf("entry is not named by a canonical CID: %w", err))
			continue
		}
		data, err := s.readBlock(ctx, c)
		if err != nil {
			if errors.Is(err, ErrCorrupt) {
				st.Bad++
				bad(in.Name, err)
				continue
			}
			return st, err
		}
		switch BlockKind(in.Metadata[metaKind]) {
		case KindObject:
			if _, err := block.DecodeObject(data); err != nil {
				st.Bad++
				bad(in.Name, fmt.Errorf("%w: not a canonical object block: %w", ErrCorrupt, err))
			}
		case KindLink:
			if _, err := s.linkFromEntry(ctx, c, in); err != nil {
				st.Bad++
				bad(in.Name, fmt.Errorf("%w: link record: %w", ErrCorrupt, err))
			}
		}
	}
	return st, nil
}
