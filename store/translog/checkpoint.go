package translog

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"filippo.io/torchwood"
	"github.com/ipfs/go-cid"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jetdag/jetdag/store/block"
)

// Errors about keys and notes. A caller tells bad input (a malformed key or note) from a
// failed check (a signature that does not verify, another log's note) with errors.Is.
var (
	// ErrMalformed: a key, verifier key or note that cannot be parsed.
	ErrMalformed = errors.New("malformed")
	// ErrSignature: the note carries no valid signature by the expected key.
	ErrSignature = errors.New("signature does not verify")
	// ErrForeignOrigin: the checkpoint names another log than the key's.
	ErrForeignOrigin = errors.New("checkpoint of another log")
)

// stateKeyword starts the checkpoint's extension line.
const stateKeyword = "jetdag-state"

// Checkpoint is a parsed checkpoint note; Verified says whether its signature by the log's key
// was checked.
type Checkpoint struct {
	Origin string
	tlog.Tree
	// Seq is the stream sequence of the last leaf (0 for an empty log).
	Seq uint64
	// State is the CID of the state block.
	State cid.Cid
	// Note is the signed note as stored, signatures included.
	Note []byte
	// Text is the note's signed text.
	Text string
	// StreamSeq is the checkpoint message's sequence in event-checkpoints (0 when the
	// checkpoint did not come from the stream).
	StreamSeq uint64
	// Time is when the checkpoint message was stored (Latest only).
	Time time.Time
	// Sigs are the note's signatures that verified.
	Sigs []note.Signature
	// Unverified are the signatures by keys the reader did not know (witnesses, maybe).
	Unverified []note.Signature

	// verified is set by OpenCheckpoint only: the note's signature by the log's key was
	// checked. ParseNote (and a Log opened without a Verifier) leaves it false.
	verified bool
}

// Verified reports whether the checkpoint's signature by the log's key was checked
// (OpenCheckpoint, or a Log opened with a Verifier); ParseNote's checkpoints are unverified.
func (c *Checkpoint) Verified() bool { return c.verified }

// RootBase64 is the root hash as it appears in the note.
func (c *Checkpoint) RootBase64() string { return base64.StdEncoding.EncodeToString(c.Hash[:]) }

// formatText is the checkpoint text: origin, size, root, the state line.
func formatText(origin string, tree tlog.Tree, seq uint64, state cid.Cid) string {
	return torchwood.Checkpoint{Origin: origin, Tree: tree,
		Extension: fmt.Sprintf("%s %d %s\n", stateKeyword, seq, state)}.String()
}

// parseText parses a checkpoint text with its jetdag-state line.
func parseText(text string) (*Checkpoint, error) {
	c, err := torchwood.ParseCheckpoint(text)
	if err != nil {
		return nil, fmt.Errorf("%w checkpoint: %w", ErrMalformed, err)
	}
	cp := &Checkpoint{Origin: c.Origin, Tree: c.Tree, Text: text}
	found := false
	for line := range strings.Lines(c.Extension) {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != stateKeyword {
			continue // another extension: allowed, ignored
		}
		if found || len(f) != 3 || line != strings.Join(f, " ")+"\n" {
			return nil, fmt.Errorf("%w checkpoint: bad %s line %q", ErrMalformed, stateKeyword, strings.TrimSpace(line))
		}
		seq, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil || f[1] != strconv.FormatUint(seq, 10) {
			return nil, fmt.Errorf("%w checkpoint: bad stream sequence %q", ErrMalformed, f[1])
		}
		sc, err := block.ParseCID(f[2])
		if err != nil {
			return nil, fmt.Errorf("%w checkpoint: bad state CID: %w", ErrMalformed, err)
		}
		cp.Seq, cp.State, found = seq, sc, true
	}
	if !found {
		return nil, fmt.Errorf("%w checkpoint: no %s line", ErrMalformed, stateKeyword)
	}
	return cp, nil
}

// OpenCheckpoint verifies a signed checkpoint note with the log's verifier key and parses it.
// Signatures by other keys (witnesses) are kept in Unverified; see Cosigned.
func OpenCheckpoint(msg []byte, v note.Verifier) (*Checkpoint, error) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		var unknown *note.UnknownVerifierError
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &unknown), errors.As(err, &unverified):
			if cp, perr := ParseNote(msg); perr == nil && cp.Origin != v.Name() {
				return nil, fmt.Errorf("%w: the note is %q's, the key %q's", ErrForeignOrigin, cp.Origin, v.Name())
			}
			return nil, fmt.Errorf("%w: no signature by %s in the note", ErrSignature, v.Name())
		case errors.As(err, &invalid):
			return nil, fmt.Errorf("%w: %w", ErrSignature, err)
		}
		// x/mod's note says only "malformed note": say what a note must be.
		return nil, fmt.Errorf("%w note: want the signed text, a blank line, then signature lines \"— NAME SIGNATURE\" (UTF-8, no control characters but newlines)", ErrMalformed)
	}
	cp, err := parseText(n.Text)
	if err != nil {
		return nil, err
	}
	if cp.Origin != v.Name() {
		return nil, fmt.Errorf("%w: the checkpoint's origin is %q, the key's name %q", ErrForeignOrigin, cp.Origin, v.Name())
	}
	cp.Note, cp.Sigs, cp.Unverified, cp.verified = msg, n.Sigs, n.UnverifiedSigs, true
	return cp, nil
}

// ParseNote parses a checkpoint note without checking any signature (for display).
func ParseNote(msg []byte) (*Checkpoint, error) {
	text, _, ok := strings.Cut(string(msg), "\n\n")
	if !ok {
		return nil, fmt.Errorf("%w note: no signature block", ErrMalformed)
	}
	cp, err := parseText(text + "\n")
	if err != nil {
		return nil, err
	}
	cp.Note = msg
	return cp, nil
}

// Keys.

// GenerateKey makes an Ed25519 signer key for the log named origin, in note format
// (PRIVATE+KEY+origin+hash+key), and its verifier key (origin+hash+key).
func GenerateKey(random io.Reader, origin string) (skey, vkey string, err error) {
	if random == nil {
		random = rand.Reader
	}
	skey, vkey, err = note.GenerateKey(random, origin)
	if err != nil {
		return "", "", fmt.Errorf("%w origin %q: %w", ErrMalformed, origin, err)
	}
	return skey, vkey, nil
}

// NewSigner parses a signer key.
func NewSigner(skey string) (note.Signer, error) {
	s, err := note.NewSigner(strings.TrimSpace(skey))
	if err != nil {
		return nil, fmt.Errorf("%w signer key: %w", ErrMalformed, err)
	}
	return s, nil
}

// VerifierKey returns the verifier key of a signer key.
func VerifierKey(skey string) (string, error) {
	seed, name, err := seedOf(skey)
	if err != nil {
		return "", err
	}
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(name, pub)
}

// NewVerifier parses a verifier key.
func NewVerifier(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return nil, fmt.Errorf("%w verifier key: %w", ErrMalformed, err)
	}
	return v, nil
}

// seedOf takes the Ed25519 seed and name out of a note signer key, checking it with the
// note package first.
func seedOf(skey string) ([]byte, string, error) {
	skey = strings.TrimSpace(skey)
	if _, err := note.NewSigner(skey); err != nil {
		return nil, "", fmt.Errorf("%w signer key: %w", ErrMalformed, err)
	}
	parts := strings.SplitN(skey, "+", 5) // PRIVATE, KEY, name, hash, base64(alg || seed): base64 may hold "+"
	key, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(key) != 1+ed25519.SeedSize || key[0] != 1 {
		return nil, "", fmt.Errorf("%w signer key: not an Ed25519 key", ErrMalformed)
	}
	return key[1:], parts[2], nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
