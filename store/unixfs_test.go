package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"testing"

	mdag "github.com/ipfs/boxo/ipld/merkledag"
	ft "github.com/ipfs/boxo/ipld/unixfs"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	mh "github.com/multiformats/go-multihash"
	"golang.org/x/crypto/chacha20"

	"github.com/jetdag/jetdag/store/storetest"
)

// objOpen opens the object store on a fresh connection to srv.
func objOpen(t testing.TB, srv *storetest.Server, cfg ObjectStoreConfig) *JetStreamObjects {
	t.Helper()
	s, err := OpenObjects(context.Background(), srv.Connect(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// seeded is the deterministic byte stream the IPIP-499 fixtures (kubo's cid_profiles_test,
// js-ipfs-unixfs) are cut from: the ChaCha20 keystream under key sha256(seed), zero nonce.
func seeded(t testing.TB, size int64, seed string) io.Reader {
	key := sha256.Sum256([]byte(seed))
	c, err := chacha20.NewUnauthenticatedCipher(key[:], make([]byte, chacha20.NonceSize))
	if err != nil {
		t.Fatal(err)
	}
	return &keystream{c: c, left: size}
}

type keystream struct {
	c    *chacha20.Cipher
	left int64
}

func (k *keystream) Read(p []byte) (int, error) {
	if k.left <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), k.left)]
	clear(p)
	k.c.XORKeyStream(p, p)
	k.left -= int64(len(p))
	return len(p), nil
}

func seededBytes(t testing.TB, size int64, seed string) []byte {
	b, err := io.ReadAll(seeded(t, size, seed))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// objMust fails the test on err.
func objMust[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// Files round-trip through the bucket, and their content CIDs are the published
// unixfs-v1-2025 ones (kubo's and js-ipfs-unixfs's fixtures).
func TestFileRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := objOpen(t, storetest.Start(t), ObjectStoreConfig{})
	cases := []struct {
		name    string
		data    []byte
		content string // expected content CID, "" when no published vector exists
		codec   uint64
	}{
		{"empty", nil, "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", cid.Raw},
		{"hello world", []byte("hello world"), "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e", cid.Raw},
		{"echo hello", []byte("hello\n"), "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am", cid.Raw},
		{"one chunk, 1 MiB", seededBytes(t, 1<<20, "chunk-v1-seed"), "bafkreiacndfy443ter6qr2tmbbdhadvxxheowwf75s6zehscklu6ezxmta", cid.Raw},
		{"two chunks, 1 MiB + 1", seededBytes(t, 1<<20+1, "chunk-v1-seed"), "bafybeigmix7t42i6jacydtquhet7srwvgpizfg7gjbq7627d35mjomtu64", cid.DagProtobuf},
		{"multi-chunk, 3.5 MiB", seededBytes(t, 7<<19, "jetdag"), "", cid.DagProtobuf},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := s.PutReader(ctx, bytes.NewReader(tc.data), cid.Undef)
			if err != nil {
				t.Fatal(err)
			}
			if tc.content != "" && res.Content.String() != tc.content {
				t.Errorf("content CID %s, want %s", res.Content, tc.content)
			}
			if res.Content.Type() != tc.codec {
				t.Errorf("content codec 0x%x, want 0x%x", res.Content.Type(), tc.codec)
			}
			if res.Size != int64(len(tc.data)) {
				t.Errorf("size %d, want %d", res.Size, len(tc.data))
			}
			for _, c := range []cid.Cid{res.CID, res.Content} {
				var out bytes.Buffer
				n, err := s.Cat(ctx, c, &out)
				if err != nil {
					t.Fatalf("cat %s: %v", c, err)
				}
				if n != int64(len(tc.data)) || !bytes.Equal(out.Bytes(), tc.data) {
					t.Fatalf("cat %s gave %d bytes, want the %d stored", c, n, len(tc.data))
				}
			}
			obj, err := s.Get(ctx, res.CID)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := obj.Data.(cid.Cid); !ok || !got.Equals(res.Content) {
				t.Errorf("object data %v, want a link to %s", obj.Data, res.Content)
			}
			st, err := s.Stat(ctx, res.CID)
			if err != nil {
				t.Fatal(err)
			}
			if st.Kind != KindObject || !st.Content.Equals(res.Content) || st.ContentSize != res.Size {
				t.Errorf("stat %+v", st)
			}
		})
	}
}

// The importer's default settings are the unixfs-v1-2025 profile's.
func TestProfileDefaults(t *testing.T) {
	l := profileLayout()
	p, ok := l.prefix.(cid.Prefix)
	if !ok {
		t.Fatalf("prefix is a %T", l.prefix)
	}
	if l.chunkSize != 1<<20 || l.maxLinks != 1024 || p.Version != 1 || p.MhType != mh.SHA2_256 || p.Codec != cid.DagProtobuf {
		t.Fatalf("layout %+v prefix %+v, want 1 MiB chunks, 1024 links, CIDv1 dag-pb sha2-256", l, p)
	}
}

// hashDAG is a DAGService that only counts what it is given: the importer's CIDs come out
// without storing 1 GiB anywhere.
type hashDAG struct{ blocks, maxLinks int }

func (d *hashDAG) Get(context.Context, cid.Cid) (ipld.Node, error) {
	return nil, errors.New("write-only")
}
func (d *hashDAG) GetMany(context.Context, []cid.Cid) <-chan *ipld.NodeOption {
	ch := make(chan *ipld.NodeOption)
	close(ch)
	return ch
}
func (d *hashDAG) Add(_ context.Context, n ipld.Node) error {
	d.blocks++
	d.maxLinks = max(d.maxLinks, len(n.Links()))
	return nil
}
func (d *hashDAG) AddMany(ctx context.Context, ns []ipld.Node) error {
	for _, n := range ns {
		_ = d.Add(ctx, n)
	}
	return nil
}
func (d *hashDAG) Remove(context.Context, cid.Cid) error       { return nil }
func (d *hashDAG) RemoveMany(context.Context, []cid.Cid) error { return nil }

// The 1024-link boundary with the real profile, against kubo's fixtures: 1 GiB of input
// each, hashed but not stored.
func TestProfileMaxLinksVectors(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes 3 GiB")
	}
	cases := []struct {
		size      int64
		want      string
		rootLinks int
	}{
		{1024 << 20, "bafybeihmf37wcuvtx4hpu7he5zl5qaf2ineo2lqlfrapokkm5zzw7zyhvm", 1024},
		{1024<<20 + 1, "bafybeibdsi225ugbkmpbdohnxioyab6jsqrmkts3twhpvfnzp77xtzpyhe", 2},
		{1025 << 20, "bafybeihmzokxxjqwxjcryerhp5ezpcog2wcawfryb2xm64xiakgm4a5jue", 2},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.size), func(t *testing.T) {
			d := &hashDAG{}
			root, n, err := importFile(context.Background(), seeded(t, tc.size, "v1-2025-seed"), profileLayout(), d)
			if err != nil {
				t.Fatal(err)
			}
			if root.String() != tc.want || n != tc.size {
				t.Fatalf("root %s of %d bytes, want %s", root, n, tc.want)
			}
			if d.maxLinks != 1024 {
				t.Fatalf("widest node has %d links, want 1024", d.maxLinks)
			}
		})
	}
}

// A small fan-out builds a deep balanced tree from a small file; it round-trips, every node
// respects the fan-out, and the root CID is the importer's for that layout.
func TestMultiLevelFile(t *testing.T) {
	ctx := context.Background()
	s := objOpen(t, storetest.Start(t), ObjectStoreConfig{})
	layout := fileLayout{chunkSize: 1000, maxLinks: 3, prefix: uio.UnixFS_v1_2025.CidBuilder()}
	s.layout = layout
	data := seededBytes(t, 40_500, "deep") // 41 chunks: 3^3 < 41 <= 3^4, four levels of nodes
	res, err := s.PutReader(ctx, bytes.NewReader(data), cid.Undef)
	if err != nil {
		t.Fatal(err)
	}
	d := &hashDAG{}
	want, _, err := importFile(ctx, bytes.NewReader(data), layout, d)
	if err != nil || !want.Equals(res.Content) {
		t.Fatalf("root %s, importer alone gives %s (%v)", res.Content, want, err)
	}
	dag := &bucketDAG{s: s, ctx: ctx}
	depth, leaves := 0, 0
	var walk func(c cid.Cid, level int)
	walk = func(c cid.Cid, level int) {
		nd, err := dag.Get(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		depth = max(depth, level)
		if len(nd.Links()) > 3 {
			t.Fatalf("node %s has %d links", c, len(nd.Links()))
		}
		if _, raw := nd.(*mdag.RawNode); raw {
			leaves++
		}
		for _, l := range nd.Links() {
			walk(l.Cid, level+1)
		}
	}
	walk(res.Content, 0)
	if depth != 4 || leaves != 41 {
		t.Fatalf("tree depth %d with %d leaves, want 4 and 41", depth, leaves)
	}
	var out bytes.Buffer
	if _, err := s.Cat(ctx, res.CID, &out); err != nil || !bytes.Equal(out.Bytes(), data) {
		t.Fatalf("cat: %v, %d bytes", err, out.Len())
	}
}

// Tampered blocks are ErrCorrupt, and Cat writes no byte of a block that failed: only the
// bytes of the verified leaves before it.
func TestTamperedBlocks(t *testing.T) {
	ctx := context.Background()
	srv := storetest.Start(t)
	s := objOpen(t, srv, ObjectStoreConfig{})
	data := seededBytes(t, 5<<19, "tamper") // 2.5 MiB: leaves of 1 MiB, 1 MiB, 0.5 MiB
	res, err := s.PutReader(ctx, bytes.NewReader(data), cid.Undef)
	if err != nil {
		t.Fatal(err)
	}
	root, err := (&bucketDAG{s: s, ctx: ctx}).Get(ctx, res.Content)
	if err != nil {
		t.Fatal(err)
	}
	leaves := root.Links()
	if len(leaves) != 3 {
		t.Fatalf("root has %d links", len(leaves))
	}
	structured, err := s.Store(ctx, map[string]any{"k": "v"}, cid.Undef)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		victim cid.Cid
		with   []byte
		read   cid.Cid
		prefix int // bytes Cat may write before it stops
	}{
		{"first leaf", leaves[0].Cid, bytes.Repeat([]byte{1}, 1<<20), res.CID, 0},
		{"second leaf, same length", leaves[1].Cid, append([]byte{data[1<<20] ^ 1}, data[1<<20+1:2<<20]...), res.CID, 1 << 20},
		{"last leaf, truncated", leaves[2].Cid, data[2<<20 : 2<<20+100], res.Content, 2 << 20},
		{"UnixFS root node", res.Content, []byte("not the root"), res.CID, 0},
		{"object block", res.CID, []byte{0xa0}, res.CID, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			good, err := s.readBlock(ctx, tc.victim)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.bucket.PutBytes(ctx, tc.victim.String(), tc.with); err != nil {
				t.Fatal(err)
			}
			defer func() {
				if _, err := s.bucket.PutBytes(ctx, tc.victim.String(), good); err != nil {
					t.Fatal(err)
				}
			}()
			var out bytes.Buffer
			n, err := s.Cat(ctx, tc.read, &out)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("cat: %v, want ErrCorrupt", err)
			}
			if n != int64(tc.prefix) || !bytes.Equal(out.Bytes(), data[:tc.prefix]) {
				t.Fatalf("cat wrote %d bytes (%d reported), want exactly the %d verified ones", out.Len(), n, tc.prefix)
			}
			if _, err := s.Stat(ctx, tc.victim); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("stat: %v, want ErrCorrupt", err)
			}
		})
	}
	// An overwritten object block is never returned by Get.
	if _, err := s.bucket.PutBytes(ctx, structured.String(), []byte{0xa1, 0x61, 0x6b, 0x61, 0x77}); err != nil {
		t.Fatal(err)
	}
	if obj, err := s.Get(ctx, structured); !errors.Is(err, ErrCorrupt) || obj != nil {
		t.Fatalf("get of a tampered object: %v, %v", obj, err)
	}
	// Storing the same object again heals the entry.
	again, err := s.Store(ctx, map[string]any{"k": "v"}, cid.Undef, WithTimestamp(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, again); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := s.Cat(ctx, res.CID, &out); err != nil || !bytes.Equal(out.Bytes(), data) {
		t.Fatalf("restored file: %v", err)
	}
}

// A hash-valid block that is not a UnixFS file is refused without a panic.
func TestCatNotAFile(t *testing.T) {
	ctx := context.Background()
	s := objOpen(t, storetest.Start(t), ObjectStoreConfig{})
	pn := ft.EmptyDirNode()
	if err := pn.SetCidBuilder(uio.UnixFS_v1_2025.CidBuilder()); err != nil {
		t.Fatal(err)
	}
	if err := s.putBlock(ctx, pn.Cid(), pn.RawData(), KindFile, nil); err != nil {
		t.Fatal(err)
	}
	notPB := cid.NewCidV1(cid.DagProtobuf, objMust[mh.Multihash](t)(mh.Sum([]byte("x"), mh.SHA2_256, -1)))
	if err := s.putBlock(ctx, notPB, []byte("x"), KindFile, nil); err != nil {
		t.Fatal(err)
	}
	structured, err := s.Store(ctx, []any{int64(1)}, cid.Undef)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		c    cid.Cid
		want error
	}{
		{"directory node", pn.Cid(), ErrInvalidInput},
		{"not dag-pb", notPB, ErrInvalidInput},
		{"structured object", structured, ErrNotFile},
		{"missing", cid.NewCidV1(cid.Raw, objMust[mh.Multihash](t)(mh.Sum([]byte("nope"), mh.SHA2_256, -1))), ErrNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if _, err := s.Cat(ctx, tc.c, &out); !errors.Is(err, tc.want) || out.Len() != 0 {
				t.Fatalf("cat: %v after %d bytes, want %v", err, out.Len(), tc.want)
			}
		})
	}
}
