// This file reads the log's keys and notes that users name on the command line: a signer key
// file, a verifier key given as text or as a file holding it, a checkpoint note file.

package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"

	"github.com/jetdag/jetdag/store/translog"
)

// maxKeyFileBytes bounds a key or note file: a signed note with many cosignatures is a few
// KiB, so /dev/zero or a mistaken huge file is refused instead of read into memory.
const maxKeyFileBytes = 1 << 20

// signerKeyPrefix begins every signer key (note.GenerateKey's format).
const signerKeyPrefix = "PRIVATE+KEY+"

// readKeyFile reads a key or note file the user named with flag: exit 2 when it is missing,
// a directory or larger than maxKeyFileBytes. A FIFO or device is opened without waiting
// for a writer, so a FIFO nobody writes to reads as empty instead of hanging (a pipe such as
// <(cat key) is read to its end).
func readKeyFile(flag, path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, badInputf("%s: %w", flag, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, badInputf("%s: %w", flag, err)
	} else if fi.IsDir() {
		return nil, badInputf("%s %s: is a directory, not a file", flag, clip(path))
	}
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFileBytes+1))
	if err != nil {
		return nil, badInputf("%s %s: %w", flag, clip(path), err)
	}
	if len(b) > maxKeyFileBytes {
		return nil, badInputf("%s %s: more than %d bytes, not a key or note file", flag, clip(path), maxKeyFileBytes)
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil, badInputf("%s %s: the file is empty", flag, clip(path))
	}
	return b, nil
}

// verifierKey reads a verifier key given with flag as the key itself or as a file holding it
// (a value naming an existing file is read). where names it for messages: the file, or the
// value clipped (neither a file nor, if parsing it fails, a key). A signer key is refused
// without being echoed: it is a secret.
func verifierKey(flag, value string) (key, where string, err error) {
	if value == "" {
		return "", "", badInputf("%s is empty: give the key, or a file holding it", flag)
	}
	key, where = value, fmt.Sprintf("%q (not a file)", clip(value))
	isFile := false
	if _, serr := os.Stat(value); serr == nil {
		b, err := readKeyFile(flag, value)
		if err != nil {
			return "", "", err
		}
		key, where, isFile = string(b), clip(value), true
	}
	if strings.HasPrefix(strings.TrimSpace(key), signerKeyPrefix) {
		if !isFile {
			where = "the value"
		}
		return "", "", badInputf("%s: %s is a signer key (%s…), which must stay secret: give its verifier key (jetdag log vkey --key FILE)",
			flag, where, signerKeyPrefix)
	}
	return key, where, nil
}

// readVerifier parses a log's verifier key given with flag (--vkey, --log-vkey): the key, or
// a file holding it.
func readVerifier(flag, value string) (note.Verifier, error) {
	if value == "" {
		return nil, badInputf("%s is required", flag)
	}
	key, where, err := verifierKey(flag, value)
	if err != nil {
		return nil, err
	}
	v, err := translog.NewVerifier(key)
	if err != nil {
		return nil, badInput(fmt.Errorf("%s %s: %w", flag, where, err))
	}
	return v, nil
}

// readWitnessVerifier parses a witness's cosignature verifier key given with flag
// (--witness-vkey): the key, or a file holding it.
func readWitnessVerifier(flag, value string) (note.Verifier, error) {
	key, where, err := verifierKey(flag, value)
	if err != nil {
		return nil, err
	}
	v, err := translog.NewCosignatureVerifier(key)
	if err != nil {
		return nil, badInput(fmt.Errorf("%s %s: %w", flag, where, err))
	}
	return v, nil
}

// readSigner reads the signer key file given with flag (--key, --log-key) and returns the
// signer and the key's text.
func readSigner(flag, path string) (note.Signer, string, error) {
	if path == "" {
		return nil, "", badInputf("%s FILE is required", flag)
	}
	b, err := readKeyFile(flag, path)
	if err != nil {
		return nil, "", err
	}
	s, err := translog.NewSigner(string(b))
	if err != nil {
		return nil, "", badInput(fmt.Errorf("%s %s: %w", flag, clip(path), err))
	}
	return s, strings.TrimSpace(string(b)), nil
}

// checkOrigin checks log keygen --origin against the signed-note rule for key names: not
// empty, valid UTF-8, no space of any kind, no control character and no '+' (a key of such a name could be made
// but never read back, and a checkpoint's first line is its origin).
func checkOrigin(origin string) error {
	switch {
	case origin == "":
		return badInputf("--origin is empty: name the log (or witness), e.g. orders.example.com/jetdag")
	case !utf8.ValidString(origin):
		return badInputf("--origin %q: not valid UTF-8", clip(origin))
	case strings.ContainsFunc(origin, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '+' }):
		return badInputf("--origin %q: a key name may hold no spaces, newlines, control characters or '+', e.g. orders.example.com/jetdag", clip(origin))
	}
	return nil
}
