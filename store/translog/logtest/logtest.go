// Package logtest holds the transparency-log set-up that tests in several packages share: a
// log's signing key, a witness's key, and the backup and restore of the event stream that the
// tamper tests play. Like storetest it is used only by tests; it talks to real servers.
package logtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/torchwood"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/storetest"
	"github.com/jetdag/jetdag/store/translog"
)

// LogKey is a log's signing key made for one test.
type LogKey struct {
	// SKey is the signer key (as `jetdag log keygen` writes), VKey its verifier key.
	SKey, VKey string
	Signer     note.Signer
	Verifier   note.Verifier
}

// NewLogKey makes a fresh log key for origin.
func NewLogKey(t testing.TB, origin string) LogKey {
	t.Helper()
	skey, vkey, err := translog.GenerateKey(nil, origin)
	if err != nil {
		t.Fatal(err)
	}
	k := LogKey{SKey: skey, VKey: vkey}
	if k.Signer, err = translog.NewSigner(skey); err != nil {
		t.Fatal(err)
	}
	if k.Verifier, err = translog.NewVerifier(vkey); err != nil {
		t.Fatal(err)
	}
	return k
}

// WitnessKey is a witness's key made for one test.
type WitnessKey struct {
	// SKey is the signer key, VKey the cosignature verifier key (view --witness-vkey).
	SKey, VKey string
	Cosigner   *torchwood.CosignatureSigner
	// Verifier checks the witness's cosignatures.
	Verifier note.Verifier
}

// NewWitnessKey makes a fresh witness key named name.
func NewWitnessKey(t testing.TB, name string) WitnessKey {
	t.Helper()
	skey, _, err := translog.GenerateKey(nil, name)
	if err != nil {
		t.Fatal(err)
	}
	k := WitnessKey{SKey: skey}
	if k.Cosigner, err = translog.NewCosigner(skey); err != nil {
		t.Fatal(err)
	}
	if k.VKey, err = translog.CosignatureVerifierKey(skey); err != nil {
		t.Fatal(err)
	}
	if k.Verifier, err = translog.NewCosignatureVerifier(k.VKey); err != nil {
		t.Fatal(err)
	}
	return k
}

// Config is the configuration of a witness cosigning with k the checkpoints of the log whose
// verifier key is logVKey, keeping its state in dir.
func (k WitnessKey) Config(t testing.TB, logVKey, dir string) translog.WitnessConfig {
	t.Helper()
	v, err := translog.NewVerifier(logVKey)
	if err != nil {
		t.Fatal(err)
	}
	return translog.WitnessConfig{Cosigner: k.Cosigner, LogVerifier: v, Dir: dir}
}

// Witness starts a witness of l cosigning with k, its state in a fresh directory.
func (k WitnessKey) Witness(t testing.TB, l *translog.Log, logVKey string) *translog.Witness {
	t.Helper()
	w, err := translog.NewWitness(l, k.Config(t, logVKey, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// StreamMessages reads every message of the event stream as stored: a backup.
func StreamMessages(t testing.TB, js jetstream.JetStream) []*jetstream.RawStreamMsg {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, store.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []*jetstream.RawStreamMsg
	for seq := uint64(1); seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// RestoreStream deletes the event stream and publishes msgs into a new one, as an operator
// restoring a backup would (without the expected-sequence headers of the first publish).
func RestoreStream(t testing.TB, js jetstream.JetStream, msgs []*jetstream.RawStreamMsg) {
	t.Helper()
	ctx := context.Background()
	if err := js.DeleteStream(ctx, store.StreamName); err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateStream(ctx, store.StreamConfig(1)); err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		h := nats.Header{}
		for k, v := range m.Header {
			if !strings.HasPrefix(k, "Nats-Expected-") {
				h[k] = v
			}
		}
		if _, err := js.PublishMsg(ctx, &nats.Msg{Subject: m.Subject, Header: h, Data: m.Data}); err != nil {
			t.Fatal(err)
		}
	}
}

// Daemon is `jetdag witness` running without --once in this process (cli.Run), serving its
// --metrics on a free port.
type Daemon struct {
	// Metrics is the HOST:PORT of its /metrics.
	Metrics string
	cancel  context.CancelFunc
	done    chan struct{}
	out     bytes.Buffer
	errs    syncBuffer
	code    int
}

// StartWitness starts `jetdag --nats url ARGS... --metrics ADDR`, args being a witness
// command line ("witness", "--key", …); the test's cleanup stops it if the test did not.
func StartWitness(t testing.TB, url string, args ...string) *Daemon {
	t.Helper()
	d := &Daemon{Metrics: fmt.Sprintf("127.0.0.1:%d", storetest.FreePorts(t, 1)[0]), done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	argv := append(append([]string{"--nats", url}, args...), "--metrics", d.Metrics)
	go func() {
		defer close(d.done)
		d.code = cli.Run(ctx, argv, strings.NewReader(""), &d.out, &d.errs)
	}()
	t.Cleanup(func() { cancel(); <-d.done })
	return d
}

// Running reports whether the witness has not returned yet.
func (d *Daemon) Running() bool {
	select {
	case <-d.done:
		return false
	default:
		return true
	}
}

// Scrape returns the body of its /metrics, or "" when it does not answer.
func (d *Daemon) Scrape() string {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + d.Metrics + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return ""
	}
	return string(b)
}

// WaitMetrics scrapes until the body holds every line of want (whole lines), failing the
// test after timeout or when the witness returned; it returns the body.
func (d *Daemon) WaitMetrics(t testing.TB, timeout time.Duration, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		body := d.Scrape()
		missing := ""
		for _, w := range want {
			if !slices.Contains(strings.Split(body, "\n"), w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return body
		}
		if !d.Running() || time.Now().After(deadline) {
			t.Fatalf("witness metrics lack %q (running %v)\n%s\nstderr:\n%s", missing, d.Running(), body, d.errs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stderr is what the witness logged so far.
func (d *Daemon) Stderr() string { return d.errs.String() }

// Stop signals the witness (cancels its context, as SIGTERM does) and returns its output
// and exit code.
func (d *Daemon) Stop() (stdout, stderr string, code int) {
	d.cancel()
	<-d.done
	return d.out.String(), d.errs.String(), d.code
}

// syncBuffer is a bytes.Buffer safe to read while the witness writes its log to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// CosignedCopies counts the cosigned notes on event.checkpoint.cosigned whose signatures
// include one by w (any checkpoint).
func CosignedCopies(t testing.TB, js jetstream.JetStream, w note.Verifier) int {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, translog.CheckpointStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != translog.CosignedSubject {
			continue
		}
		if _, err := note.Open(m.Data, note.VerifierList(w)); err == nil {
			n++
		}
	}
	return n
}
