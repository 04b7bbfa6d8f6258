package store

import (
	"context"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/store/storetest"
)

// VerifyBucket reads every entry: a clean bucket passes, and a leaf, an object block and a
// stray entry that were tampered with are each reported by name.
func TestVerifyBucket(t *testing.T) {
	ctx := context.Background()
	s := objOpen(t, storetest.Start(t), ObjectStoreConfig{})
	file, err := s.PutReader(ctx, strings.NewReader("attachment"), cid.Undef)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := s.Store(ctx, map[string]any{"k": "v"}, cid.Undef)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.LinkObjects(ctx, obj, file.CID, LinkReferences); err != nil {
		t.Fatal(err)
	}
	var bad []string
	st, err := s.VerifyBucket(ctx, func(name string, err error) { bad = append(bad, name+": "+err.Error()) })
	if err != nil || st.Bad != 0 || st.Entries != 4 || len(bad) != 0 {
		t.Fatalf("clean bucket: %+v %v %v", st, err, bad)
	}
	for name, data := range map[string][]byte{
		file.Content.String(): []byte("tampered"),
		obj.String():          {0xa0},
		"not-a-cid":           []byte("x"),
	} {
		if _, err := s.bucket.PutBytes(ctx, name, data); err != nil {
			t.Fatal(err)
		}
	}
	bad = nil
	st, err = s.VerifyBucket(ctx, func(name string, err error) { bad = append(bad, name+": "+err.Error()) })
	if err != nil || st.Bad != 3 || st.Entries != 5 {
		t.Fatalf("tampered bucket: %+v %v %v", st, err, bad)
	}
	joined := strings.Join(bad, "\n")
	for _, want := range []string{file.Content.String(), obj.String(), "not-a-cid"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no report for %s in\n%s", want, joined)
		}
	}
}
