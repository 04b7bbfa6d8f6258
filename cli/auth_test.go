package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/store/storetest"
)

// A client the server refuses exits with code 4 and a message that says authorization failed
// without repeating the secret.
func TestRefusedClientExitCode(t *testing.T) {
	srv := storetest.StartConfigured(t, func(o *natsserver.Options) {
		o.Users = []*natsserver.User{{Username: "alice", Password: "right-pw-5521"}}
	})
	url := srv.ClientURL()
	hostport := strings.TrimPrefix(url, "nats://")
	cases := []struct {
		name   string
		url    string
		args   []string
		code   int
		secret string
	}{
		{"right password", url, []string{"--user", "alice", "--password", "right-pw-5521", "init"}, cli.ExitOK, ""},
		{"wrong password", url, []string{"--user", "alice", "--password", "wrong-pw-7730", "init"}, cli.ExitAuth, "wrong-pw-7730"},
		{"no credentials", url, []string{"history", "customer-1"}, cli.ExitAuth, ""},
		{"wrong token", url, []string{"--token", "tok-guess-1234", "get", "bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"}, cli.ExitAuth, "tok-guess-1234"},
		{"wrong password in the URL", "nats://alice:url-pw-0042@" + hostport, []string{"init"}, cli.ExitAuth, "url-pw-0042"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, errs, code := objRun(t, tc.url, nil, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, errs)
			}
			if tc.code == cli.ExitAuth && !strings.Contains(errs, "authorization") {
				t.Errorf("stderr %q does not say authorization failed", errs)
			}
			if tc.secret != "" && strings.Contains(errs, tc.secret) {
				t.Errorf("stderr %q reveals the secret", errs)
			}
		})
	}
}

// A producer appending outside its permissions is told that permission was denied (exit 4),
// although the server only drops the message and reports the violation asynchronously.
func TestForbiddenAppendExitCode(t *testing.T) {
	srv := storetest.StartConfigured(t, func(o *natsserver.Options) {
		o.Users = []*natsserver.User{
			{Username: "admin", Password: "admin-pw"},
			{Username: "producer", Password: "producer-pw", Permissions: &natsserver.Permissions{
				Publish:   &natsserver.SubjectPermission{Allow: []string{"event.store.customer-1.>", "$JS.API.>", "_INBOX.>", "$KV.event-index.>"}},
				Subscribe: &natsserver.SubjectPermission{Allow: []string{"_INBOX.>"}},
			}},
		}
	})
	url := srv.ClientURL()
	objRunOK(t, url, nil, nil, "--user", "admin", "--password", "admin-pw", "init")
	objRunOK(t, url, nil, nil, "--user", "producer", "--password", "producer-pw", "append", "--aggregate", "customer-1", "--type", "Created")
	start := time.Now()
	_, errs, code := objRun(t, url, nil, "--user", "producer", "--password", "producer-pw", "append", "--aggregate", "customer-2", "--type", "Created")
	if code != cli.ExitAuth || !strings.Contains(errs, "permission denied") || !strings.Contains(errs, "event.store.customer-2.Created") {
		t.Fatalf("forbidden append: exit %d, want %d with a permission error naming the subject\n%s", code, cli.ExitAuth, errs)
	}
	t.Logf("refused after %s: %q", time.Since(start).Round(time.Millisecond), errs)
}

// The read-only viewer permissions of docs/operations.md are enough for stats (stream and
// bucket state, and the consumers' lag).
func TestViewerRunsStats(t *testing.T) {
	viewerPub := []string{"$JS.API.INFO", "$JS.API.STREAM.INFO.>", "$JS.API.STREAM.NAMES", "$JS.API.STREAM.LIST",
		"$JS.API.CONSUMER.CREATE.>", "$JS.API.CONSUMER.DELETE.>", "$JS.API.CONSUMER.INFO.>", "$JS.API.CONSUMER.LIST.>",
		"$JS.API.CONSUMER.MSG.NEXT.>", "$JS.API.DIRECT.GET.>", "$JS.API.STREAM.MSG.GET.>", "$JS.FC.>"}
	srv := storetest.StartConfigured(t, func(o *natsserver.Options) {
		o.Users = []*natsserver.User{
			{Username: "admin", Password: "admin-pw"},
			{Username: "viewer", Password: "viewer-pw", Permissions: &natsserver.Permissions{
				Publish:   &natsserver.SubjectPermission{Allow: viewerPub},
				Subscribe: &natsserver.SubjectPermission{Allow: []string{"_INBOX.>"}},
			}},
		}
	})
	url := srv.ClientURL()
	objRunOK(t, url, nil, nil, "--user", "admin", "--password", "admin-pw", "init")
	objRunOK(t, url, nil, nil, "--user", "admin", "--password", "admin-pw", "append", "--aggregate", "a", "--type", "T")
	var st statsOut
	objRunOK(t, url, nil, &st, "--user", "viewer", "--password", "viewer-pw", "stats")
	if st.Events != 1 || st.Consumers == nil {
		t.Fatalf("viewer's stats: %+v", st)
	}
	// Without $JS.API.CONSUMER.LIST the rest is still reported, the lag left out with a
	// warning, at once rather than after a request timeout.
	srv2 := storetest.StartConfigured(t, func(o *natsserver.Options) {
		o.Users = []*natsserver.User{
			{Username: "admin", Password: "admin-pw"},
			{Username: "viewer", Password: "viewer-pw", Permissions: &natsserver.Permissions{
				Publish:   &natsserver.SubjectPermission{Allow: viewerPub, Deny: []string{"$JS.API.CONSUMER.LIST.>"}},
				Subscribe: &natsserver.SubjectPermission{Allow: []string{"_INBOX.>"}},
			}},
		}
	})
	url = srv2.ClientURL()
	objRunOK(t, url, nil, nil, "--user", "admin", "--password", "admin-pw", "append", "--aggregate", "a", "--type", "T")
	start := time.Now()
	out, errs, code := objRun(t, url, nil, "--user", "viewer", "--password", "viewer-pw", "stats")
	took := time.Since(start)
	st = statsOut{}
	if code != cli.ExitOK || json.Unmarshal([]byte(out), &st) != nil || st.Events != 1 || st.Consumers != nil ||
		!strings.Contains(errs, "may not list the stream's consumers") {
		t.Fatalf("viewer without CONSUMER.LIST: exit %d, %q\n%s", code, out, errs)
	}
	t.Logf("stats without CONSUMER.LIST took %s", took.Round(time.Millisecond))
}
