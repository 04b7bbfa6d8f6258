package gateway

import (
	"fmt"
	"net/http"
	"time"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/blockstore"
	boxogw "github.com/ipfs/boxo/gateway"
	"github.com/ipfs/boxo/path"
	"github.com/prometheus/client_golang/prometheus"
)

// Prefix is the path under which NewHandler answers: /ipfs/{cid}[/path][?format=...].
const Prefix = "/ipfs/"

// Config configures NewHandler. The zero value serves trustless responses (raw blocks and
// CAR files) and deserialized files, with boxo's defaults for timeouts and limits.
type Config struct {
	// TrustlessOnly refuses deserialized responses (plain GET of a file): only
	// application/vnd.ipld.raw and application/vnd.ipld.car are served, as a trustless
	// gateway does.
	TrustlessOnly bool
	// RetrievalTimeout ends a response that makes no progress for this long (504 before the
	// first byte). Zero means 30 s; a negative value disables it.
	RetrievalTimeout time.Duration
	// MaxConcurrentRequests bounds requests in flight (429 beyond it); zero means 64.
	MaxConcurrentRequests int
	// MetricsRegistry receives boxo's gateway metrics; nil keeps them in a private registry
	// (so that several handlers in one process never collide on the default one).
	MetricsRegistry prometheus.Registerer
}

// NewHandler returns boxo's IPFS gateway handler over bs, to be mounted at Prefix. Every
// block it sends was verified against its CID by bs; nothing can be written through it.
func NewHandler(bs blockstore.Blockstore, cfg Config) (http.Handler, error) {
	// No exchange: a block the store lacks is not looked for elsewhere.
	backend, err := boxogw.NewBlocksBackend(blockservice.New(bs, nil))
	if err != nil {
		return nil, fmt.Errorf("gateway backend: %w", err)
	}
	reg := cfg.MetricsRegistry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	timeout := cfg.RetrievalTimeout
	switch {
	case timeout == 0:
		timeout = boxogw.DefaultRetrievalTimeout
	case timeout < 0:
		timeout = 0
	}
	limit := cfg.MaxConcurrentRequests
	if limit <= 0 {
		limit = 64
	}
	h := boxogw.NewHandler(boxogw.Config{
		DeserializedResponses: !cfg.TrustlessOnly,
		NoDNSLink:             true, // no DNS lookups for Host headers: this gateway serves /ipfs/ only
		DisableHTMLErrors:     true,
		RetrievalTimeout:      timeout,
		MaxConcurrentRequests: limit,
		MetricsRegistry:       reg,
	}, backend)
	return readOnly(knownFormat(rootFirst(bs, h))), nil
}

// rootFirst answers 404 when the root block of an /ipfs/ path is not in bs, before h starts
// a response. The trustless gateway spec requires 404 for a missing root whatever the format;
// boxo v0.43 answers a CAR request for one with 200 and a CAR holding no blocks. Paths that
// do not parse are left to h, which answers 400.
func rootFirst(bs blockstore.Blockstore, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := path.NewPath(r.URL.Path)
		// only-if-cached probes are boxo's to answer (412 for a missing root, as the spec says).
		if err == nil && p.Namespace() == path.IPFSNamespace && r.Header.Get("Cache-Control") != "only-if-cached" {
			if ip, err := path.NewImmutablePath(p); err == nil {
				ok, err := bs.Has(r.Context(), ip.RootCid())
				switch {
				case err != nil:
					http.Error(w, fmt.Sprintf("look up %s: %v", ip.RootCid(), err), http.StatusInternalServerError)
					return
				case !ok:
					http.Error(w, fmt.Sprintf("block %s is not in this store", ip.RootCid()), http.StatusNotFound)
					return
				}
			}
		}
		h.ServeHTTP(w, r)
	})
}

// readOnly answers GET, HEAD and OPTIONS through h and refuses every other method with 405,
// before boxo sees the request.
func readOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			h.ServeHTTP(w, r)
		default:
			w.Header().Set("Allow", "GET, HEAD, OPTIONS")
			http.Error(w, "jetdag gateway is read-only", http.StatusMethodNotAllowed)
		}
	})
}

// knownFormatName reports whether f is a ?format= value of the path and trustless gateway
// specs (boxo serves each, or answers 406 for a conversion it does not make).
func knownFormatName(f string) bool {
	switch f {
	case "raw", "car", "tar", "dag-json", "dag-cbor", "json", "cbor", "ipns-record":
		return true
	}
	return false
}

// knownFormat answers 400 for a ?format= the specs do not name: boxo v0.43 ignores one and
// answers as if none had been given, so a client asking for a format it mistyped would get a
// response in another.
func knownFormat(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f := r.URL.Query().Get("format"); f != "" && !knownFormatName(f) {
			http.Error(w, fmt.Sprintf("unsupported format %q (want raw, car, tar, dag-json, dag-cbor, json, cbor or ipns-record)", cutFormat(f)), http.StatusBadRequest)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// cutFormat keeps an error message short whatever the client sent.
func cutFormat(f string) string {
	if len(f) > 40 {
		return f[:40] + "…"
	}
	return f
}
