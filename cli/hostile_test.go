package cli_test

// The hostile-input suite: inputs a hostile but honest user would try, per command, against
// a real embedded server. Each row asserts the exit code, a fragment of the message, a
// bounded stderr, and that verify and stats say afterwards what they said before (or, for a
// valid input at a limit, that verify still passes). Helpers are in hostile_helpers_test.go.

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/cli"
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
		{name: "serve store is a file", args: []string{"serve", "--store", "{tmp}/file", "--listen", "127.0.0.1:0"}, code: cli.ExitBadInput, msg: "is a file", prep: clock, check: quick},
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
