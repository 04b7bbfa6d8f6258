package cli

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/ipfs/go-cid"
	"github.com/spf13/cobra"

	"github.com/jetdag/jetdag/store/block"
)

// maxBlockInput bounds what `jetdag block decode` reads from stdin (raw bytes; twice that as
// hex text).
const maxBlockInput = 32 << 20

// blockResult is the one JSON line `jetdag block encode …` prints.
type blockResult struct {
	CID      string `json:"cid"`
	BlockHex string `json:"block_hex"`
}

func newBlockCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "block",
		Short: "Encode and decode jetdag blocks (DAG-CBOR) offline",
		Long: `Encode and decode jetdag's blocks without a server: the exact bytes and CID an append or
a put would store, and any DAG-CBOR block shown as DAG-JSON. The wire format is described in
docs/format.md.`,
		Args: cobra.NoArgs,
	}
	encode := &cobra.Command{
		Use:   "encode",
		Short: "Encode an event or object block and print its CID and bytes",
		Long: `Encode an event or object block and print one JSON line:
  {"cid":"bafyrei…","block_hex":"a6…"}`,
		Args: cobra.NoArgs,
	}
	encode.AddCommand(newBlockEncodeEventCmd(e), newBlockEncodeObjectCmd(e))
	cmd.AddCommand(encode, newBlockDecodeCmd(e))
	return cmd
}

// blockEncodeEventOptions are block encode event's flags: the event's own fields are bound
// to ev directly.
type blockEncodeEventOptions struct {
	ev           block.Event
	payloadHex   string
	previous     string
	parents      []string
	timestampSet bool
}

func newBlockEncodeEventCmd(e *env) *cobra.Command {
	var o blockEncodeEventOptions
	cmd := &cobra.Command{
		Use:   "event --aggregate A --type T [--payload-hex H] [--timestamp NS] [--previous CID] [--parent CID]...",
		Short: "Encode an event block",
		Long: `Encode an event block (FORMAT.md: aggregate_id, event_type, parent_cids, payload,
previous_cid, timestamp) and print {"cid": …, "block_hex": …} on one line. Nothing is stored.

The aggregate ID and event type must be non-empty UTF-8 of at most 256 bytes. CIDs are
base32 CIDv1 strings ("bafy…"). Malformed flags, hex or CIDs exit with code 2.`,
		Example: `  jetdag block encode event --aggregate acct-42 --type Deposited \
    --payload-hex 7b22616d6f756e74223a3130307d --timestamp 1700000000000000000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.timestampSet = cmd.Flags().Changed("timestamp")
			return o.run(cmd.Context(), e)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.ev.AggregateID, "aggregate", "", "aggregate ID (required)")
	f.StringVar(&o.ev.EventType, "type", "", "event type (required)")
	f.StringVar(&o.payloadHex, "payload-hex", "", "payload bytes in hex (default empty)")
	f.Int64Var(&o.ev.Timestamp, "timestamp", 0, "Unix time in nanoseconds (default now)")
	f.StringVar(&o.previous, "previous", "", "CID of the aggregate's previous event (default null: the first event)")
	f.StringArrayVar(&o.parents, "parent", nil, "CID of a causal parent event; repeat for several, in order")
	return cmd
}

func (o *blockEncodeEventOptions) run(_ context.Context, e *env) error {
	var err error
	if o.ev.Payload, err = blockHexFlag("--payload-hex", o.payloadHex); err != nil {
		return err
	}
	if !o.timestampSet {
		o.ev.Timestamp = time.Now().UnixNano()
	}
	if o.ev.PreviousCID, err = blockCIDFlag("--previous", o.previous); err != nil {
		return err
	}
	for _, p := range o.parents {
		c, err := blockCIDFlag("--parent", p)
		if err != nil {
			return err
		}
		if !c.Defined() {
			return badInputf("--parent: empty CID")
		}
		o.ev.ParentCIDs = append(o.ev.ParentCIDs, c)
	}
	data, c, err := o.ev.Block()
	if err != nil {
		return badInput(err)
	}
	return writeBlockResult(e.stdout, data, c)
}

// blockEncodeObjectOptions are block encode object's flags: the object's timestamp is bound
// to obj directly.
type blockEncodeObjectOptions struct {
	obj                                   block.Object
	dataHex, dataJSON, previous           string
	dataHexSet, dataJSONSet, timestampSet bool
}

func newBlockEncodeObjectCmd(e *env) *cobra.Command {
	var o blockEncodeObjectOptions
	cmd := &cobra.Command{
		Use:   "object (--data-hex H | --data-json J) [--timestamp NS] [--previous CID]",
		Short: "Encode an object block",
		Long: `Encode an object block (FORMAT.md: data, previous_cid, timestamp) and print
{"cid": …, "block_hex": …} on one line. Nothing is stored.

The object's data is one IPLD value, given either as DAG-CBOR in hex (--data-hex, decoded
strictly: it must be canonical) or as DAG-JSON text (--data-json, where {"/":"bafy…"} is a
link and {"/":{"bytes":"…"}} is bytes). Malformed flags, hex, values or CIDs exit with code 2.`,
		Example: `  jetdag block encode object --data-json '{"name":"report","size":12}' --timestamp 1
  jetdag block encode object --data-hex a0 --previous bafyrei…`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flags()
			o.dataHexSet, o.dataJSONSet, o.timestampSet = f.Changed("data-hex"), f.Changed("data-json"), f.Changed("timestamp")
			return o.run(cmd.Context(), e)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dataHex, "data-hex", "", "the data: one DAG-CBOR value, in hex")
	f.StringVar(&o.dataJSON, "data-json", "", "the data: one DAG-JSON value")
	f.Int64Var(&o.obj.Timestamp, "timestamp", 0, "Unix time in nanoseconds (default now)")
	f.StringVar(&o.previous, "previous", "", "CID of the object's previous version (default null)")
	return cmd
}

func (o *blockEncodeObjectOptions) run(_ context.Context, e *env) error {
	hexSet, jsonSet := o.dataHexSet, o.dataJSONSet
	switch {
	case hexSet == jsonSet:
		return badInputf("give exactly one of --data-hex and --data-json")
	case hexSet:
		raw, err := blockHexFlag("--data-hex", o.dataHex)
		if err != nil {
			return err
		}
		if o.obj.Data, err = block.Decode(raw); err != nil {
			return badInputf("--data-hex: %w", err)
		}
	default:
		var err error
		if o.obj.Data, err = block.DecodeDAGJSON([]byte(o.dataJSON)); err != nil {
			return badInputf("--data-json: %w", err)
		}
	}
	if !o.timestampSet {
		o.obj.Timestamp = time.Now().UnixNano()
	}
	var err error
	if o.obj.PreviousCID, err = blockCIDFlag("--previous", o.previous); err != nil {
		return err
	}
	data, c, err := o.obj.Block()
	if err != nil {
		return badInput(err)
	}
	return writeBlockResult(e.stdout, data, c)
}

// blockDecodeOptions are block decode's flags.
type blockDecodeOptions struct {
	asHex   bool
	wantCID string
}

func newBlockDecodeCmd(e *env) *cobra.Command {
	var o blockDecodeOptions
	cmd := &cobra.Command{
		Use:   "decode [--hex] [--cid CID] < block",
		Short: "Print a DAG-CBOR block read on stdin as DAG-JSON",
		Long: `Read one block on stdin (raw bytes, or hex text with --hex; whitespace in the hex is
ignored), check that it is strict DAG-CBOR and print it as DAG-JSON followed by a newline:
links as {"/":"bafy…"}, bytes as {"/":{"bytes":"<base64>"}}, map keys sorted, integers exact.

With --cid, the bytes must also hash to that CID. A block that is not conformant (or does not
match --cid) exits with code 1 and the reason, naming the strictness rule and byte offset;
unreadable input (bad hex, empty, over 32 MiB) exits with code 2.`,
		Example: `  jetdag block encode event --aggregate a --type t --timestamp 1 | jq -r .block_hex \
    | jetdag block decode --hex
  jetdag block decode --cid bafyrei… < block.cbor`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), e) },
	}
	cmd.Flags().BoolVar(&o.asHex, "hex", false, "stdin holds the block as hex text")
	cmd.Flags().StringVar(&o.wantCID, "cid", "", "also check that the block hashes to this CID")
	return cmd
}

func (o *blockDecodeOptions) run(_ context.Context, e *env) error {
	limit := int64(maxBlockInput)
	if o.asHex {
		limit *= 2
	}
	in, err := io.ReadAll(io.LimitReader(e.stdin, limit+1))
	if err != nil {
		return fmt.Errorf("reading stdin: %w", err)
	}
	if int64(len(in)) > limit {
		return badInputf("input larger than %d bytes", limit)
	}
	if o.asHex {
		if in, err = hex.DecodeString(strings.Map(dropSpace, string(in))); err != nil {
			return badInputf("stdin is not hex: %w", err)
		}
	}
	if len(in) == 0 {
		return badInputf("no block on stdin")
	}
	if o.wantCID != "" {
		c, err := blockCIDFlag("--cid", o.wantCID)
		if err != nil {
			return err
		}
		if err := block.Verify(c, in); err != nil {
			return err
		}
	}
	v, err := block.Decode(in)
	if err != nil {
		return fmt.Errorf("not a conformant block: %w", err)
	}
	js, err := block.EncodeDAGJSON(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", js)
	return err
}

// blockHexFlag decodes a hex flag value (exit 2 when malformed).
func blockHexFlag(name, s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, badInputf("%s: not hex: %w", name, err)
	}
	return b, nil
}

// blockCIDFlag parses a CID flag; the empty string is cid.Undef (null).
func blockCIDFlag(name, s string) (cid.Cid, error) {
	if s == "" {
		return cid.Undef, nil
	}
	c, err := block.ParseCID(s)
	if err != nil {
		return cid.Undef, badInputf("%s: %w", name, err)
	}
	return c, nil
}

func writeBlockResult(w io.Writer, data []byte, c cid.Cid) error {
	line, err := json.Marshal(blockResult{CID: c.String(), BlockHex: hex.EncodeToString(data)})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", line)
	return err
}

func dropSpace(r rune) rune {
	if unicode.IsSpace(r) {
		return -1
	}
	return r
}
