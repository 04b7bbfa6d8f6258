// This file parses what users type: CIDs and other arguments, and the files they name.

package cli

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/ipfs/go-cid"

	"github.com/jetdag/jetdag/store/block"
)

// maxEcho is how many bytes of a user's value an error message quotes.
const maxEcho = 100

// clip shortens a value the user typed for quoting in a message: at most maxEcho bytes
// (cut at a character boundary), then how long the whole value was.
func clip(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	cut := maxEcho
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:cut], len(s))
}

// clipWords cuts every run of more than 2*maxEcho non-space bytes in an error message to
// maxEcho bytes and its length: the last line of defence against a message that would echo
// a huge argument (cobra's "unknown command", a flag's "invalid argument").
func clipWords(msg string) string {
	if len(msg) <= 2*maxEcho {
		return msg
	}
	var b strings.Builder
	for len(msg) > 0 {
		i := strings.IndexAny(msg, " \t\n")
		if i < 0 {
			i = len(msg)
		}
		w := msg[:i]
		if len(w) > 2*maxEcho {
			w = clip(w)
		}
		b.WriteString(w)
		if i < len(msg) {
			b.WriteByte(msg[i])
			i++
		}
		msg = msg[i:]
	}
	return b.String()
}

// parseCIDArg parses a CID given by the user (exit 2 when malformed); block.ParseCID's
// message quotes the value, clipped.
func parseCIDArg(what, s string) (cid.Cid, error) {
	c, err := block.ParseCID(s)
	if err != nil {
		return cid.Undef, badInputf("%s: %w", what, err)
	}
	return c, nil
}

// optionalCIDFlag parses the CID flag name: cid.Undef when the flag is not given;
// given empty, it is bad input (an empty value must not silently drop a guard).
func optionalCIDFlag(given bool, name, value string) (cid.Cid, error) {
	if !given {
		return cid.Undef, nil
	}
	if value == "" {
		return cid.Undef, badInputf("--%s is empty: give a CID", name)
	}
	return parseCIDArg("--"+name, value)
}

// maxInputBytes bounds what a command reads into memory from a file or stdin: NATS's
// largest possible max_payload (64 MiB), so /dev/zero cannot exhaust the memory.
const maxInputBytes = 64 << 20

// openInput opens a file the user named with flag for reading: exit 2 when it is missing,
// unreadable or a directory. FIFOs and character devices are read as they come.
func openInput(flag, path string) (*os.File, error) {
	if path == "" {
		return nil, badInputf("%s: empty file name", flag)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, badInputf("%s: %w", flag, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, badInputf("%s: %w", flag, err)
	}
	if fi.IsDir() {
		f.Close()
		return nil, badInputf("%s %s: is a directory, not a file", flag, path)
	}
	return f, nil
}

// readInput reads all of r, refusing more than maxInputBytes (exit 2).
func readInput(what string, r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	if len(b) > maxInputBytes {
		return nil, badInputf("%s is larger than %d bytes", what, maxInputBytes)
	}
	return b, nil
}

// fileKind names a non-regular file's type for messages.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m.IsRegular():
		return "a regular file"
	}
	return "not a regular file"
}
