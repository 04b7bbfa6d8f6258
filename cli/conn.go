package cli

import (
	"os"
	"time"

	"github.com/jetdag/jetdag/store"
	"github.com/spf13/cobra"
)

// connFlags are the global NATS connection flags. Defaults follow the nats CLI's
// environment conventions (NATS_URL, NATS_USER, NATS_PASSWORD, NATS_TOKEN, NATS_CREDS,
// NATS_NKEY, NATS_CA, NATS_CERT, NATS_KEY).
type connFlags struct {
	URLs     string
	User     string
	Password string
	Token    string
	Creds    string
	NKey     string
	TLSCA    string
	TLSCert  string
	TLSKey   string
	// MaxReconnects and ReconnectWait control reconnection after the server goes away.
	MaxReconnects  int
	ReconnectWait  time.Duration
	ConnectTimeout time.Duration
	// urlSet reports whether --nats or NATS_URL named a server; the visualizer starts an
	// embedded server when neither did.
	urlSet bool
}

// DefaultURL is the server the CLI talks to when neither --nats nor NATS_URL is given.
const DefaultURL = "nats://127.0.0.1:4222"

func (c *connFlags) register(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVar(&c.URLs, "nats", envOr("NATS_URL", DefaultURL), "NATS server URLs, comma separated ($NATS_URL)")
	f.StringVar(&c.User, "user", os.Getenv("NATS_USER"), "NATS user ($NATS_USER)")
	f.StringVar(&c.Password, "password", os.Getenv("NATS_PASSWORD"), "NATS password ($NATS_PASSWORD)")
	f.StringVar(&c.Token, "token", os.Getenv("NATS_TOKEN"), "NATS token ($NATS_TOKEN)")
	f.StringVar(&c.Creds, "creds", os.Getenv("NATS_CREDS"), "NATS credentials file ($NATS_CREDS)")
	f.StringVar(&c.NKey, "nkey", os.Getenv("NATS_NKEY"), "NATS nkey seed file ($NATS_NKEY)")
	f.StringVar(&c.TLSCA, "tls-ca", os.Getenv("NATS_CA"), "CA certificate file for TLS ($NATS_CA)")
	f.StringVar(&c.TLSCert, "tls-cert", os.Getenv("NATS_CERT"), "client certificate file for TLS ($NATS_CERT)")
	f.StringVar(&c.TLSKey, "tls-key", os.Getenv("NATS_KEY"), "client key file for TLS ($NATS_KEY)")
	f.IntVar(&c.MaxReconnects, "max-reconnects", 60, "reconnect attempts after losing the server (-1: forever)")
	f.DurationVar(&c.ReconnectWait, "reconnect-wait", 2*time.Second, "pause between reconnect attempts")
	f.DurationVar(&c.ConnectTimeout, "connect-timeout", 5*time.Second, "how long to keep retrying a server that does not answer at start")
	c.urlSet = os.Getenv("NATS_URL") != ""
	root.PersistentPreRunE = chainPreRun(root.PersistentPreRunE, func(cmd *cobra.Command, _ []string) error {
		if cmd.Flags().Changed("nats") {
			c.urlSet = true
		}
		return nil
	})
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func chainPreRun(a, b func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if a != nil {
			if err := a(cmd, args); err != nil {
				return err
			}
		}
		return b(cmd, args)
	}
}

// check refuses connection flags that cannot work, before anything connects (exit 2): an
// empty or malformed --nats, a negative --connect-timeout or --reconnect-wait, a --creds, --nkey, --tls-ca, --tls-cert or --tls-key file that
// cannot be read, and a client certificate without its key or a key without its certificate.
func (c *connFlags) check() error {
	if _, err := store.ParseServers(c.URLs); err != nil {
		return badInputf("--nats (or $NATS_URL): %w", err)
	}
	switch {
	case c.MaxReconnects < -1:
		return badInputf("--max-reconnects %d: want -1 (forever) or more", c.MaxReconnects)
	case c.ReconnectWait < 0:
		return badInputf("--reconnect-wait %s: want 0 or more", c.ReconnectWait)
	case c.ConnectTimeout < 0:
		return badInputf("--connect-timeout %s: want 0 (one attempt) or more", c.ConnectTimeout)
	}
	switch {
	case c.TLSCert != "" && c.TLSKey == "":
		return badInputf("--tls-cert (or $NATS_CERT) needs --tls-key (or $NATS_KEY), the client certificate's private key")
	case c.TLSKey != "" && c.TLSCert == "":
		return badInputf("--tls-key (or $NATS_KEY) needs --tls-cert (or $NATS_CERT), the client certificate")
	}
	for _, f := range []struct{ flag, path string }{
		{"--creds (or $NATS_CREDS)", c.Creds}, {"--nkey (or $NATS_NKEY)", c.NKey}, {"--tls-ca (or $NATS_CA)", c.TLSCA},
		{"--tls-cert (or $NATS_CERT)", c.TLSCert}, {"--tls-key (or $NATS_KEY)", c.TLSKey},
	} {
		if f.path == "" {
			continue
		}
		if err := store.CheckReadableFile(f.path); err != nil {
			return badInputf("%s: %w", f.flag, err)
		}
	}
	return nil
}
