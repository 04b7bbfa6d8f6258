package block_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jetdag/jetdag/store/block"
)

const fixtureDir = "testdata/ipld-codec-fixtures"

// codecDagJSON is the multicodec of DAG-JSON; the fixtures name .dag-json files by their CID.
const codecDagJSON = 0x0129

// fixture is one folder of the IPLD codec fixtures: a block and its DAG-JSON twin, each named
// by its CID.
type fixture struct {
	name           string
	cbor, json     []byte
	cborCID, jsCID string
}

func loadFixtures(t testing.TB) []fixture {
	t.Helper()
	dirs, err := os.ReadDir(filepath.Join(fixtureDir, "fixtures"))
	if err != nil {
		t.Fatal(err)
	}
	var out []fixture
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		f := fixture{name: d.Name()}
		files, err := os.ReadDir(filepath.Join(fixtureDir, "fixtures", d.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(filepath.Join(fixtureDir, "fixtures", d.Name(), file.Name()))
			if err != nil {
				t.Fatal(err)
			}
			switch c, ext, _ := strings.Cut(file.Name(), "."); ext {
			case "dag-cbor":
				f.cbor, f.cborCID = data, c
			case "dag-json":
				f.json, f.jsCID = data, c
			}
		}
		if f.cbor == nil || f.json == nil {
			t.Fatalf("fixture %s lacks a .dag-cbor or .dag-json file", d.Name())
		}
		out = append(out, f)
	}
	if len(out) != 128 {
		t.Fatalf("found %d fixtures, want the 128 of the snapshot", len(out))
	}
	return out
}

// TestFixtures holds the codec to every IPLD codec fixture: decode, re-encode to the same
// bytes, hash to the CID in the file name, agree with the DAG-JSON twin both ways.
func TestFixtures(t *testing.T) {
	for _, f := range loadFixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			v, err := block.Decode(f.cbor)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			again, err := block.Encode(v)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if !bytes.Equal(again, f.cbor) {
				t.Fatalf("re-encoded bytes differ:\n got %x\nwant %x", again, f.cbor)
			}
			if got := block.Sum(f.cbor).String(); got != f.cborCID {
				t.Errorf("Sum = %s, file name says %s", got, f.cborCID)
			}
			c, err := block.ParseCID(f.cborCID)
			if err != nil {
				t.Fatalf("ParseCID(%s): %v", f.cborCID, err)
			}
			if err := block.Verify(c, f.cbor); err != nil {
				t.Errorf("Verify: %v", err)
			}
			if got := block.SumCodec(codecDagJSON, f.json).String(); got != f.jsCID {
				t.Errorf("dag-json CID = %s, file name says %s", got, f.jsCID)
			}
			jv, err := block.DecodeDAGJSON(f.json)
			if err != nil {
				t.Fatalf("DecodeDAGJSON: %v", err)
			}
			if !block.Equal(v, jv) {
				t.Errorf("DAG-CBOR and DAG-JSON values differ:\ncbor %#v\njson %#v", v, jv)
			}
			js, err := block.EncodeDAGJSON(v)
			if err != nil {
				t.Fatalf("EncodeDAGJSON: %v", err)
			}
			if !bytes.Equal(js, f.json) {
				t.Errorf("EncodeDAGJSON:\n got %s\nwant %s", js, f.json)
			}
		})
	}
}

// TestNegativeFixtures runs the fixtures' negative DAG-CBOR cases.
func TestNegativeFixtures(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(fixtureDir, "negative", "duplicate-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct{ Name, Hex, Error string }
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no negative cases")
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			_, err := block.Decode(unhex(t, c.Hex))
			var se *block.StrictError
			if !errors.As(err, &se) || !errors.Is(err, block.ErrNotCanonical) {
				t.Fatalf("Decode error = %v, want a *StrictError", err)
			}
			if se.Rule != block.RuleDuplicateKey {
				t.Errorf("rule = %q, want %q", se.Rule, block.RuleDuplicateKey)
			}
			if !strings.Contains(err.Error(), c.Error) {
				t.Errorf("error %q does not mention %q", err, c.Error)
			}
		})
	}
}
