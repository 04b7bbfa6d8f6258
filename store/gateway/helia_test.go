package gateway_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// heliaResult is one line of jsclient/fetch.mjs.
type heliaResult struct {
	URL    string `json:"url"`
	Status int    `json:"status"`
	Type   string `json:"type"`
	Length int    `json:"length"`
	SHA256 string `json:"sha256"`
	Body   []byte `json:"body"` // base64 in the JSON
}

// TestHeliaVerifiedFetch fetches from the jetdag gateway with @helia/verified-fetch (Node.js),
// which checks every block against its CID: a file, a path through an event chain converted to
// DAG-JSON on the client, a raw event block and a CAR it builds of an event's causal past. It
// needs node and the client's packages: `make gateway-js` installs them and runs it.
func TestHeliaVerifiedFetch(t *testing.T) {
	dir, err := filepath.Abs("jsclient")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@helia", "verified-fetch")); err != nil {
		t.Skip("the JS client is not installed: run make gateway-js")
	}
	f := newFixture(t)
	a3, c1 := f.ev["a3"].CID.String(), f.ev["c1"].CID.String()
	cmd := exec.Command("node", "--import", "./polyfill.mjs", "fetch.mjs", f.url,
		"ipfs://"+f.file.Content.String(),
		"ipfs://"+a3+"/previous_cid/previous_cid|application/vnd.ipld.dag-json",
		"ipfs://"+a3+"|application/vnd.ipld.raw",
		"ipfs://"+c1+"|application/vnd.ipld.car",
	)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("verified-fetch: %v\n%s", err, stderr.String())
	}
	var res []heliaResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var r heliaResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("verified-fetch printed %q: %v", sc.Text(), err)
		}
		if r.Status != 200 {
			t.Errorf("verified-fetch %s: status %d", r.URL, r.Status)
		}
		res = append(res, r)
	}
	if len(res) != 4 {
		t.Fatalf("verified-fetch printed %d results, want 4:\n%s\n%s", len(res), out, stderr.String())
	}
	sum := sha256.Sum256(f.data)
	for _, r := range res[:1] {
		if r.Length != len(f.data) || r.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("verified-fetch %s: %d bytes, sha256 %s; want the file (%d bytes)", r.URL, r.Length, r.SHA256, len(f.data))
		}
	}
	var ev struct {
		AggregateID string `json:"aggregate_id"`
		Previous    any    `json:"previous_cid"`
		Payload     struct {
			Slash struct {
				Bytes string `json:"bytes"`
			} `json:"/"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(res[1].Body, &ev); err != nil || ev.AggregateID != "agg-a" || ev.Previous != nil {
		t.Errorf("a3/previous_cid/previous_cid as DAG-JSON: %s (%v)", res[1].Body, err)
	}
	if p, _ := base64.RawStdEncoding.DecodeString(ev.Payload.Slash.Bytes); string(p) != `{"n":"a1"}` {
		t.Errorf("a1's payload through verified-fetch: %q", p)
	}
	if !bytes.Equal(res[2].Body, f.ownBlock(t, f.ev["a3"].CID)) {
		t.Errorf("raw a3 through verified-fetch differs from the stored block")
	}
	_, order, _ := readCAR(t, res[3].Body) // verified-fetch sends blocks reached twice twice
	if got, want := slices.Compact(sortedStrings(order)), sortedStrings(f.causalPast("c1")); !slices.Equal(got, want) {
		t.Errorf("c1's CAR by verified-fetch holds %v, want its causal past %v", got, want)
	}
}
