// This file is `jetdag verify --acked`: reading the acknowledgement files `jetdag load`
// writes and printing what store.AckedChecker found.

package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/jetdag/jetdag/store"
)

// maxAckedProblems bounds the problem lines verify --acked prints (the counts are complete).
const maxAckedProblems = 100

// readAckedFiles reads acknowledgement files. A last line without its newline (a writer
// killed in the middle of writing it: its ack was never complete) is skipped and counted as
// torn; any other line that is not an acknowledgement is bad input.
func readAckedFiles(paths []string) ([]store.AckedEvent, int, error) {
	var all []store.AckedEvent
	torn := 0
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, 0, badInput(fmt.Errorf("--acked: %w", err))
		}
		br := bufio.NewReader(f)
		for n := 1; ; n++ {
			line, err := br.ReadBytes('\n')
			if err == io.EOF {
				if len(bytes.TrimSpace(line)) > 0 {
					torn++
				}
				break
			}
			if err != nil {
				f.Close()
				return nil, 0, fmt.Errorf("--acked %s: %w", p, err)
			}
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			var a store.AckedEvent
			if err := json.Unmarshal(line, &a); err != nil || a.CID == "" || a.Seq == 0 {
				f.Close()
				return nil, 0, badInputf("--acked %s line %d is not an acknowledgement {\"cid\",\"seq\",\"aggregate\",\"batch\"}: %q", p, n, bytes.TrimSpace(line))
			}
			all = append(all, a)
		}
		f.Close()
	}
	return all, torn, nil
}

// writeAckedReport prints the problems (at most maxAckedProblems) and the counts as JSON
// lines, and reports whether everything acknowledged checked out.
func writeAckedReport(e *env, c *store.AckedChecker, files, torn int) (bool, error) {
	printed := 0
	var werr error
	rep := c.Report(func(p string) {
		if printed < maxAckedProblems && werr == nil {
			werr = writeJSON(e.stdout, map[string]any{"acked_problem": p})
		}
		printed++
	})
	if werr != nil {
		return false, werr
	}
	ok := rep.OK()
	return ok, writeJSON(e.stdout, map[string]any{"acked_ok": ok, "acked_files": files, "acked": rep.Acked,
		"found": rep.Found, "lost": rep.Lost, "moved": rep.Moved, "duplicates": rep.Duplicates,
		"forks": rep.Forks, "load_events": rep.LoadEvents, "duplicate_payloads": rep.DuplicatePayloads,
		"batches": rep.Batches, "partial_batches": rep.PartialBatches, "torn_lines": torn})
}
