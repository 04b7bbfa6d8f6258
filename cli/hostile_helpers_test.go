package cli_test

// Helpers of the hostile-input suite (hostile_test.go): a seeded store on a real embedded
// server, the rows' runner, and the inputs the rows are made of (CID forms, control
// characters, special files).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multibase"
	mh "github.com/multiformats/go-multihash"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// maxStderr bounds what any row may print on stderr: no message echoes a huge input.
const maxStderr = 1500

// fixture is a store seeded with two events of order-1 (the second with the first as
// parent), a file object, a JSON object and a link, on its own embedded server.
type fixture struct {
	t   *testing.T
	srv *storetest.Server
	url string
	// tmp holds the rows' files: fifo, sock, file, dir, link-*.
	tmp string
	// CIDs of the seeded blocks.
	ev, ev2, obj, content, json, link string
	// state is verify's and stats' output as the last row left them.
	state string
	vars  *strings.Replacer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureOn(t, storetest.Start(t))
}

// newFixtureOn seeds the store of srv.
func newFixtureOn(t *testing.T, srv *storetest.Server) *fixture {
	t.Helper()
	f := &fixture{t: t, srv: srv, url: srv.ClientURL(), tmp: t.TempDir()}
	var a, b appended
	f.ok(&a, "append", "--aggregate", "order-1", "--type", "Created", "--data", `{"n":1}`)
	f.ok(&b, "append", "--aggregate", "order-1", "--type", "Paid", "--parent", a.CID, "--data", `{"n":2}`)
	f.ev, f.ev2 = a.CID, b.CID
	var p putOut
	f.okIn(strings.NewReader("invoice body"), &p, "put")
	f.obj, f.content = p.CID, *p.Content
	var j putOut
	f.okIn(strings.NewReader(`{"total":42}`), &j, "put", "--json")
	f.json = j.CID
	var l linkOut
	f.ok(&l, "link", f.obj, f.ev, "--type", "DerivedFrom")
	f.link = l.CID

	must(t, os.WriteFile(filepath.Join(f.tmp, "file"), []byte("payload from a file"), 0o644))
	must(t, os.Mkdir(filepath.Join(f.tmp, "dir"), 0o755))
	must(t, syscall.Mkfifo(filepath.Join(f.tmp, "fifo"), 0o644))
	ln, err := net.Listen("unix", filepath.Join(f.tmp, "sock"))
	must(t, err)
	t.Cleanup(func() { ln.Close() })
	must(t, os.Symlink(filepath.Join(f.tmp, "nothing"), filepath.Join(f.tmp, "link-dangling")))
	must(t, os.Symlink("/dev/full", filepath.Join(f.tmp, "link-full")))
	must(t, os.WriteFile(filepath.Join(f.tmp, "noperm"), []byte("x"), 0))

	f.vars = strings.NewReplacer("{ev}", f.ev, "{ev2}", f.ev2, "{obj}", f.obj, "{content}", f.content,
		"{json}", f.json, "{link}", f.link, "{tmp}", f.tmp)
	f.state = f.snapshot()
	if !strings.Contains(f.state, `"ok":true`) || !strings.Contains(f.state, `"events":2`) {
		t.Fatalf("seeded store: %s", f.state)
	}
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// run runs jetdag in-process against the fixture's server, with a bound on the time.
func (f *fixture) run(stdin io.Reader, args ...string) (string, string, int) {
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code := cli.Run(ctx, append([]string{"--nats", f.url}, args...), stdin, &out, &errb)
	return out.String(), errb.String(), code
}

func (f *fixture) ok(v any, args ...string) string { return f.okIn(nil, v, args...) }

func (f *fixture) okIn(stdin io.Reader, v any, args ...string) string {
	f.t.Helper()
	out, errs, code := f.run(stdin, args...)
	if code != cli.ExitOK {
		f.t.Fatalf("jetdag %v: exit %d\n%s", clipArgs(args), code, errs)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(out), v); err != nil {
			f.t.Fatalf("jetdag %v printed %q: %v", clipArgs(args), out, err)
		}
	}
	return out
}

// connections is how many client connections the server has accepted so far.
func (f *fixture) connections() uint64 {
	v, err := f.srv.NATS().Varz(nil)
	must(f.t, err)
	return v.TotalConnections
}

// snapshot is what verify and stats print: a row that should change nothing leaves both
// as they were. verify's exit code is part of it.
func (f *fixture) snapshot() string {
	vout, verr, vcode := f.run(nil, "verify", "--quiet")
	sout, serr, scode := f.run(nil, "stats")
	if scode != 0 {
		f.t.Fatalf("stats: exit %d %s", scode, serr)
	}
	if vcode != 0 && vcode != cli.ExitFailure {
		f.t.Fatalf("verify: exit %d %s", vcode, verr)
	}
	return fmt.Sprintf("verify exit %d\n%sstats\n%s", vcode, vout, sout)
}

// row is one hostile input: a command line, what it must answer, and whether it may change
// the store.
type row struct {
	name  string
	args  []string // {ev} {ev2} {obj} {content} {json} {link} {tmp} are the fixture's
	stdin string
	code  int
	// msg must appear on stderr (on stdout when code is 0); "" checks nothing.
	msg string
	// changes: the row stores something (a valid input at a limit); verify's verdict (its
	// exit code and how many messages and bucket entries it rejects) must stay as it was.
	changes bool
	// tamper: the row's prep damages the store on purpose; its own assertions say what
	// verify must report.
	tamper bool
	// prep runs before the command (tampering, a FIFO's other end); its result runs after.
	prep func(t *testing.T, f *fixture) func()
	// check adds assertions on the output.
	check func(t *testing.T, f *fixture, out, errs string)
}

// runRows runs each row as a subtest and checks its exit code, its message, the length of
// stderr, and that verify and stats say what they said before (or, for a row that changes
// the store, that verify's verdict is the same). A row whose command never connected to the
// server (refused while parsing its arguments) is shown to have changed nothing by the
// server's connection count, and verify and stats are not run again.
func (f *fixture) runRows(t *testing.T, rows []row) {
	t.Helper()
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			args := make([]string, len(r.args))
			for i, a := range r.args {
				args[i] = f.vars.Replace(a)
			}
			var done func()
			if r.prep != nil {
				done = r.prep(t, f)
			}
			conns := f.connections()
			out, errs, code := f.run(strings.NewReader(r.stdin), args...)
			if done != nil {
				done()
			}
			touched := f.connections() != conns
			if code != r.code {
				t.Errorf("jetdag %v: exit %d, want %d\nstdout %s\nstderr %s", clipArgs(args), code, r.code, clipArgs([]string{out}), errs)
			}
			where := errs
			if r.code == cli.ExitOK {
				where = out
			}
			if msg := f.vars.Replace(r.msg); msg != "" && !strings.Contains(where, msg) {
				t.Errorf("jetdag %v: output does not say %q:\nstdout %s\nstderr %s", clipArgs(args), r.msg, clipArgs([]string{out}), errs)
			}
			if len(errs) > maxStderr {
				t.Errorf("jetdag %v: %d bytes on stderr: %.300s…", clipArgs(args), len(errs), errs)
			}
			if r.check != nil {
				r.check(t, f, out, errs)
			}
			if !touched && !r.tamper {
				return // no client connected to the server: nothing stored can have changed
			}
			after := f.snapshot()
			switch {
			case r.tamper:
			case r.changes && verdict(after) != verdict(f.state):
				t.Errorf("verify's verdict changed after a valid input:\nbefore %s\nafter  %s", f.state, after)
			case !r.changes && after != f.state:
				t.Errorf("verify or stats changed:\nbefore %s\nafter  %s", f.state, after)
			}
			f.state = after
		})
	}
}

// verdict is what a snapshot's verify says: its exit code, ok, and the counts of rejected
// messages and bad bucket entries.
func verdict(snap string) string {
	var v struct {
		OK        bool `json:"ok"`
		Rejected  int  `json:"rejected"`
		BucketBad int  `json:"bucket_bad"`
	}
	lines := strings.Split(snap, "\n")
	for _, l := range lines {
		if strings.Contains(l, `"bucket_bad"`) {
			_ = json.Unmarshal([]byte(l), &v)
		}
	}
	return fmt.Sprintf("%s ok=%v rejected=%d bucket_bad=%d", lines[0], v.OK, v.Rejected, v.BucketBad)
}

// clipArgs shortens long arguments for test messages.
func clipArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if len(a) > 80 {
			a = fmt.Sprintf("%s…(%d bytes)", a[:60], len(a))
		}
		out[i] = a
	}
	return out
}

// cidForm is a way of writing (or mis-writing) a CID.
type cidForm struct {
	name string
	s    string
	// bad: the form is not a canonical CIDv1 (exit 2); else a well-formed CID of nothing stored.
	bad bool
}

// cidForms are the forms the suite tries wherever a command takes a CID; ev is a stored
// event's CID.
func cidForms(t *testing.T, ev string) []cidForm {
	c, err := cid.Decode(ev)
	must(t, err)
	b58, err := c.StringOfBase(multibase.Base58BTC)
	must(t, err)
	b32upper, err := c.StringOfBase(multibase.Base32Upper)
	must(t, err)
	b64, err := c.StringOfBase(multibase.Base64)
	must(t, err)
	sha512, err := mh.Sum([]byte("x"), mh.SHA2_512, -1)
	must(t, err)
	ident, err := mh.Sum([]byte("an identity multihash holds its data"), mh.IDENTITY, -1)
	must(t, err)
	v0 := cid.NewCidV0(c.Hash())
	return []cidForm{
		{"empty", "", true},
		{"v0 base58", v0.String(), true},
		{"v1 base58btc", b58, true},
		{"v1 upper-case base32", b32upper, true},
		{"v1 upper-case letters after b", "b" + strings.ToUpper(ev[1:]), true},
		{"v1 base64", b64, true},
		{"truncated", ev[:len(ev)-4], true},
		{"one letter", "b", true},
		{"leading space", " " + ev, true},
		{"trailing newline", ev + "\n", true},
		{"trailing NUL", ev + "\x00", true},
		{"invalid UTF-8", ev[:10] + "\xff" + ev[11:], true},
		{"100 KB", "b" + strings.Repeat("a", 100_000), true},
		{"not a CID", "order-1", true},
		{"raw codec, not stored", block.SumCodec(block.CodecRaw, []byte("nothing")).String(), false},
		{"dag-pb codec, not stored", block.SumCodec(block.CodecDagPB, []byte("nothing")).String(), false},
		{"dag-cbor, not stored", block.Sum([]byte("nothing")).String(), false},
		{"sha2-512", cid.NewCidV1(cid.DagCBOR, sha512).String(), false},
		{"identity hash", cid.NewCidV1(cid.DagCBOR, ident).String(), false},
		{"other codec (dag-json)", cid.NewCidV1(cid.DagJSON, c.Hash()).String(), false},
	}
}
