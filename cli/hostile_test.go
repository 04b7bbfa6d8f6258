package cli_test

// The hostile-input suite: inputs a hostile but honest user would try, per command, against
// a real embedded server. Each row asserts the exit code, a fragment of the message, a
// bounded stderr, and that verify and stats say afterwards what they said before (or, for a
// valid input at a limit, that verify still passes). Helpers are in hostile_helpers_test.go.

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ipfs/go-cid"
	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// Every way of writing a CID, wherever a command takes one.
func TestHostileCIDs(t *testing.T) {
	f := newFixture(t)
	type use struct {
		name string
		args func(c string) []string
		// unknown is the exit code and message for a well-formed CID of nothing stored.
		unknown int
		msg     string
	}
	uses := []use{
		{"get", func(c string) []string { return []string{"get", c} }, cli.ExitFailure, "not found"},
		{"cat", func(c string) []string { return []string{"cat", c} }, cli.ExitFailure, "not found"},
		{"dag ancestors", func(c string) []string { return []string{"dag", "ancestors", c} }, cli.ExitFailure, "not found"},
		{"dag descendants", func(c string) []string { return []string{"dag", "descendants", c} }, cli.ExitFailure, "not found"},
		{"dag path from", func(c string) []string { return []string{"dag", "path", c, "{ev}"} }, cli.ExitFailure, "not found"},
		{"link from", func(c string) []string { return []string{"link", c, "{obj}", "--type", "References"} }, cli.ExitFailure, "no stored object or event"},
		{"link to", func(c string) []string { return []string{"link", "{obj}", c, "--type", "References"} }, cli.ExitFailure, "no stored object or event"},
		{"append --parent", func(c string) []string {
			return []string{"append", "--aggregate", "order-1", "--type", "T", "--parent", c}
		}, cli.ExitBadInput, "unknown parent"},
		{"append --expect-head", func(c string) []string {
			return []string{"append", "--aggregate", "order-1", "--type", "T", "--expect-head", c}
		}, cli.ExitConflict, "conflict"},
		{"put --previous", func(c string) []string { return []string{"put", "--json", "--previous", c} }, cli.ExitFailure, "not found"},
	}
	var rows []row
	for _, u := range uses {
		for _, form := range cidForms(t, f.ev) {
			r := row{name: u.name + "/" + form.name, args: u.args(form.s), stdin: "{}", code: u.unknown, msg: u.msg}
			switch {
			case form.bad:
				r.code, r.msg = cli.ExitBadInput, "CID"
			case u.name == "cat" && strings.Contains(form.name, "dag-json"):
				r.code, r.msg = cli.ExitBadInput, "neither an object nor file content" // no such block can be stored
			case u.name == "put --previous" && codec(form.s) != cid.DagCBOR:
				r.code, r.msg = cli.ExitBadInput, "is not an object CID" // another codec than dag-cbor
			}
			rows = append(rows, r)
		}
	}
	f.runRows(t, rows)
}

// export --car never replaces what is not a regular file: a character device or a FIFO is
// written directly, anything else refused; errors name the user's path.
func TestHostileExportTargets(t *testing.T) {
	f := newFixture(t)
	regular := filepath.Join(f.tmp, "old.car")
	must(t, os.WriteFile(regular, []byte("old"), 0o600))
	target := filepath.Join(f.tmp, "target.car")
	must(t, os.WriteFile(target, []byte("old"), 0o644))
	must(t, os.Symlink(target, filepath.Join(f.tmp, "link-regular")))
	var fromFIFO []byte
	readFIFO := func(t *testing.T, f *fixture) func() {
		done := make(chan struct{})
		go func() {
			defer close(done)
			r, err := os.Open(filepath.Join(f.tmp, "fifo"))
			if err != nil {
				t.Error(err)
				return
			}
			defer r.Close()
			fromFIFO, _ = io.ReadAll(r)
		}()
		return func() { <-done }
	}
	isCAR := func(t *testing.T, b []byte) {
		t.Helper()
		// A CARv1 starts with its header's length and a DAG-CBOR map holding "roots".
		if len(b) < 100 || !bytes.Contains(b[:60], []byte("roots")) || !bytes.Contains(b, []byte("invoice body")) {
			t.Errorf("not the exported CAR: %d bytes %.40q", len(b), b)
		}
	}
	still := func(path string, mode os.FileMode) func(t *testing.T, f *fixture, _, _ string) {
		return func(t *testing.T, f *fixture, _, _ string) {
			fi, err := os.Lstat(f.vars.Replace(path))
			if err != nil || fi.Mode().Type() != mode {
				t.Errorf("%s is now %v (%v), want type %v", path, fi.Mode(), err, mode)
			}
			noTemp(t, f)
		}
	}
	f.runRows(t, []row{
		{name: "dev full", args: []string{"export", "--car", "/dev/full"}, code: cli.ExitFailure, msg: "write /dev/full: no space left on device",
			check: still("/dev/full", os.ModeDevice|os.ModeCharDevice)},
		{name: "symlink to dev full", args: []string{"export", "--car", "{tmp}/link-full"}, code: cli.ExitFailure, msg: "{tmp}/link-full: no space left",
			check: still("{tmp}/link-full", os.ModeSymlink)},
		{name: "dev null", args: []string{"export", "--car", "/dev/null"}, msg: `"events":2`,
			check: still("/dev/null", os.ModeDevice|os.ModeCharDevice)},
		{name: "fifo with a reader", args: []string{"export", "--car", "{tmp}/fifo"}, msg: `"events":2`, prep: readFIFO,
			check: func(t *testing.T, f *fixture, out, errs string) {
				isCAR(t, fromFIFO)
				still("{tmp}/fifo", os.ModeNamedPipe)(t, f, out, errs)
			}},
		{name: "directory", args: []string{"export", "--car", "{tmp}/dir"}, code: cli.ExitBadInput, msg: "is a directory",
			check: still("{tmp}/dir", os.ModeDir)},
		{name: "socket", args: []string{"export", "--car", "{tmp}/sock"}, code: cli.ExitBadInput, msg: "is a socket",
			check: still("{tmp}/sock", os.ModeSocket)},
		{name: "dangling symlink", args: []string{"export", "--car", "{tmp}/link-dangling"}, code: cli.ExitBadInput, msg: "symbolic link to nothing",
			check: still("{tmp}/link-dangling", os.ModeSymlink)},
		{name: "missing directory", args: []string{"export", "--car", "{tmp}/nodir/out.car"}, code: cli.ExitBadInput, msg: "{tmp}/nodir/out.car"},
		{name: "directory is a file", args: []string{"export", "--car", "{tmp}/file/out.car"}, code: cli.ExitBadInput, msg: "not a directory"},
		{name: "empty name", args: []string{"export", "--car", ""}, code: cli.ExitBadInput, msg: "--car"},
		{name: "unknown aggregate leaves no file", args: []string{"export", "--car", "{tmp}/new.car", "--aggregate", "nobody"}, code: cli.ExitFailure, msg: "no events",
			check: func(t *testing.T, f *fixture, _, _ string) {
				if _, err := os.Stat(filepath.Join(f.tmp, "new.car")); err == nil {
					t.Error("a failed export created its file")
				}
				noTemp(t, f)
			}},
		{name: "regular file keeps its mode", args: []string{"export", "--car", regular}, msg: `"events":2`,
			check: func(t *testing.T, f *fixture, _, _ string) {
				b, err := os.ReadFile(regular)
				must(t, err)
				isCAR(t, b)
				if fi, _ := os.Stat(regular); fi.Mode() != 0o600 {
					t.Errorf("mode %v, want 0600", fi.Mode())
				}
				noTemp(t, f)
			}},
		{name: "symlink to a regular file", args: []string{"export", "--car", "{tmp}/link-regular"}, msg: `"events":2`,
			check: func(t *testing.T, f *fixture, out, errs string) {
				b, err := os.ReadFile(target)
				must(t, err)
				isCAR(t, b)
				still("{tmp}/link-regular", os.ModeSymlink)(t, f, out, errs)
			}},
	})
}

// codec is the codec of a well-formed CID.
func codec(s string) uint64 {
	c, err := cid.Decode(s)
	if err != nil {
		return 0
	}
	return c.Type()
}

// noTemp fails when an export left a temporary file in the fixture's directory.
func noTemp(t *testing.T, f *fixture) {
	t.Helper()
	ents, err := os.ReadDir(f.tmp)
	must(t, err)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// Special files as input: /dev/null, /dev/full, a FIFO, a directory, a socket, a missing
// or unreadable file.
func TestHostileInputFiles(t *testing.T) {
	f := newFixture(t)
	writeFIFO := func(data string) func(t *testing.T, f *fixture) func() {
		return func(t *testing.T, f *fixture) func() {
			done := make(chan struct{})
			go func() {
				defer close(done)
				w, err := os.OpenFile(filepath.Join(f.tmp, "fifo"), os.O_WRONLY, 0)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = w.WriteString(data)
				w.Close()
			}()
			return func() { <-done }
		}
	}
	app := func(file string) []string {
		return []string{"append", "--aggregate", "files", "--type", "T", "--data-file", file}
	}
	rows := []row{
		{name: "append dev null", args: app("/dev/null"), changes: true, msg: `"cid"`},
		{name: "append dev full (endless)", args: app("/dev/full"), code: cli.ExitBadInput, msg: "larger than 67108864 bytes"},
		{name: "append fifo", args: app("{tmp}/fifo"), changes: true, msg: `"cid"`, prep: writeFIFO("through a fifo")},
		{name: "append directory", args: app("{tmp}/dir"), code: cli.ExitBadInput, msg: "is a directory"},
		{name: "append socket", args: app("{tmp}/sock"), code: cli.ExitBadInput, msg: "--data-file"},
		{name: "append missing", args: app("{tmp}/missing"), code: cli.ExitBadInput, msg: "no such file"},
		{name: "append empty name", args: app(""), code: cli.ExitBadInput, msg: "--data-file"},
		{name: "append data and data-file", args: append(app("{tmp}/file"), "--data", "x"), code: cli.ExitBadInput, msg: "not both"},
		{name: "put dev null", args: []string{"put", "--file", "/dev/null"}, changes: true, msg: `"size":0`},
		{name: "put fifo", args: []string{"put", "--file", "{tmp}/fifo"}, changes: true, msg: `"size":14`, prep: writeFIFO("through a fifo")},
		{name: "put directory", args: []string{"put", "--file", "{tmp}/dir"}, code: cli.ExitBadInput, msg: "is a directory"},
		{name: "put socket", args: []string{"put", "--file", "{tmp}/sock"}, code: cli.ExitBadInput, msg: "--file"},
		{name: "put missing", args: []string{"put", "--file", "{tmp}/missing"}, code: cli.ExitBadInput, msg: "no such file"},
		{name: "put --json directory", args: []string{"put", "--json", "--file", "{tmp}/dir"}, code: cli.ExitBadInput, msg: "is a directory"},
		{name: "put --json dev null", args: []string{"put", "--json", "--file", "/dev/null"}, code: cli.ExitBadInput, msg: "JSON"},
		{name: "import dev null", args: []string{"import", "--car", "/dev/null"}, code: cli.ExitBadInput, msg: "character device"},
		{name: "import fifo", args: []string{"import", "--car", "{tmp}/fifo"}, code: cli.ExitBadInput, msg: "FIFO"},
		{name: "import directory", args: []string{"import", "--car", "{tmp}/dir"}, code: cli.ExitBadInput, msg: "directory"},
		{name: "import socket", args: []string{"import", "--car", "{tmp}/sock"}, code: cli.ExitBadInput, msg: "socket"},
		{name: "import missing", args: []string{"import", "--car", "{tmp}/missing"}, code: cli.ExitBadInput, msg: "no such file"},
		{name: "import not a CAR", args: []string{"import", "--car", "{tmp}/file"}, code: cli.ExitBadInput, msg: "{tmp}/file"},
	}
	if os.Geteuid() != 0 { // root reads a file of mode 000
		rows = append(rows,
			row{name: "append unreadable", args: app("{tmp}/noperm"), code: cli.ExitBadInput, msg: "permission denied"},
			row{name: "put unreadable", args: []string{"put", "--file", "{tmp}/noperm"}, code: cli.ExitBadInput, msg: "permission denied"},
			row{name: "import unreadable", args: []string{"import", "--car", "{tmp}/noperm"}, code: cli.ExitBadInput, msg: "permission denied"})
	}
	f.runRows(t, rows)
}

// Connection flags that cannot work are bad input, said at once, without secrets.
func TestHostileConnectionFlags(t *testing.T) {
	f := newFixture(t)
	noSecret := func(t *testing.T, _ *fixture, out, errs string) {
		if strings.Contains(out+errs, "hunter2") {
			t.Errorf("the password shows: %s", errs)
		}
	}
	busy := strings.TrimPrefix(f.url, "nats://")
	var started time.Time
	clock := func(t *testing.T, _ *fixture) func() {
		started = time.Now()
		return nil
	}
	quick := func(t *testing.T, _ *fixture, _, _ string) {
		if d := time.Since(started); d > 5*time.Second {
			t.Errorf("took %s to say why", d)
		}
	}
	f.runRows(t, []row{
		{name: "nats empty", args: []string{"--nats", "", "stats"}, code: cli.ExitBadInput, msg: "no server URL"},
		{name: "nats commas", args: []string{"--nats", ",,,", "stats"}, code: cli.ExitBadInput, msg: "server URL 1 of 4 is empty"},
		{name: "nats trailing comma", args: []string{"--nats", f.url + ",", "history", "order-1"}, code: cli.ExitBadInput, msg: "2 of 2 is empty"},
		{name: "nats bad port", args: []string{"--nats", "nats://127.0.0.1:x", "stats"}, code: cli.ExitBadInput, msg: "invalid port"},
		{name: "nats port 0", args: []string{"--nats", "nats://127.0.0.1:0", "stats"}, code: cli.ExitBadInput, msg: "want 1 to 65535"},
		{name: "nats http scheme", args: []string{"--nats", "http://127.0.0.1:4222", "stats"}, code: cli.ExitBadInput, msg: "scheme"},
		{name: "nats no host", args: []string{"--nats", "nats://", "stats"}, code: cli.ExitBadInput, msg: "no host"},
		{name: "nats malformed with password", args: []string{"--nats", "nats://u:hunter2@[::1", "stats"}, code: cli.ExitBadInput, msg: "[redacted]", check: noSecret},
		{name: "nats 100 KB", args: []string{"--nats", "nats://" + strings.Repeat("h", 100_000), "stats"}, code: cli.ExitBadInput, msg: "bytes)"},
		{name: "creds missing", args: []string{"--creds", "{tmp}/missing", "stats"}, code: cli.ExitBadInput, msg: "--creds"},
		{name: "creds directory", args: []string{"--creds", "{tmp}/dir", "stats"}, code: cli.ExitBadInput, msg: "is a directory"},
		{name: "nkey missing", args: []string{"--nkey", "{tmp}/missing", "stats"}, code: cli.ExitBadInput, msg: "--nkey"},
		{name: "nkey not a seed", args: []string{"--nkey", "{tmp}/file", "stats"}, code: cli.ExitBadInput, msg: "nkey"},
		{name: "tls-ca missing", args: []string{"--tls-ca", "{tmp}/missing", "stats"}, code: cli.ExitBadInput, msg: "--tls-ca"},
		{name: "tls-ca not PEM", args: []string{"--tls-ca", "{tmp}/file", "stats"}, code: cli.ExitBadInput, msg: "no PEM"},
		{name: "tls-cert without key", args: []string{"--tls-cert", "{tmp}/file", "stats"}, code: cli.ExitBadInput, msg: "needs --tls-key"},
		{name: "tls-key without cert", args: []string{"--tls-key", "{tmp}/file", "stats"}, code: cli.ExitBadInput, msg: "needs --tls-cert"},
		{name: "tls-cert not PEM", args: []string{"--tls-cert", "{tmp}/file", "--tls-key", "{tmp}/file", "stats"}, code: cli.ExitBadInput, msg: "TLS client certificate"},
		{name: "serve on a busy port", args: []string{"serve", "--store", "{tmp}/srv", "--listen", busy}, code: cli.ExitBadInput, msg: "address already in use", prep: clock, check: quick},
		{name: "serve store is a file", args: []string{"serve", "--store", "{tmp}/file", "--listen", "127.0.0.1:0"}, code: cli.ExitBadInput, msg: "is not a directory", prep: clock, check: quick},
		{name: "serve store is a device", args: []string{"serve", "--store", "/dev/null", "--listen", "127.0.0.1:0"}, code: cli.ExitBadInput, msg: "is not a directory", prep: clock, check: quick},
		{name: "serve listen without a port", args: []string{"serve", "--store", "{tmp}/srv3", "--listen", "nohost"}, code: cli.ExitBadInput, msg: "listen address", prep: clock, check: quick},
		{name: "serve listen port out of range", args: []string{"serve", "--store", "{tmp}/srv3", "--listen", "127.0.0.1:99999"}, code: cli.ExitBadInput, msg: "bad port", prep: clock, check: quick},
		{name: "serve store empty", args: []string{"serve", "--store", ""}, code: cli.ExitBadInput, msg: "--store"},
		{name: "serve store under a file", args: []string{"serve", "--store", "{tmp}/file/sub", "--listen", "127.0.0.1:0"}, code: cli.ExitBadInput, msg: "not a directory", prep: clock, check: quick},
		{name: "serve with a missing creds file", args: []string{"--creds", "{tmp}/missing", "serve", "--store", "{tmp}/srv2"}, code: cli.ExitBadInput, msg: "--creds"},
	})
}

// Empty values never drop a guard silently, and long values are cut in messages.
func TestHostileEmptyAndLongValues(t *testing.T) {
	f := newFixture(t)
	long := "b" + strings.Repeat("a", 100_000)
	short := func(t *testing.T, _ *fixture, _, errs string) {
		if len(errs) > 400 { // a value is quoted in at most ~130 bytes, at most twice
			t.Errorf("%d bytes on stderr", len(errs))
		}
	}
	f.runRows(t, []row{
		{name: "append expect-head empty", args: []string{"append", "--aggregate", "order-1", "--type", "T", "--expect-head", ""}, code: cli.ExitBadInput, msg: "--expect-head is empty"},
		{name: "append parent empty", args: []string{"append", "--aggregate", "order-1", "--type", "T", "--parent", ""}, code: cli.ExitBadInput, msg: "--parent"},
		{name: "put previous empty", args: []string{"put", "--json", "--previous", ""}, stdin: "{}", code: cli.ExitBadInput, msg: "--previous is empty"},
		{name: "put file empty", args: []string{"put", "--file", ""}, stdin: "x", code: cli.ExitBadInput, msg: "--file: empty file name"},
		{name: "import car empty", args: []string{"import", "--car", ""}, code: cli.ExitBadInput, msg: "--car"},
		{name: "get 100 KB", args: []string{"get", long}, code: cli.ExitBadInput, msg: "(100001 bytes)", check: short},
		{name: "cat 100 KB", args: []string{"cat", long}, code: cli.ExitBadInput, msg: "(100001 bytes)", check: short},
		{name: "link 100 KB", args: []string{"link", long, long, "--type", "References"}, code: cli.ExitBadInput, msg: "(100001 bytes)", check: short},
		{name: "log-level 100 KB", args: []string{"--log-level", long, "stats"}, code: cli.ExitBadInput, msg: "(100001 bytes)", check: short},
		{name: "history 100 KB", args: []string{"history", long}, code: cli.ExitBadInput, msg: "100001 bytes, more than 256", check: short},
		{name: "append aggregate 100 KB", args: []string{"append", "--aggregate", long, "--type", "T"}, code: cli.ExitBadInput, msg: "100001 bytes, more than 256", check: short},
		{name: "unknown command 100 KB", args: []string{long}, code: cli.ExitBadInput, msg: "bytes)", check: short},
		{name: "unknown flag 100 KB", args: []string{"stats", "--" + long}, code: cli.ExitBadInput, msg: "bytes)", check: short},
		{name: "bad flag value 100 KB", args: []string{"append", "--aggregate", "a", "--type", "T", "--retries", long}, code: cli.ExitBadInput, msg: "bytes)", check: short},
		{name: "link type 100 KB", args: []string{"link", "{obj}", "{ev2}", "--type", long}, code: cli.ExitBadInput, msg: "100001 bytes, more than 64", check: short},
	})
}

// controls are the characters the name rows put in aggregate IDs, event types and link
// types: every C0 control, DEL, every C1 control, the Unicode line and paragraph
// separators, a BOM and a zero-width space, and four kinds of invalid UTF-8.
func controls() []struct{ name, s string } {
	var out []struct{ name, s string }
	for r := rune(0); r < 0x20; r++ {
		out = append(out, struct{ name, s string }{fmt.Sprintf("U+%04X", r), string(r)})
	}
	out = append(out, struct{ name, s string }{"DEL", "\x7f"})
	for r := rune(0x80); r < 0xa0; r++ {
		out = append(out, struct{ name, s string }{fmt.Sprintf("U+%04X", r), string(r)})
	}
	for _, r := range []rune{0x2028, 0x2029, 0xfeff, 0x200b} {
		out = append(out, struct{ name, s string }{fmt.Sprintf("U+%04X", r), string(r)})
	}
	for _, b := range []struct{ name, s string }{
		{"invalid byte ff", "\xff"}, {"truncated sequence", "\xc3"}, {"overlong slash", "\xc0\xaf"}, {"surrogate", "\xed\xa0\x80"},
	} {
		out = append(out, b)
	}
	return out
}

// roundTrip checks that history of agg prints, last, an event of that aggregate and type.
func roundTrip(agg, typ string) func(t *testing.T, f *fixture, out, errs string) {
	return func(t *testing.T, f *fixture, _, _ string) {
		t.Helper()
		hist, errs, code := f.run(nil, "history", agg)
		lines := strings.Split(strings.TrimSpace(hist), "\n")
		var ev struct {
			AggregateID string `json:"aggregate_id"`
			EventType   string `json:"event_type"`
		}
		if code != 0 || json.Unmarshal([]byte(lines[len(lines)-1]), &ev) != nil || ev.AggregateID != agg || ev.EventType != typ {
			t.Errorf("history %q: exit %d %s\n%s", agg, code, errs, hist)
		}
	}
}

// Names at and past their limits, and with every control character inside.
func TestHostileNames(t *testing.T) {
	f := newFixture(t)
	app := func(agg, typ string) row {
		return row{args: []string{"append", "--aggregate", agg, "--type", typ, "--data", "x"}}
	}
	ok := func(name, agg, typ string) row {
		r := app(agg, typ)
		r.name, r.changes, r.msg, r.check = name, true, `"cid"`, roundTrip(agg, typ)
		return r
	}
	bad := func(name, agg, typ, msg string) row {
		r := app(agg, typ)
		r.name, r.code, r.msg = name, cli.ExitBadInput, msg
		return r
	}
	a256, e256 := strings.Repeat("a", 256), strings.Repeat("é", 128)
	link := func(name, typ string, code int, msg string) row {
		return row{name: name, args: []string{"link", "{obj}", "{ev2}", "--type", typ}, code: code, msg: msg, changes: code == 0}
	}
	rows := []row{
		ok("aggregate 256 bytes", a256, "T"),
		ok("aggregate 256 bytes of escapes", strings.Repeat("%", 256), "T"),
		ok("aggregate 256 bytes of wildcards", strings.Repeat(">", 128)+strings.Repeat("*", 128), "T"),
		ok("aggregate 256 bytes of 2-byte letters", e256, "T"),
		ok("aggregate of dots", "...", "T"),
		bad("aggregate 257 bytes", a256+"a", "T", "257 bytes, more than 256"),
		bad("aggregate 257 bytes ending in a 2-byte letter", strings.Repeat("a", 255)+"é", "T", "257 bytes, more than 256"),
		bad("aggregate empty", "", "T", "empty"),
		ok("type 256 bytes", "order-1", a256),
		ok("type 256 bytes of escapes", "order-1", strings.Repeat(".", 256)),
		bad("type 257 bytes", "order-1", a256+"a", "257 bytes, more than 256"),
		bad("type empty", "order-1", "", "empty"),
		{name: "payload 1 MiB", args: []string{"append", "--aggregate", "big", "--type", "T"}, stdin: strings.Repeat("p", 1<<20), code: cli.ExitBadInput, msg: "payload too large"},
		{name: "payload 1 MiB less 4 KiB", args: []string{"append", "--aggregate", "big", "--type", "T"}, stdin: strings.Repeat("p", 1<<20-4096), changes: true, msg: `"cid"`},
		{name: "put --json past the block limit", args: []string{"put", "--json"}, stdin: `"` + strings.Repeat("j", 1<<20) + `"`, code: cli.ExitBadInput, msg: "larger than"},
		{name: "history 257 bytes", args: []string{"history", a256 + "a"}, code: cli.ExitBadInput, msg: "more than 256"},
		{name: "history unknown aggregate", args: []string{"history", "nobody"}, code: cli.ExitFailure, msg: "not found"},
		{name: "export aggregate 257 bytes", args: []string{"export", "--car", "{tmp}/x.car", "--aggregate", a256 + "a"}, code: cli.ExitBadInput, msg: "more than 256"},
		link("link type 64 bytes", strings.Repeat("L", 64), 0, `"cid"`),
		link("link type 65 bytes", strings.Repeat("L", 65), cli.ExitBadInput, "65 bytes, more than 64"),
		link("link type 64 bytes ending in a 2-byte letter", strings.Repeat("L", 63)+"é", cli.ExitBadInput, "65 bytes, more than 64"),
		{name: "link to itself", args: []string{"link", "{obj}", "{obj}", "--type", "References"}, code: cli.ExitBadInput, msg: "itself"},
	}
	// Each control character at either end of the aggregate ID and the event type (FORMAT.md:
	// no space or tab there, which NATS trims from header values), and inside both; the
	// aggregate and the type share a rule, so one row tries both.
	both := func(name, agg, typ string, class string) row {
		switch class {
		case "ok":
			return ok(name, agg, typ)
		case "utf8":
			return bad(name, agg, typ, "not valid UTF-8")
		case "crlf":
			return bad(name, agg, typ, "CR, LF or NUL")
		}
		return bad(name, agg, typ, "space or tab")
	}
	for _, c := range append(controls(), struct{ name, s string }{"space", " "}) {
		class := "ok"
		switch {
		case !utf8.ValidString(c.s):
			class = "utf8"
		case strings.ContainsAny(c.s, "\r\n\x00"):
			class = "crlf"
		case c.s == " " || c.s == "\t":
			class = "edge"
		}
		rows = append(rows,
			both("leading aggregate, trailing type "+c.name, c.s+"agg", "T"+c.s, class),
			both("trailing aggregate, leading type "+c.name, "agg"+c.s, c.s+"T", class))
		if class == "edge" {
			class = "ok" // inside, a space or tab is kept
		}
		rows = append(rows, both("inside "+c.name, "agg"+c.s+"x", "T"+c.s+"x", class))
		typ := "L" + c.s + "x"
		switch {
		case !utf8.ValidString(c.s):
			rows = append(rows, link("link type with "+c.name, typ, cli.ExitBadInput, "not valid UTF-8"))
		case unicode.IsControl([]rune(c.s)[0]):
			rows = append(rows, link("link type with "+c.name, typ, cli.ExitBadInput, "control character"))
		default:
			rows = append(rows, link("link type with "+c.name, typ, 0, `"cid"`))
		}
	}
	rows = append(rows, bad("aggregate of spaces", "   ", "T", "space or tab"), bad("type of a tab", "order-1", "\t", "space or tab"))
	f.runRows(t, rows)
}

// Short commands leave no consumer of the event stream behind: on a server that allows 20
// consumers a stream, 30 runs of each command that replays or reads the stream still work.
// (nats.go keeps an ordered consumer's server-side consumer for 5 minutes unless it is
// deleted, and nats-server's default limit is 1000 a stream, which a script of short
// commands reached within minutes. The object bucket's readers are push consumers that the
// server removes 5 s after their client goes, so they are not counted here.)
func TestHostileConsumerLimit(t *testing.T) {
	srv := storetest.StartConfigured(t, func(o *natsserver.Options) {
		o.JetStreamLimits.DefaultMaxConsumers = 20
	})
	f := &fixture{t: t, srv: srv, url: srv.ClientURL()}
	var a appended
	f.ok(&a, "append", "--aggregate", "order-1", "--type", "Created")
	for i := range 30 {
		for _, args := range [][]string{
			{"history", "order-1"}, {"get", a.CID}, {"verify", "--objects=false"},
			{"tail", "--from", "1", "--until-caught-up"}, {"append", "--aggregate", "order-1", "--type", "Again"},
		} {
			if _, errs, code := f.run(nil, args...); code != 0 || errs != "" {
				// (tail once logged "event feed stopped" as it closed its connection)
				t.Fatalf("run %d of jetdag %v: exit %d\n%s", i+1, args, code, errs)
			}
		}
	}
}

// Junk and forged messages on the stream, tampered bucket entries: verify says so, and
// every reader keeps answering from what verifies.
func TestHostileTampering(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	js, err := jetstream.New(f.srv.Connect(t))
	must(t, err)
	publish := func(m *nats.Msg) func(t *testing.T, f *fixture) func() {
		return func(t *testing.T, _ *fixture) func() {
			if _, err := js.PublishMsg(ctx, m); err != nil {
				t.Fatal(err)
			}
			return nil
		}
	}
	forge := func(ev block.Event, subject string) *nats.Msg {
		m, _, err := store.EventMessage(&ev)
		must(t, err)
		if subject != "" {
			m.Subject = subject
		}
		return m
	}
	bucket, err := js.ObjectStore(ctx, store.ObjectBucket)
	must(t, err)
	overwrite := func(name string, data []byte) func(t *testing.T, f *fixture) func() {
		return func(t *testing.T, f *fixture) func() {
			if _, err := bucket.PutBytes(ctx, f.vars.Replace(name), data); err != nil {
				t.Fatal(err)
			}
			return nil
		}
	}
	lines := func(n int) func(t *testing.T, f *fixture, out, errs string) {
		return func(t *testing.T, _ *fixture, out, _ string) {
			if got := strings.Count(out, "\n"); got != n {
				t.Errorf("%d lines, want %d:\n%s", got, n, out)
			}
		}
	}
	unknown := block.Sum([]byte("no such event")).String()
	var appended1 appended
	f.runRows(t, []row{
		{name: "junk without headers", tamper: true, prep: publish(&nats.Msg{Subject: "event.store.order-1.Paid", Data: []byte("junk")}),
			args: []string{"verify"}, code: cli.ExitFailure, msg: "1 of 3 messages"},
		{name: "history skips the junk", args: []string{"history", "order-1"}, check: lines(2)},
		{name: "get beside the junk", args: []string{"get", "{ev2}"}, msg: `"seq":2`},
		{name: "append after the junk", args: []string{"append", "--aggregate", "order-1", "--type", "Shipped"}, changes: true,
			check: func(t *testing.T, f *fixture, out, _ string) {
				must(t, json.Unmarshal([]byte(out), &appended1))
				if appended1.Previous == nil || *appended1.Previous != f.ev2 {
					t.Errorf("the junk became the head: %s", out)
				}
			}},
		{name: "tail shows the junk as rejected", args: []string{"tail", "--from", "1", "--until-caught-up"}, msg: `"rejected":true`},
		{name: "dag heads beside the junk", args: []string{"dag", "heads"}, msg: "order-1"},
		{name: "export leaves the junk out", args: []string{"export", "--car", "/dev/null"}, msg: `"rejected":1`},
		{name: "junk claiming a stored CID", tamper: true,
			prep: publish(&nats.Msg{Subject: "event.store.order-1.Created", Data: []byte("junk"), Header: nats.Header{"Cid": {"{ev}"}}}),
			args: []string{"verify"}, code: cli.ExitFailure, msg: "2 of 5 messages"},
		{name: "get of the claimed CID", args: []string{"get", "{ev}"}, msg: `"seq":1`},
		{name: "a valid block on another aggregate's subject", tamper: true,
			prep: publish(forge(block.Event{AggregateID: "other", EventType: "Paid", Timestamp: 1}, "event.store.order-1.Paid")),
			args: []string{"verify"}, code: cli.ExitFailure, msg: "3 of 6 messages"},
		{name: "history ignores the misfiled block", args: []string{"history", "order-1"}, check: lines(3)},
		{name: "a chain onto an event that does not exist", tamper: true,
			prep: publish(forge(block.Event{AggregateID: "forged", EventType: "T", PreviousCID: mustCID(t, unknown), Timestamp: 1}, "")),
			args: []string{"verify"}, code: cli.ExitFailure, msg: "4 of 7 messages"},
		{name: "history of the forged aggregate", args: []string{"history", "forged"}, code: cli.ExitFailure, msg: "not found"},
		{name: "append to the forged aggregate", args: []string{"append", "--aggregate", "forged", "--type", "T"}, changes: true,
			check: func(t *testing.T, _ *fixture, out, _ string) {
				if !strings.Contains(out, `"previous_cid":null`) {
					t.Errorf("the forged message became the head: %s", out)
				}
			}},
		{name: "tampered object block", tamper: true, prep: overwrite("{json}", []byte("junk")),
			args: []string{"verify"}, code: cli.ExitFailure, msg: "1 of 4 bucket entries"},
		{name: "cat of the tampered block", args: []string{"cat", "{json}"}, code: cli.ExitFailure, msg: "corrupt"},
		{name: "dag heads beside the tampered block", args: []string{"dag", "heads"}, msg: "order-1"},
		{name: "export stops at the tampered block", args: []string{"export", "--car", "{tmp}/t.car"}, code: cli.ExitFailure, msg: "corrupt",
			check: func(t *testing.T, f *fixture, _, _ string) {
				if _, err := os.Stat(filepath.Join(f.tmp, "t.car")); err == nil {
					t.Error("a failed export created its file")
				}
				noTemp(t, f)
			}},
		{name: "links beside the tampered block", args: []string{"links"}, msg: "{link}"},
		{name: "tampered link record keeping its metadata", tamper: true,
			prep: func(t *testing.T, f *fixture) func() {
				info, err := bucket.GetInfo(ctx, f.link)
				must(t, err)
				if _, err := bucket.Put(ctx, jetstream.ObjectMeta{Name: f.link, Metadata: info.Metadata}, strings.NewReader("junk")); err != nil {
					t.Fatal(err)
				}
				return nil
			},
			args: []string{"verify"}, code: cli.ExitFailure, msg: "2 of 4 bucket entries"},
		// links rebuilds the record from metadata that re-encodes to its CID: what it prints
		// is the record the CID names, whatever the entry's bytes.
		{name: "links beside a record with junk bytes", args: []string{"links"}, msg: "{link}"},
		{name: "tampered link record", tamper: true, prep: overwrite("{link}", []byte("junk")),
			args: []string{"verify"}, code: cli.ExitFailure, msg: "2 of 4 bucket entries"},
		// The junk entry lost the metadata that marks it a link record: links no longer lists it.
		{name: "links with a tampered record", args: []string{"links"}, check: lines(0)},
		{name: "bucket entry not named by a CID", tamper: true, prep: overwrite("not-a-cid", []byte("x")),
			args: []string{"verify"}, code: cli.ExitFailure, msg: "3 of 5 bucket entries"},
		{name: "cat of the good file beside it all", args: []string{"cat", "{obj}"}, msg: "invoice body"},
	})
}

func mustCID(t *testing.T, s string) cid.Cid {
	c, err := cid.Decode(s)
	must(t, err)
	return c
}

// Numbers at and past their ranges.
func TestHostileNumbers(t *testing.T) {
	f := newFixture(t)
	f.runRows(t, []row{
		{name: "init replicas 0", args: []string{"init", "--replicas", "0"}, code: cli.ExitBadInput, msg: "want 1 to 5"},
		{name: "init replicas 6", args: []string{"init", "--replicas", "6"}, code: cli.ExitBadInput, msg: "want 1 to 5"},
		{name: "init replicas not a number", args: []string{"init", "--replicas", "three"}, code: cli.ExitBadInput, msg: "invalid argument"},
		{name: "tail from past the end", args: []string{"tail", "--from", "18446744073709551615", "--until-caught-up"}, code: cli.ExitOK},
		{name: "tail from negative", args: []string{"tail", "--from", "-1"}, code: cli.ExitBadInput, msg: "invalid argument"},
		{name: "dag ancestors depth negative", args: []string{"dag", "ancestors", "{ev2}", "--depth", "-1"}, code: cli.ExitBadInput, msg: "--depth"},
		{name: "dag ancestors depth huge", args: []string{"dag", "ancestors", "{ev2}", "--depth", "9223372036854775807"}, msg: "{ev}"},
		{name: "put timestamp 0", args: []string{"put", "--json", "--timestamp", "0"}, stdin: "{}", code: cli.ExitBadInput, msg: "greater than 0"},
		{name: "append retries negative", args: []string{"append", "--aggregate", "order-1", "--type", "T", "--retries", "-1"}, code: cli.ExitBadInput, msg: "--retries"},
		{name: "connect-timeout negative", args: []string{"--connect-timeout", "-1s", "stats"}, code: cli.ExitBadInput, msg: "--connect-timeout"},
		{name: "max-reconnects below -1", args: []string{"--max-reconnects", "-2", "stats"}, code: cli.ExitBadInput, msg: "--max-reconnects"},
	})
}

// The offline block commands with hostile input (they never connect).
func TestHostileBlockCommands(t *testing.T) {
	f := newFixture(t)
	enc := func(extra ...string) []string {
		return append([]string{"block", "encode", "event", "--aggregate", "a", "--type", "T", "--timestamp", "1"}, extra...)
	}
	f.runRows(t, []row{
		{name: "decode empty stdin", args: []string{"block", "decode"}, code: cli.ExitBadInput, msg: "no block on stdin"},
		{name: "decode junk", args: []string{"block", "decode"}, stdin: "junk", code: cli.ExitFailure, msg: "block"},
		{name: "decode 2 MiB of junk", args: []string{"block", "decode"}, stdin: strings.Repeat("\xff", 2<<20), code: cli.ExitFailure},
		{name: "decode bad hex", args: []string{"block", "decode", "--hex"}, stdin: "zz", code: cli.ExitBadInput, msg: "hex"},
		{name: "decode bad --cid", args: []string{"block", "decode", "--cid", "Qm"}, stdin: "a0", code: cli.ExitBadInput, msg: "CID"},
		{name: "encode bad payload hex", args: enc("--payload-hex", "zz"), code: cli.ExitBadInput, msg: "--payload-hex"},
		{name: "encode trailing space", args: []string{"block", "encode", "event", "--aggregate", "a ", "--type", "T"}, code: cli.ExitBadInput, msg: "space or tab"},
		{name: "encode 257-byte type", args: []string{"block", "encode", "event", "--aggregate", "a", "--type", strings.Repeat("t", 257)}, code: cli.ExitBadInput, msg: "more than 256"},
		{name: "encode 100 KB parent", args: enc("--parent", "b"+strings.Repeat("a", 100_000)), code: cli.ExitBadInput, msg: "(100001 bytes)"},
		{name: "encode object bad JSON", args: []string{"block", "encode", "object", "--data-json", "{"}, code: cli.ExitBadInput, msg: "JSON"},
		{name: "encode object both data flags", args: []string{"block", "encode", "object", "--data-json", "1", "--data-hex", "01"}, code: cli.ExitBadInput},
	})
}

// A server whose max payload is small (16 KiB): an event past it is refused as too large;
// objects and files are stored in chunks below it.
func TestHostileSmallMaxPayload(t *testing.T) {
	f := newFixtureOn(t, storetest.StartConfigured(t, func(o *natsserver.Options) { o.MaxPayload = 16 << 10 }))
	app := []string{"append", "--aggregate", "big", "--type", "T"}
	f.runRows(t, []row{
		{name: "append payload of max payload", args: app, stdin: strings.Repeat("p", 16<<10), code: cli.ExitBadInput, msg: "payload too large"},
		{name: "append payload under max payload", args: app, stdin: strings.Repeat("p", 15<<10), changes: true, msg: `"cid"`},
		// Blocks larger than the max payload are stored in chunks below it (they were refused,
		// exit 1 "maximum payload exceeded", while the bucket chunked at 128 KiB).
		{name: "put a file of 100 KiB", args: []string{"put"}, stdin: strings.Repeat("f", 100<<10), changes: true, msg: `"size":102400`,
			check: func(t *testing.T, f *fixture, out, _ string) {
				var p putOut
				must(t, json.Unmarshal([]byte(out), &p))
				if got, errs, code := f.run(nil, "cat", p.CID); code != 0 || got != strings.Repeat("f", 100<<10) {
					t.Errorf("cat: exit %d, %d bytes %s", code, len(got), errs)
				}
			}},
		{name: "put JSON past max payload", args: []string{"put", "--json"}, stdin: `"` + strings.Repeat("j", 20<<10) + `"`, changes: true, msg: `"cid"`},
		{name: "put a file under max payload", args: []string{"put"}, stdin: strings.Repeat("f", 10<<10), changes: true, msg: `"size":10240`},
	})
}

// Issue #12's library defects, as a user meets them through the CLI: a link closing a cycle
// (1), a link to file content (2), a squatted message ID on import (4), an import whose later
// event is too large (6), tampered CID-index entries and watermark (7). Defect 3 (spaces at
// the ends of names) has its rows in TestHostileNames.
func TestHostileIssue12(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	nc := f.srv.Connect(t)
	js, err := jetstream.New(nc)
	must(t, err)
	index, err := js.KeyValue(ctx, store.IndexBucket)
	must(t, err)
	putIndex := func(key string, v []byte) func(t *testing.T, f *fixture) func() {
		return func(t *testing.T, f *fixture) func() {
			if _, err := index.Put(ctx, f.vars.Replace(key), v); err != nil {
				t.Fatal(err)
			}
			return nil
		}
	}
	seq := func(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

	// victim.car: one event, exported from another server; big.car: a small event, then one
	// with a 1.5 MiB payload, from a server that accepts it.
	other := &fixture{t: t, url: storetest.Start(t).ClientURL()}
	var victim appended
	other.ok(&victim, "append", "--aggregate", "victim", "--type", "T", "--data", "v")
	victimCAR := filepath.Join(f.tmp, "victim.car")
	other.ok(nil, "export", "--car", victimCAR)
	roomy := &fixture{t: t, url: storetest.StartConfigured(t, func(o *natsserver.Options) { o.MaxPayload = 4 << 20 }).ClientURL()}
	roomy.ok(nil, "append", "--aggregate", "bulky", "--type", "Small", "--data", "s")
	roomy.okIn(strings.NewReader(strings.Repeat("b", 3<<19)), nil, "append", "--aggregate", "bulky", "--type", "Big")
	bigCAR := filepath.Join(f.tmp, "big.car")
	roomy.ok(nil, "export", "--car", bigCAR)

	f.runRows(t, []row{
		{name: "1 link closing a cycle", args: []string{"link", "{ev}", "{obj}", "--type", "References"}, code: cli.ExitBadInput, msg: "cycle"},
		{name: "1 dag heads after the refusal", args: []string{"dag", "heads"}, msg: "order-1"},
		{name: "2 link from file content", args: []string{"link", "{content}", "{ev2}", "--type", "References"}, changes: true, msg: `"from":"{content}"`},
		{name: "2 dag descendants of the linked event", args: []string{"dag", "descendants", "{ev2}"}, msg: "{content}"},
		{name: "2 dag heads with file content linked", args: []string{"dag", "heads"}, msg: "order-1"},
		{name: "4 junk squatting an event's message ID", tamper: true,
			prep: func(t *testing.T, _ *fixture) func() {
				m := &nats.Msg{Subject: "event.store.victim.T", Data: []byte("junk"), Header: nats.Header{"Nats-Msg-Id": {victim.CID}}}
				if _, err := js.PublishMsg(ctx, m); err != nil {
					t.Fatal(err)
				}
				return nil
			},
			args: []string{"verify"}, code: cli.ExitFailure, msg: "1 of 3 messages"},
		{name: "4 import under the squatted ID", args: []string{"import", "--car", victimCAR}, code: cli.ExitFailure, msg: "message ID"},
		{name: "4 history of the victim", args: []string{"history", "victim"}, code: cli.ExitFailure, msg: "not found"},
		{name: "6 import with an event past max payload", args: []string{"import", "--car", bigCAR}, code: cli.ExitBadInput, msg: "payload too large"},
		{name: "6 nothing of it stored", args: []string{"history", "bulky"}, code: cli.ExitFailure, msg: "not found"},
		{name: "7 index entry naming the wrong sequence", tamper: true, prep: putIndex("{ev}", seq(2)),
			args: []string{"verify"}, code: cli.ExitFailure, msg: "1 CID index entries"},
		{name: "7 get beside the wrong entry", tamper: true, args: []string{"get", "{ev}"}, msg: `"seq":1,`},
		{name: "7 index entry of 4 bytes", tamper: true, prep: putIndex("{ev2}", []byte{0, 0, 0, 2}), args: []string{"get", "{ev2}"}, msg: `"seq":2,`},
		{name: "7 huge watermark", tamper: true, prep: putIndex("watermark", seq(1<<62)),
			args: []string{"append", "--aggregate", "order-1", "--type", "AfterWatermark"}, msg: `"cid"`,
			check: func(t *testing.T, f *fixture, out, _ string) {
				var a appended
				must(t, json.Unmarshal([]byte(out), &a))
				if _, errs, code := f.run(nil, "get", a.CID); code != 0 {
					t.Errorf("get of a new event under a huge watermark: exit %d %s", code, errs)
				}
			}},
		{name: "7 repair the index", tamper: true, args: []string{"verify", "--repair-index"}, code: cli.ExitFailure, msg: "1 of 4 messages"},
		{name: "7 verify after the repair", args: []string{"verify"}, code: cli.ExitFailure, msg: "0 CID index entries"},
	})
}
