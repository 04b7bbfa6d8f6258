package cli_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store/storetest"
)

type linkOut struct {
	CID       string `json:"cid"`
	From      string `json:"from"`
	To        string `json:"to"`
	Type      string `json:"type"`
	Timestamp int64  `json:"timestamp"`
}

// link joins objects and events; export writes a CAR that import loads into a fresh server,
// where cat, history and links give the same answers.
func TestLinkExportImport(t *testing.T) {
	src, dst := storetest.Start(t), storetest.Start(t)
	a, b := src.ClientURL(), dst.ClientURL()
	var ev struct {
		CID string `json:"cid"`
	}
	objRunOK(t, a, nil, &ev, "append", "--aggregate", "order-1", "--type", "Created", "--data", "{}")
	var file putOut
	objRunOK(t, a, strings.NewReader("invoice body"), &file, "put")
	var link linkOut
	objRunOK(t, a, nil, &link, "link", file.CID, ev.CID, "--type", "DerivedFrom")
	if link.From != file.CID || link.To != ev.CID || link.Type != "DerivedFrom" || link.Timestamp == 0 || !strings.HasPrefix(link.CID, "bafyrei") {
		t.Fatalf("link printed %+v", link)
	}
	var listed linkOut
	objRunOK(t, a, nil, &listed, "links")
	if listed != link {
		t.Fatalf("links printed %+v, want %+v", listed, link)
	}
	path := filepath.Join(t.TempDir(), "out.car")
	var exp struct {
		Roots  []string `json:"roots"`
		Events int      `json:"events"`
		Links  int      `json:"links"`
	}
	objRunOK(t, a, nil, &exp, "export", "--car", path)
	if len(exp.Roots) != 1 || exp.Roots[0] != ev.CID || exp.Events != 1 || exp.Links != 1 {
		t.Fatalf("export printed %+v", exp)
	}
	var imp struct {
		Events, Blocks, Links int
	}
	objRunOK(t, b, nil, &imp, "import", "--car", path)
	if imp.Events != 1 || imp.Links != 1 || imp.Blocks != 3 {
		t.Fatalf("import printed %+v", imp)
	}
	if out := objRunOK(t, b, nil, nil, "cat", file.CID); out != "invoice body" {
		t.Fatalf("cat after import: %q", out)
	}
	objRunOK(t, b, nil, &listed, "links")
	if listed != link {
		t.Fatalf("links after import %+v", listed)
	}
	if out := objRunOK(t, b, nil, nil, "history", "order-1"); !strings.Contains(out, ev.CID) {
		t.Fatalf("history after import: %s", out)
	}
	if _, _, code := objRun(t, a, nil, "export", "--car", path, "--aggregate", "nobody"); code != cli.ExitFailure {
		t.Fatalf("export of an unknown aggregate exited %d", code)
	}
}
