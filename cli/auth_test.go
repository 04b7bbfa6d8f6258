package cli_test

import (
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
