// Package logtest holds the transparency-log set-up that tests in several packages share: a
// log's signing key, a witness's key, and the backup and restore of the event stream that the
// tamper tests play. Like storetest it is used only by tests; it talks to real servers.
package logtest

import (
	"context"
	"strings"
	"testing"

	"filippo.io/torchwood"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"

	"github.com/jetdag/jetdag/store"
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
