package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store/block"
	"github.com/jetdag/jetdag/store/storetest"
)

// runUntil runs a long-running jetdag command until the test ends and returns the first JSON
// line it prints, once it has printed one.
func runUntil(t *testing.T, args ...string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	out, errb := &lockedBuffer{}, &lockedBuffer{}
	code := -1
	wg.Go(func() { code = cli.Run(ctx, args, strings.NewReader(""), out, errb) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		if code != cli.ExitOK {
			t.Errorf("jetdag %v exited %d: %s", args, code, errb.String())
		}
	})
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out.String(), "\n"); {
		if time.Now().After(deadline) {
			cancel()
			wg.Wait()
			t.Fatalf("jetdag %v printed nothing: exit %d\n%s", args, code, errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	var line map[string]string
	if err := json.Unmarshal([]byte(out.String()), &line); err != nil {
		t.Fatalf("jetdag %v printed %q", args, out.String())
	}
	return line
}

func httpGet(t *testing.T, method, url, accept string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}

// checkGateway puts a file and appends an event through the CLI, then reads both back
// through the gateway at base (…/ipfs/).
func checkGateway(t *testing.T, natsURL, base string, auth ...string) {
	t.Helper()
	data := pseudo(1<<20 + 4321) // two leaves
	var put putOut
	objRunOK(t, natsURL, bytes.NewReader(data), &put, append(auth, "put")...)
	var ev struct{ CID string }
	objRunOK(t, natsURL, nil, &ev, append(auth, "append", "--aggregate", "gw-1", "--type", "Created", "--data", `{"a":1}`)...)

	code, hdr, body := httpGet(t, "GET", base+*put.Content, "")
	if code != 200 || !bytes.Equal(body, data) {
		t.Fatalf("GET file: status %d, %d bytes (want %d)", code, len(body), len(data))
	}
	if cc := hdr.Get("Cache-Control"); cc != "public, max-age=29030400, immutable" {
		t.Errorf("Cache-Control %q", cc)
	}
	code, _, body = httpGet(t, "GET", base+ev.CID, "application/vnd.ipld.raw")
	c, err := block.ParseCID(ev.CID)
	if err != nil {
		t.Fatal(err)
	}
	if code != 200 || block.Verify(c, body) != nil {
		t.Fatalf("GET event raw: status %d, block does not verify: %s", code, body)
	}
	if code, _, _ := httpGet(t, "POST", base+ev.CID, ""); code != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", code)
	}
}

func TestGatewayCommand(t *testing.T) {
	srv := storetest.Start(t)
	url := srv.ClientURL()
	rep := runUntil(t, "--nats", url, "gateway", "--http", "127.0.0.1:0")
	if !strings.HasSuffix(rep["gateway"], "/ipfs/") {
		t.Fatalf("gateway printed %v", rep)
	}
	checkGateway(t, url, rep["gateway"])
}

func TestGatewayTrustless(t *testing.T) {
	srv := storetest.Start(t)
	url := srv.ClientURL()
	rep := runUntil(t, "--nats", url, "gateway", "--http", "127.0.0.1:0", "--trustless")
	var put putOut
	objRunOK(t, url, strings.NewReader("hello, gateway"), &put, "put")
	if code, _, body := httpGet(t, "GET", rep["gateway"]+*put.Content, ""); code != http.StatusNotAcceptable && code != http.StatusBadRequest {
		t.Errorf("deserialized GET on a trustless gateway: status %d: %s", code, body)
	}
	if code, _, body := httpGet(t, "GET", rep["gateway"]+*put.Content+"?format=raw", ""); code != 200 || string(body) != "hello, gateway" {
		t.Errorf("raw GET: status %d: %q", code, body)
	}
}

func TestServeHTTPGateway(t *testing.T) {
	port := storetest.FreePorts(t, 1)[0]
	url := "nats://127.0.0.1:" + strconv.Itoa(port)
	rep := runUntil(t, "serve", "--store", t.TempDir(), "--listen", "127.0.0.1:"+strconv.Itoa(port), "--http", "127.0.0.1:0")
	if rep["url"] == "" || !strings.HasSuffix(rep["gateway"], "/ipfs/") || !strings.HasPrefix(rep["http"], "http://127.0.0.1:") {
		t.Fatalf("serve printed %v", rep)
	}
	checkGateway(t, url, rep["gateway"])
}

// The gateway's NATS connection takes the same credentials as every command.
func TestGatewayCredentials(t *testing.T) {
	url := startServe(t, "--auth-token", "s3cret-token")
	if _, errs, code := objRun(t, url, nil, "gateway", "--http", "127.0.0.1:0"); code != cli.ExitAuth || strings.Contains(errs, "s3cret") {
		t.Fatalf("gateway without the token: exit %d, want %d\n%s", code, cli.ExitAuth, errs)
	}
	rep := runUntil(t, "--nats", url, "--token", "s3cret-token", "gateway", "--http", "127.0.0.1:0")
	checkGateway(t, url, rep["gateway"], "--token", "s3cret-token")
}

func TestGatewayBadInput(t *testing.T) {
	srv := storetest.Start(t)
	for _, args := range [][]string{
		{"gateway"},
		{"gateway", "--http", "not an address"},
	} {
		if _, errs, code := objRun(t, srv.ClientURL(), nil, args...); code != cli.ExitBadInput || !strings.Contains(errs, "--http") {
			t.Errorf("jetdag %v: exit %d, want %d\n%s", args, code, cli.ExitBadInput, errs)
		}
	}
}
