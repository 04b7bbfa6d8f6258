package cli

import (
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

func newBlockEncodeEventCmd(e *env) *cobra.Command {
	var (
		ev         block.Event
		payloadHex string
		previous   string
		parents    []string
	)
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
			var err error
			if ev.Payload, err = blockHexFlag("--payload-hex", payloadHex); err != nil {
				return err
			}
			if !cmd.Flags().Changed("timestamp") {
				ev.Timestamp = time.Now().UnixNano()
			}
			if ev.PreviousCID, err = blockCIDFlag("--previous", previous); err != nil {
				return err
			}
			for _, p := range parents {
				c, err := blockCIDFlag("--parent", p)
				if err != nil {
					return err
				}
				if !c.Defined() {
					return badInputf("--parent: empty CID")
				}
				ev.ParentCIDs = append(ev.ParentCIDs, c)
			}
			data, c, err := ev.Block()
			if err != nil {
				return badInput(err)
			}
			return writeBlockResult(e.stdout, data, c)
		},
	}
	f := cmd.Flags()
	f.StringVar(&ev.AggregateID, "aggregate", "", "aggregate ID (required)")
	f.StringVar(&ev.EventType, "type", "", "event type (required)")
	f.StringVar(&payloadHex, "payload-hex", "", "payload bytes in hex (default empty)")
	f.Int64Var(&ev.Timestamp, "timestamp", 0, "Unix time in nanoseconds (default now)")
	f.StringVar(&previous, "previous", "", "CID of the aggregate's previous event (default null: the first event)")
	f.StringArrayVar(&parents, "parent", nil, "CID of a causal parent event; repeat for several, in order")
	return cmd
}

func newBlockEncodeObjectCmd(e *env) *cobra.Command {
	var (
		obj      block.Object
		dataHex  string
		dataJSON string
		previous string
	)
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
			hexSet, jsonSet := cmd.Flags().Changed("data-hex"), cmd.Flags().Changed("data-json")
			switch {
			case hexSet == jsonSet:
				return badInputf("give exactly one of --data-hex and --data-json")
			case hexSet:
				raw, err := blockHexFlag("--data-hex", dataHex)
				if err != nil {
					return err
				}
				if obj.Data, err = block.Decode(raw); err != nil {
					return badInputf("--data-hex: %w", err)
				}
			default:
				var err error
				if obj.Data, err = block.DecodeDAGJSON([]byte(dataJSON)); err != nil {
					return badInputf("--data-json: %w", err)
				}
			}
			if !cmd.Flags().Changed("timestamp") {
				obj.Timestamp = time.Now().UnixNano()
			}
			var err error
			if obj.PreviousCID, err = blockCIDFlag("--previous", previous); err != nil {
				return err
			}
			data, c, err := obj.Block()
			if err != nil {
				return badInput(err)
			}
			return writeBlockResult(e.stdout, data, c)
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataHex, "data-hex", "", "the data: one DAG-CBOR value, in hex")
	f.StringVar(&dataJSON, "data-json", "", "the data: one DAG-JSON value")
	f.Int64Var(&obj.Timestamp, "timestamp", 0, "Unix time in nanoseconds (default now)")
	f.StringVar(&previous, "previous", "", "CID of the object's previous version (default null)")
	return cmd
}

func newBlockDecodeCmd(e *env) *cobra.Command {
	var (
		asHex   bool
		wantCID string
	)
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			limit := int64(maxBlockInput)
			if asHex {
				limit *= 2
			}
			in, err := io.ReadAll(io.LimitReader(e.stdin, limit+1))
			if err != nil {
				return fmt.Errorf("reading stdin: %w", err)
			}
			if int64(len(in)) > limit {
				return badInputf("input larger than %d bytes", limit)
			}
			if asHex {
				if in, err = hex.DecodeString(strings.Map(dropSpace, string(in))); err != nil {
					return badInputf("stdin is not hex: %w", err)
				}
			}
			if len(in) == 0 {
				return badInputf("no block on stdin")
			}
			if wantCID != "" {
				c, err := blockCIDFlag("--cid", wantCID)
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
		},
	}
	cmd.Flags().BoolVar(&asHex, "hex", false, "stdin holds the block as hex text")
	cmd.Flags().StringVar(&wantCID, "cid", "", "also check that the block hashes to this CID")
	return cmd
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
