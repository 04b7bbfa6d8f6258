package translog

import (
	"crypto"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
)

// algCosignature is the C2SP signed-note algorithm byte of tlog-cosignature/v1 keys.
const algCosignature = 0x04

// NewCosigner returns a witness's C2SP tlog-cosignature/v1 signer from a note signer key (as
// GenerateKey writes): the same Ed25519 key, cosigning under the key's name.
func NewCosigner(skey string) (*torchwood.CosignatureSigner, error) {
	seed, name, err := seedOf(skey)
	if err != nil {
		return nil, err
	}
	s, err := torchwood.NewCosignatureSigner(name, ed25519.NewKeyFromSeed(seed))
	if err != nil {
		return nil, fmt.Errorf("%w witness key: %w", ErrMalformed, err)
	}
	return s, nil
}

// CosignatureVerifierKey is the cosignature verifier key (name+hash+base64(0x04 ‖ key)) of a
// witness's signer key.
func CosignatureVerifierKey(skey string) (string, error) {
	s, err := NewCosigner(skey)
	if err != nil {
		return "", err
	}
	return s.Verifier().String(), nil
}

// publicKey is a crypto.Signer that only knows a public key: torchwood builds a cosignature
// verifier from it (Sign is never called on the verifying side).
type publicKey ed25519.PublicKey

func (k publicKey) Public() crypto.PublicKey { return ed25519.PublicKey(k) }
func (k publicKey) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("verifier only")
}

// NewCosignatureVerifier parses a witness's cosignature verifier key.
func NewCosignatureVerifier(vkey string) (note.Verifier, error) {
	vkey = strings.TrimSpace(vkey)
	parts := strings.SplitN(vkey, "+", 3) // name, hash, base64 (which may hold "+")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w witness key %q: want name+hash+key", ErrMalformed, vkey)
	}
	hash, err1 := strconv.ParseUint(parts[1], 16, 32)
	key, err2 := base64.StdEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || len(parts[1]) != 8 || len(key) != 1+ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w witness key %q", ErrMalformed, vkey)
	}
	if key[0] != algCosignature {
		return nil, fmt.Errorf("%w witness key %q: not a cosignature/v1 key (algorithm %d)", ErrMalformed, vkey, key[0])
	}
	s, err := torchwood.NewCosignatureSigner(parts[0], publicKey(key[1:]))
	if err != nil {
		return nil, fmt.Errorf("%w witness key %q: %w", ErrMalformed, vkey, err)
	}
	v := s.Verifier()
	if v.KeyHash() != uint32(hash) {
		return nil, fmt.Errorf("%w witness key %q: the key hash does not match", ErrMalformed, vkey)
	}
	return v, nil
}

// Cosigned reports whether the note carries a valid cosignature by w over the same
// checkpoint text as cp.
func Cosigned(msg []byte, cp *Checkpoint, w note.Verifier) bool {
	n, err := note.Open(msg, note.VerifierList(w))
	return err == nil && n.Text == cp.Text
}
