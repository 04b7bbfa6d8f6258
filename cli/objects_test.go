package cli_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// objRun runs the jetdag command line in-process against the server at url.
func objRun(t *testing.T, url string, stdin io.Reader, args ...string) (string, string, int) {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), append([]string{"--nats", url}, args...), stdin, &out, &errb)
	return out.String(), errb.String(), code
}

// objRunOK runs a command that must succeed and decodes its JSON line into v (when not nil).
func objRunOK(t *testing.T, url string, stdin io.Reader, v any, args ...string) string {
	t.Helper()
	out, errs, code := objRun(t, url, stdin, args...)
	if code != cli.ExitOK {
		t.Fatalf("jetdag %v: exit %d\n%s", args, code, errs)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(out), v); err != nil {
			t.Fatalf("jetdag %v printed %q: %v", args, out, err)
		}
	}
	return out
}

type putOut struct {
	CID     string  `json:"cid"`
	Content *string `json:"content"`
	Size    int64   `json:"size"`
}

// pseudo returns n deterministic bytes.
func pseudo(n int) []byte {
	out := make([]byte, 0, n+32)
	h := sha256.Sum256([]byte("cli"))
	for len(out) < n {
		out = append(out, h[:]...)
		h = sha256.Sum256(h[:])
	}
	return out[:n]
}

// put stores files, stdin and JSON values; cat gives them back; the same input and
// timestamp give the same CID.
func TestPutCat(t *testing.T) {
	srv := storetest.Start(t)
	url := srv.ClientURL()
	data := pseudo(5 << 19)
	path := filepath.Join(t.TempDir(), "blob.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var file putOut
	objRunOK(t, url, nil, &file, "put", "--file", path)
	if file.Size != int64(len(data)) || file.Content == nil || !strings.HasPrefix(*file.Content, "bafybei") {
		t.Fatalf("put --file printed %+v", file)
	}
	for _, c := range []string{file.CID, *file.Content} {
		if out := objRunOK(t, url, nil, nil, "cat", c); out != string(data) {
			t.Fatalf("cat %s gave %d bytes, want %d", c, len(out), len(data))
		}
	}
	var hello putOut
	objRunOK(t, url, strings.NewReader("hello world"), &hello, "put", "--previous", file.CID, "--timestamp", "42")
	if *hello.Content != "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e" || hello.Size != 11 {
		t.Fatalf("put from stdin printed %+v", hello)
	}
	var again putOut
	objRunOK(t, url, strings.NewReader("hello world"), &again, "put", "--previous", file.CID, "--timestamp", "42")
	if again != (putOut{CID: hello.CID, Content: again.Content, Size: 11}) || *again.Content != *hello.Content {
		t.Fatalf("same input and timestamp: %+v then %+v", hello, again)
	}
	var structured putOut
	value := `{"items":[1,2.5,"x"],"file":{"/":"` + *file.Content + `"},"n":-7}`
	objRunOK(t, url, strings.NewReader(value), &structured, "put", "--json")
	if structured.Content != nil || structured.Size <= 0 {
		t.Fatalf("put --json printed %+v", structured)
	}
	want := `{"file":{"/":"` + *file.Content + `"},"items":[1,2.5,"x"],"n":-7}` + "\n"
	if out := objRunOK(t, url, nil, nil, "cat", structured.CID); out != want {
		t.Fatalf("cat of a structured object printed %q, want %q", out, want)
	}
}

// Bad input exits 2; a missing block or a failed verification exits 1, and cat writes no
// byte of a block that failed.
func TestObjectExitCodes(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	url := srv.ClientURL()
	data := pseudo(5 << 19)
	var file putOut
	objRunOK(t, url, bytes.NewReader(data), &file, "put")
	var small putOut
	objRunOK(t, url, strings.NewReader("tiny"), &small, "put")
	absent := "bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku" // no such block
	cases := []struct {
		name string
		args []string
		in   string
		code int
	}{
		{"cat of a malformed CID", []string{"cat", "not-a-cid"}, "", cli.ExitBadInput},
		{"cat of a CIDv0", []string{"cat", "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"}, "", cli.ExitBadInput},
		{"cat of an absent object", []string{"cat", absent}, "", cli.ExitFailure},
		{"put of a missing file", []string{"put", "--file", "/nonexistent"}, "", cli.ExitBadInput},
		{"put with a malformed previous", []string{"put", "--previous", "zzz"}, "x", cli.ExitBadInput},
		{"put with an absent previous", []string{"put", "--previous", absent}, "x", cli.ExitFailure},
		{"put of invalid JSON", []string{"put", "--json"}, "{", cli.ExitBadInput},
		{"put with a negative timestamp", []string{"put", "--timestamp", "-1"}, "x", cli.ExitBadInput},
		{"link without a type", []string{"link", file.CID, small.CID}, "", cli.ExitBadInput},
		{"link with an empty type", []string{"link", file.CID, small.CID, "--type", ""}, "", cli.ExitBadInput},
		{"link to an absent CID", []string{"link", file.CID, absent, "--type", "References"}, "", cli.ExitFailure},
		{"link to itself", []string{"link", file.CID, file.CID, "--type", "References"}, "", cli.ExitBadInput},
		{"export without --car", []string{"export"}, "", cli.ExitBadInput},
		{"import of a missing file", []string{"import", "--car", "/nonexistent.car"}, "", cli.ExitBadInput},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, errs, code := objRun(t, url, strings.NewReader(tc.in), tc.args...); code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, errs)
			}
		})
	}
	// Tamper the second leaf: cat exits 1 after exactly the first, verified, leaf.
	js, err := jetstream.New(srv.Connect(t))
	if err != nil {
		t.Fatal(err)
	}
	bucket, err := js.ObjectStore(ctx, store.ObjectBucket)
	if err != nil {
		t.Fatal(err)
	}
	leaf := block.SumCodec(block.CodecRaw, data[1<<20:2<<20]) // a raw leaf is named by its bytes
	if _, err := bucket.PutBytes(ctx, leaf.String(), bytes.Repeat([]byte{0}, 1<<20)); err != nil {
		t.Fatal(err)
	}
	out, errs, code := objRun(t, url, nil, "cat", file.CID)
	if code != cli.ExitFailure || out != string(data[:1<<20]) || !strings.Contains(errs, "corrupt") {
		t.Fatalf("cat of a tampered file: exit %d after %d bytes\n%s", code, len(out), errs)
	}
}
