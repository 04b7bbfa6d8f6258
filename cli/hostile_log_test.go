package cli_test

// The hostile-input suite's rows for the log's keys and notes, the witness, view's log and
// replay flags, the benchmarks' workload flags and the HTTP listeners: files that cannot be
// keys (a FIFO nobody writes to, /dev/zero, a directory), signer keys given where a verifier
// key belongs (never echoed), numbers past their ranges. Helpers are in
// hostile_helpers_test.go.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jetdag/jetdag/cli"
)

// logFixture is the hostile fixture with a log checkpointed over its store, and the keys'
// files in its tmp: log.key (the log's signer key), log.vkey (its verifier key), w.key (a
// witness's signer key), graph.json (a small graph for bench layout).
func logFixture(t *testing.T) (f *fixture, skey, wkey string) {
	t.Helper()
	f = newFixture(t)
	var k struct{ Vkey string }
	f.ok(&k, "log", "keygen", "--origin", "hostile.example/log", "--out", filepath.Join(f.tmp, "log.key"))
	must(t, os.WriteFile(filepath.Join(f.tmp, "log.vkey"), []byte(k.Vkey+"\n"), 0o644))
	f.ok(nil, "log", "keygen", "--witness", "--origin", "witness.example", "--out", filepath.Join(f.tmp, "w.key"))
	f.ok(nil, "log", "checkpoint", "--key", filepath.Join(f.tmp, "log.key"))
	f.ok(nil, "bench", "layout", "--generate", "20", "--out", filepath.Join(f.tmp, "graph.json"))
	f.state = f.snapshot()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(f.tmp, name))
		must(t, err)
		return strings.TrimSpace(string(b))
	}
	return f, read("log.key"), read("w.key")
}

// noSecret fails a row whose output shows any part of a signer key's secret (the base64
// after its last '+').
func noSecret(keys ...string) func(t *testing.T, f *fixture, out, errs string) {
	return func(t *testing.T, _ *fixture, out, errs string) {
		for _, k := range keys {
			secret := k[strings.LastIndex(k, "+")+1:]
			if strings.Contains(out+errs, secret) {
				t.Errorf("a signer key shows in the output:\n%s%s", out, errs)
			}
		}
	}
}

// Files that cannot be keys or notes, and signer keys where verifier keys belong.
func TestHostileLogKeys(t *testing.T) {
	f, skey, wkey := logFixture(t)
	secret := noSecret(skey, wkey)
	f.runRows(t, []row{
		{name: "checkpoint key a FIFO nobody writes", args: []string{"log", "checkpoint", "--key", "{tmp}/fifo"}, code: cli.ExitBadInput, msg: "{tmp}/fifo: the file is empty"},
		{name: "checkpoint key /dev/zero", args: []string{"log", "checkpoint", "--key", "/dev/zero"}, code: cli.ExitBadInput, msg: "/dev/zero: more than 1048576 bytes"},
		{name: "checkpoint key a directory", args: []string{"log", "checkpoint", "--key", "{tmp}/dir"}, code: cli.ExitBadInput, msg: "{tmp}/dir: is a directory"},
		{name: "checkpoint key a verifier key", args: []string{"log", "checkpoint", "--key", "{tmp}/log.vkey"}, code: cli.ExitBadInput, msg: "{tmp}/log.vkey: malformed signer key"},
		{name: "checkpoint key a socket", args: []string{"log", "checkpoint", "--key", "{tmp}/sock"}, code: cli.ExitBadInput, msg: "--key"},
		{name: "vkey of /dev/zero", args: []string{"log", "vkey", "--key", "/dev/zero"}, code: cli.ExitBadInput, msg: "more than 1048576 bytes"},
		{name: "show vkey a signer key file", args: []string{"log", "show", "--vkey", "{tmp}/log.key"}, code: cli.ExitBadInput, msg: "{tmp}/log.key is a signer key", check: secret},
		{name: "show vkey a signer key typed", args: []string{"log", "show", "--vkey", skey}, code: cli.ExitBadInput, msg: "the value is a signer key", check: secret},
		{name: "show vkey a witness's signer key", args: []string{"log", "show", "--vkey", "{tmp}/w.key"}, code: cli.ExitBadInput, msg: "is a signer key", check: secret},
		{name: "show vkey neither key nor file", args: []string{"log", "show", "--vkey", "junk"}, code: cli.ExitBadInput, msg: `"junk" (not a file)`},
		{name: "show vkey /dev/zero", args: []string{"log", "show", "--vkey", "/dev/zero"}, code: cli.ExitBadInput, msg: "more than 1048576 bytes"},
		{name: "show vkey a FIFO", args: []string{"log", "show", "--vkey", "{tmp}/fifo"}, code: cli.ExitBadInput, msg: "the file is empty"},
		{name: "show size -2", args: []string{"log", "show", "--size", "-2"}, code: cli.ExitBadInput, msg: "--size -2"},
		{name: "prove size -5", args: []string{"log", "prove", "{ev}", "--size", "-5"}, code: cli.ExitBadInput, msg: "--size -5"},
		{name: "consistency to before from", args: []string{"log", "consistency", "--from", "2", "--to", "1"}, code: cli.ExitBadInput, msg: "--from 2 is beyond --to 1"},
		{name: "consistency to -3", args: []string{"log", "consistency", "--from", "0", "--to", "-3"}, code: cli.ExitBadInput, msg: "--to -3"},
		{name: "verify checkpoint note /dev/zero", args: []string{"verify", "--vkey", "{tmp}/log.vkey", "--checkpoint", "/dev/zero"}, code: cli.ExitBadInput, msg: "--checkpoint /dev/zero: more than"},
		{name: "verify checkpoint note a FIFO", args: []string{"verify", "--vkey", "{tmp}/log.vkey", "--checkpoint", "{tmp}/fifo"}, code: cli.ExitBadInput, msg: "the file is empty"},
		{name: "verify witness key a signer key", args: []string{"verify", "--vkey", "{tmp}/log.vkey", "--witness-vkey", "{tmp}/w.key"}, code: cli.ExitBadInput, msg: "--witness-vkey: {tmp}/w.key is a signer key", check: secret},
		{name: "verify from /dev/zero", args: []string{"verify", "--vkey", "{tmp}/log.vkey", "--from", "/dev/zero"}, code: cli.ExitBadInput, msg: "/dev/zero: more than"},
		{name: "load checkpoint /dev/zero", args: []string{"load", "--aggregates", "1", "--rate", "1", "--duration", "1s", "--checkpoint", "/dev/zero", "--log-vkey", "{tmp}/log.vkey"},
			code: cli.ExitBadInput, msg: "/dev/zero: more than"},
		{name: "load log vkey a signer key", args: []string{"load", "--aggregates", "1", "--rate", "1", "--duration", "1s", "--checkpoint", "latest", "--log-vkey", "{tmp}/log.key"},
			code: cli.ExitBadInput, msg: "is a signer key", check: secret},
		{name: "tail checkpoint a FIFO", args: []string{"tail", "--vkey", "{tmp}/log.vkey", "--checkpoint", "{tmp}/fifo", "--until-caught-up"}, code: cli.ExitBadInput, msg: "the file is empty"},
	})
}

// log keygen refuses names a key cannot carry (it wrote keys no command could read back).
func TestHostileKeygenOrigins(t *testing.T) {
	f := newFixture(t)
	none := func(t *testing.T, f *fixture, _, _ string) {
		if _, err := os.Stat(filepath.Join(f.tmp, "k")); err == nil {
			t.Error("a key file was written")
		}
	}
	var rows []row
	for _, c := range []struct{ name, origin string }{
		{"empty", ""}, {"space", "a b"}, {"plus", "a+b"}, {"newline", "line\nbreak"}, {"tab", "a\tb"},
		{"NUL", "a\x00b"}, {"invalid UTF-8", "a\xffb"}, {"no-break space", "a\u00a0b"}, {"100 KB", strings.Repeat("o", 100_000) + " x"},
	} {
		rows = append(rows, row{name: "origin " + c.name, args: []string{"log", "keygen", "--origin", c.origin, "--out", "{tmp}/k"},
			code: cli.ExitBadInput, msg: "--origin", check: none})
	}
	rows = append(rows, row{name: "origin unicode", args: []string{"log", "keygen", "--origin", "ünïcödé.example/log", "--out", "{tmp}/u.key"},
		msg: `"vkey":"ünïcödé.example/log+`})
	f.runRows(t, rows)
}

// The witness's flags: a state that is no directory, a poll that would spin, keys that are
// not keys.
func TestHostileWitnessFlags(t *testing.T) {
	f, skey, wkey := logFixture(t)
	w := func(extra ...string) []string {
		return append([]string{"witness", "--key", "{tmp}/w.key", "--log-vkey", "{tmp}/log.vkey", "--state", "{tmp}/ws"}, extra...)
	}
	f.runRows(t, []row{
		{name: "poll 0s", args: w("--poll", "0s"), code: cli.ExitBadInput, msg: "--poll 0s"},
		{name: "poll negative", args: w("--poll", "-1s"), code: cli.ExitBadInput, msg: "--poll -1s"},
		{name: "poll 1ns", args: w("--poll", "1ns"), code: cli.ExitBadInput, msg: "--poll 1ns"},
		{name: "audit-every negative", args: w("--audit-every", "-1s", "--once"), code: cli.ExitBadInput, msg: "--audit-every -1s: want 0 (never) or more"},
		{name: "audit-every not a duration", args: w("--audit-every", "hourly", "--once"), code: cli.ExitBadInput, msg: "--audit-every"},
		{name: "state a file", args: []string{"witness", "--key", "{tmp}/w.key", "--log-vkey", "{tmp}/log.vkey", "--state", "{tmp}/file", "--once"},
			code: cli.ExitBadInput, msg: "--state {tmp}/file: is a regular file, not a directory"},
		{name: "state a device", args: []string{"witness", "--key", "{tmp}/w.key", "--log-vkey", "{tmp}/log.vkey", "--state", "/dev/null", "--once"},
			code: cli.ExitBadInput, msg: "a character device"},
		{name: "log vkey a signer key", args: []string{"witness", "--key", "{tmp}/w.key", "--log-vkey", "{tmp}/w.key", "--state", "{tmp}/ws", "--once"},
			code: cli.ExitBadInput, msg: "is a signer key", check: noSecret(skey, wkey)},
		{name: "key a FIFO", args: []string{"witness", "--key", "{tmp}/fifo", "--log-vkey", "{tmp}/log.vkey", "--state", "{tmp}/ws", "--once"},
			code: cli.ExitBadInput, msg: "{tmp}/fifo: the file is empty"},
		{name: "log vkey /dev/zero", args: []string{"witness", "--key", "{tmp}/w.key", "--log-vkey", "/dev/zero", "--state", "{tmp}/ws", "--once"},
			code: cli.ExitBadInput, msg: "more than 1048576 bytes"},
	})
}

// view's log and replay flags that its checks refuse before any window or server: key files
// that cannot be keys, signer keys (never echoed), speeds that are no numbers.
func TestHostileViewLogFlags(t *testing.T) {
	f, skey, wkey := logFixture(t)
	secret := noSecret(skey, wkey)
	f.runRows(t, []row{
		{name: "log vkey a FIFO", args: []string{"view", "--log-vkey", "{tmp}/fifo"}, code: cli.ExitBadInput, msg: "--log-vkey {tmp}/fifo: the file is empty"},
		{name: "log vkey /dev/zero", args: []string{"view", "--log-vkey", "/dev/zero"}, code: cli.ExitBadInput, msg: "more than 1048576 bytes"},
		{name: "log vkey a directory", args: []string{"view", "--log-vkey", "{tmp}/dir"}, code: cli.ExitBadInput, msg: "is a directory"},
		{name: "log vkey the signer key", args: []string{"view", "--log-vkey", "{tmp}/log.key"}, code: cli.ExitBadInput, msg: "is a signer key", check: secret},
		{name: "witness vkey a signer key", args: []string{"view", "--witness-vkey", "{tmp}/w.key"}, code: cli.ExitBadInput, msg: "--witness-vkey: {tmp}/w.key is a signer key", check: secret},
		{name: "witness vkey a signer key typed", args: []string{"view", "--witness-vkey", wkey}, code: cli.ExitBadInput, msg: "the value is a signer key", check: secret},
		{name: "witness vkey a FIFO", args: []string{"view", "--witness-vkey", "{tmp}/fifo"}, code: cli.ExitBadInput, msg: "the file is empty"},
		{name: "witness vkey /dev/zero", args: []string{"view", "--witness-vkey", "/dev/zero"}, code: cli.ExitBadInput, msg: "more than 1048576 bytes"},
		{name: "witness vkey empty", args: []string{"view", "--witness-vkey", ""}, code: cli.ExitBadInput, msg: "--witness-vkey is empty"},
		{name: "witness vkey the log's key", args: []string{"view", "--witness-vkey", "{tmp}/log.vkey"}, code: cli.ExitBadInput, msg: "not a cosignature/v1 key"},
		{name: "replay NaN", args: []string{"view", "--replay", "NaN"}, code: cli.ExitBadInput, msg: "--replay NaN"},
		{name: "replay +Inf", args: []string{"view", "--replay", "Inf"}, code: cli.ExitBadInput, msg: "--replay +Inf"},
		{name: "replay 1e400", args: []string{"view", "--replay", "1e400"}, code: cli.ExitBadInput, msg: "--replay"},
		{name: "replay-last without a unit", args: []string{"view", "--replay", "10", "--replay-last", "1"}, code: cli.ExitBadInput, msg: "--replay-last"},
		{name: "until negative", args: []string{"view", "--until", "-1"}, code: cli.ExitBadInput, msg: "--until"},
		{name: "until past uint64", args: []string{"view", "--until", "18446744073709551616"}, code: cli.ExitBadInput, msg: "--until"},
		{name: "until Arabic digits", args: []string{"view", "--until", "١٢"}, code: cli.ExitBadInput, msg: "--until"},
		{name: "depth not a number", args: []string{"view", "--at", "order-1", "--depth", "1e3"}, code: cli.ExitBadInput, msg: "--depth"},
		{name: "checkpoint a directory", args: []string{"view", "--checkpoint", "{tmp}/dir", "--log-vkey", "{tmp}/log.vkey"}, code: cli.ExitBadInput, msg: "--checkpoint"},
		{name: "checkpoint a FIFO", args: []string{"view", "--checkpoint", "{tmp}/fifo", "--log-vkey", "{tmp}/log.vkey"}, code: cli.ExitBadInput, msg: "--checkpoint {tmp}/fifo: the file is empty"},
		{name: "checkpoint /dev/zero", args: []string{"view", "--checkpoint", "/dev/zero", "--log-vkey", "{tmp}/log.vkey"}, code: cli.ExitBadInput, msg: "--checkpoint /dev/zero: more than 1048576 bytes"},
	})
}

// The benchmarks' workload flags past what a run can do (--size 1e12 ran the process out of
// memory), and the files they read or write.
func TestHostileBenchFlags(t *testing.T) {
	f, _, _ := logFixture(t)
	f.runRows(t, []row{
		{name: "append size 1e12", args: []string{"bench", "append", "--size", "999999999999"}, code: cli.ExitBadInput, msg: "--size 999999999999: want 0 to 67108864"},
		{name: "append events past the bound", args: []string{"bench", "append", "--events", "100000001"}, code: cli.ExitBadInput, msg: "--events 100000001"},
		{name: "append aggregates 0", args: []string{"bench", "append", "--aggregates", "0"}, code: cli.ExitBadInput, msg: "--aggregates 0"},
		{name: "append workers past the bound", args: []string{"bench", "append", "--aggregates", "2", "--workers", "10001"}, code: cli.ExitBadInput, msg: "--workers 10001"},
		{name: "replay size negative", args: []string{"bench", "replay", "--size", "-1"}, code: cli.ExitBadInput, msg: "--size -1"},
		{name: "replay events huge", args: []string{"bench", "replay", "--events", "9223372036854775807"}, code: cli.ExitBadInput, msg: "--events 9223372036854775807"},
		{name: "log rounds above events", args: []string{"bench", "log", "--events", "10", "--rounds", "11"}, code: cli.ExitBadInput, msg: "--rounds 11: want 1 to 10"},
		{name: "resume tail negative", args: []string{"bench", "resume", "--tail", "-1"}, code: cli.ExitBadInput, msg: "--tail -1"},
		{name: "layout graph a FIFO", args: []string{"bench", "layout", "--graph", "{tmp}/fifo"}, code: cli.ExitBadInput, msg: "--graph {tmp}/fifo: malformed graph file"},
		{name: "layout graph /dev/zero", args: []string{"bench", "layout", "--graph", "/dev/zero"}, code: cli.ExitBadInput, msg: "malformed graph file"},
		{name: "layout workers past the bound", args: []string{"bench", "layout", "--graph", "{tmp}/graph.json", "--workers", "1025"}, code: cli.ExitBadInput, msg: "--workers 1025"},
		{name: "frame cpuprofile a directory", args: []string{"bench", "frame", "--cpuprofile", "{tmp}/dir"}, code: cli.ExitBadInput, msg: "--cpuprofile {tmp}/dir: is a directory"},
		{name: "frame memprofile in a missing directory", args: []string{"bench", "frame", "--memprofile", "{tmp}/none/heap.prof"}, code: cli.ExitBadInput, msg: "its directory does not exist"},
	})
}

// The HTTP listeners and serve's log key, said at once without serving.
func TestHostileListeners(t *testing.T) {
	f, _, _ := logFixture(t)
	var started time.Time
	clock := func(*testing.T, *fixture) func() { started = time.Now(); return nil }
	quick := func(t *testing.T, _ *fixture, _, _ string) {
		if d := time.Since(started); d > 10*time.Second {
			t.Errorf("took %s to say why", d)
		}
	}
	serve := func(n string, extra ...string) []string {
		return append([]string{"serve", "--store", "{tmp}/srv-" + n, "--listen", "127.0.0.1:0"}, extra...)
	}
	f.runRows(t, []row{
		{name: "gateway http empty", args: []string{"gateway", "--http", ""}, code: cli.ExitBadInput, msg: "--http"},
		{name: "gateway http no port", args: []string{"gateway", "--http", "nohost"}, code: cli.ExitBadInput, msg: "--http nohost"},
		{name: "gateway http port past 65535", args: []string{"gateway", "--http", "127.0.0.1:99999"}, code: cli.ExitBadInput, msg: "--http 127.0.0.1:99999"},
		{name: "gateway http port a word", args: []string{"gateway", "--http", ":abc"}, code: cli.ExitBadInput, msg: "--http :abc"},
		{name: "serve http port past 65535", args: serve("a", "--http", "127.0.0.1:99999"), code: cli.ExitBadInput, msg: "--http 127.0.0.1:99999", prep: clock, check: quick},
		{name: "serve metrics no port", args: serve("f", "--metrics", "nohost"), code: cli.ExitBadInput, msg: "--metrics nohost", prep: clock, check: quick},
		{name: "serve log key a FIFO", args: serve("b", "--log-key", "{tmp}/fifo"), code: cli.ExitBadInput, msg: "--log-key {tmp}/fifo: the file is empty", prep: clock, check: quick},
		{name: "serve log key /dev/zero", args: serve("c", "--log-key", "/dev/zero"), code: cli.ExitBadInput, msg: "--log-key /dev/zero: more than", prep: clock, check: quick},
		{name: "serve log key a verifier key", args: serve("d", "--log-key", "{tmp}/log.vkey"), code: cli.ExitBadInput, msg: "malformed signer key", prep: clock, check: quick},
		{name: "serve checkpoint-every 0s", args: serve("e", "--log-key", "{tmp}/log.key", "--checkpoint-every", "0s"), code: cli.ExitBadInput, msg: "--checkpoint-every 0s", prep: clock, check: quick},
	})
}
