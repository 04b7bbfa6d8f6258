// This file parses what users type: CIDs and other arguments.

package cli

import (
	"github.com/ipfs/go-cid"
	"github.com/jetdag/jetdag/store/block"
)

// parseCIDArg parses a CID given by the user (exit 2 when malformed).
func parseCIDArg(what, s string) (cid.Cid, error) {
	c, err := block.ParseCID(s)
	if err != nil {
		return cid.Undef, badInputf("%s %q: %w", what, s, err)
	}
	return c, nil
}
