// Package viewer opens jetdag's window: it connects to the stores (or starts an embedded
// server and the demo workload), feeds the ECS bridge from the verified event feed and runs
// the Ebiten game. Only the jetdag-view binary links it, so the jetdag binary never touches the
// window system and runs on headless servers.
package viewer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/nats-io/nats.go"
	"golang.org/x/mod/sumdb/note"

	"github.com/jetdag/jetdag/cli"
	"github.com/jetdag/jetdag/ecs"
	"github.com/jetdag/jetdag/store"
	"github.com/jetdag/jetdag/store/demo"
	"github.com/jetdag/jetdag/store/server"
)

// defaultStoreDir is where the viewer's embedded server keeps its data: the user's data
// directory (XDG_DATA_HOME or ~/.local/share on Linux, Application Support on macOS,
// LocalAppData on Windows).
func defaultStoreDir() (string, error) {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "jetdag"), nil
		}
	case "darwin":
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, "Library", "Application Support", "jetdag"), nil
		}
	default:
		if d := os.Getenv("XDG_DATA_HOME"); d != "" {
			return filepath.Join(d, "jetdag"), nil
		}
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, ".local", "share", "jetdag"), nil
		}
	}
	return "", errors.New("cannot find a data directory: give --store DIR")
}

// feedMemory is how many recent events the window's feed remembers for its checks; older
// parents are looked up in the CID index, so a kiosk's memory stays flat.
const feedMemory = 100_000

// openSource connects the visualizer to its data: the server named by --nats, or an
// embedded one on 127.0.0.1:4222 storing in --store (default: the user's data directory).
// With --demo it also starts the demo workload. The close function stops all of it.
func openSource(ctx context.Context, r cli.ViewRequest) (*storeSource, func(), error) {
	started := time.Now()
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	o, log := r.Options, r.Logger
	cfg := r.Conn
	cfg.MaxReconnects = -1 // a window never gives up: it shows that it is reconnecting
	cfg.ConnectTimeout = max(cfg.ConnectTimeout, time.Minute)
	if !r.NATSGiven {
		dir := o.Store
		if dir == "" {
			d, err := defaultStoreDir()
			if err != nil {
				return nil, nil, err
			}
			dir = d
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, nil, fmt.Errorf("store directory: %w", err)
		}
		srv, err := server.Start(server.Config{StoreDir: dir, Listen: "127.0.0.1:4222", Logger: log})
		if err != nil {
			log.Warn("127.0.0.1:4222 is taken; the embedded server listens on a free port", "err", err)
			srv, err = server.Start(server.Config{StoreDir: dir, Logger: log})
			if err != nil {
				return nil, nil, err
			}
		}
		closers = append(closers, srv.Shutdown)
		cfg.Servers = []string{srv.ClientURL()}
		log.Info("embedded NATS server", "url", srv.ClientURL(), "store", dir)
	}
	nc, err := store.Connect(ctx, cfg)
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	closers = append(closers, nc.Close)
	events, err := store.OpenEvents(ctx, nc, store.EventStoreConfig{Logger: log, FeedMemory: feedMemory, Replicas: o.Replicas})
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	// Before the connection closes: the index writes of the demo's last appends, briefly.
	closers = append(closers, func() { _ = events.Close(context.Background()) })
	objCfg := store.ObjectStoreConfig{Logger: log, EventExists: events.Exists, EventLookup: events.Get, Replicas: o.Replicas}
	objects, err := store.OpenObjects(ctx, nc, objCfg)
	if errors.Is(err, store.ErrPermissionDenied) && !o.Demo {
		// A read-only user on a store whose bucket nobody has created yet: show the events,
		// and the objects once the bucket exists.
		log.Warn("the object bucket does not exist and this user may not create it; objects appear once it does (jetdag init)", "err", err)
		objects, err = nil, nil
	}
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	var logVerifier note.Verifier
	if o.LogVKey != "" {
		if logVerifier, err = cli.ReadLogVerifier(o.LogVKey); err != nil {
			closeAll()
			return nil, nil, err
		}
	}
	witnesses, err := cli.ReadWitnessVerifiers(o.WitnessVKeys)
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	var resume *resumePoint
	if o.Checkpoint != "" {
		if resume, err = openResume(ctx, nc, events, objects, logVerifier, o.Checkpoint, o.MaxNodes); err != nil {
			closeAll()
			return nil, nil, err
		}
		log.Info("resuming after a verified checkpoint", "size", resume.cp.N, "seq", resume.point.Seq, "aggregates", len(resume.point.Heads))
	}
	src := &storeSource{nc: nc, logVerifier: logVerifier, witnessVerifiers: witnesses, events: events, objects: objects, objCfg: objCfg, log: log,
		until: o.Until, untilTime: o.UntilTime, reached: make(chan struct{}), sent: map[cid.Cid]bool{}, resume: resume, started: started}
	if o.Demo {
		dctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			cfg := demo.Config{
				Events: events, Rate: 15,
				StoreObject: func(ctx context.Context, v any, prev cid.Cid) (cid.Cid, error) {
					return objects.Store(ctx, v, prev)
				},
				Link: func(ctx context.Context, from, to cid.Cid, typ string) error {
					_, err := objects.LinkObjects(ctx, from, to, typ)
					return err
				},
			}
			if _, err := demo.Run(dctx, cfg); err != nil {
				log.Error("demo workload stopped", "err", err)
			}
		}()
		closers = append(closers, func() { cancel(); <-done })
	}
	return src, closeAll, nil
}

// storeSource follows the event store into the visualizer's bridge: verified catch-up, then
// live, with rejected messages included. When the feed breaks it resumes after the last
// sequence it delivered, so the world sees no gap and no duplicate; it never gives up.
type storeSource struct {
	nc      *nats.Conn
	events  *store.JetStreamEvents
	objects *store.JetStreamObjects // nil until the bucket exists (see followObjects)
	objCfg  store.ObjectStoreConfig
	log     *slog.Logger
	// logVerifier is --log-vkey (nil: the log's checkpoints are shown unverified); logPoll
	// how often the newest checkpoint is read (0: defaultLogPoll).
	logVerifier note.Verifier
	logPoll     time.Duration
	// witnessVerifiers are --witness-vkey: only their cosignatures are counted, verified.
	witnessVerifiers []note.Verifier
	// logHeld is the log and the newest consistent checkpoint followLog holds (nil: none
	// yet), which Prove proves against.
	logHeld atomic.Pointer[heldLog]
	// caughtUp is whether the event feed is live, for status messages sent off its goroutine.
	caughtUp atomic.Bool

	// until, when not 0, is the --until sequence: the event feed stops after it and closes
	// reached; sent then holds the CIDs of the events it delivered and cutoff the newest
	// event time, which decide which objects and links the object feed delivers.
	until uint64
	// untilTime, when not 0, is --until TIME: the feed stops at the first event stamped later.
	untilTime int64
	reached   chan struct{}
	sent      map[cid.Cid]bool
	cutoff    int64

	// resume, when not nil, is the verified checkpoint the event feed starts after (view
	// --checkpoint); started is when the view started, for the "live" log line.
	resume  *resumePoint
	started time.Time
}

// Follow implements ecs.Source: the event feed and the object feed run side by side.
func (s *storeSource) Follow(ctx context.Context, b *ecs.Bridge) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 3)
	objects := s.objects // followObjects may set s.objects later; the log does without
	go func() { done <- s.followObjects(ctx, b) }()
	go func() { done <- s.watchConnection(ctx, b) }()
	go func() { done <- s.followLog(ctx, b, objects) }()
	err := s.followEvents(ctx, b)
	cancel()
	<-done
	<-done
	<-done
	return err
}

// watchConnection tells the world when the connection state changes (the status bar shows
// "reconnecting" while the server is away), keeping the caught-up flag as it was.
func (s *storeSource) watchConnection(ctx context.Context, b *ecs.Bridge) error {
	last := connState(s.nc)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		state := connState(s.nc)
		if state == last {
			continue
		}
		last = state
		if err := b.Send(ctx, &ecs.StatusMsg{Connection: state, CaughtUp: s.caughtUp.Load()}); err != nil {
			return nil
		}
	}
}

// followObjects sends every object and link (existing, then live); it restarts the feed
// after a failure and never gives up while ctx lasts.
func (s *storeSource) followObjects(ctx context.Context, b *ecs.Bridge) error {
	seen := map[cid.Cid]bool{} // a restarted feed replays what was sent before
	if s.asOfMode() {
		// As of a sequence: objects (which have no stream sequence) once the events are
		// known, those made by the newest event's time, and links between what is shown.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.reached:
		}
	}
	for {
		if s.objects == nil {
			objects, err := store.OpenObjects(ctx, s.nc, s.objCfg)
			if err != nil {
				if err := store.Sleep(ctx, 5*time.Second); err != nil {
					return err
				}
				continue
			}
			s.objects = objects
		}
		feed, err := s.objects.Subscribe(ctx)
		if err == nil {
			for r := range feed {
				if r.CID.Defined() && seen[r.CID] {
					continue
				}
				m, ok := s.objectMessage(ctx, r)
				if !ok || !s.asOf(m, seen) {
					continue
				}
				if err := b.Send(ctx, m); err != nil {
					return err
				}
				seen[r.CID] = true
			}
		} else {
			s.log.Warn("object feed", "err", err)
		}
		if err := store.Sleep(ctx, time.Second); err != nil {
			return err
		}
	}
}

// asOf reports whether an object message belongs to the store as of --until (always without
// it): an object made at or before the newest shown event's time, a link whose two ends are
// shown.
func (s *storeSource) asOf(m ecs.Message, seen map[cid.Cid]bool) bool {
	if !s.asOfMode() {
		return true
	}
	switch m := m.(type) {
	case *ecs.ObjectMsg:
		return m.Timestamp <= s.cutoff
	case *ecs.LinkMsg:
		shown := func(c cid.Cid) bool { return s.sent[c] || seen[c] }
		return shown(m.From) && shown(m.To)
	}
	return true
}

// objectMessage turns an object-store record into a bridge message.
func (s *storeSource) objectMessage(ctx context.Context, r store.ObjectRecord) (ecs.Message, bool) {
	switch {
	case r.Object != nil:
		om := &ecs.ObjectMsg{CID: r.CID, Previous: r.Object.PreviousCID, Kind: ecs.ObjectValue, Timestamp: r.Object.Timestamp}
		if c, ok := r.Object.Data.(cid.Cid); ok {
			om.Kind, om.Content = ecs.ObjectFile, c
			if st, err := s.objects.Stat(ctx, r.CID); err == nil {
				om.Size = st.ContentSize
			}
		}
		return om, true
	case r.Link != nil:
		return &ecs.LinkMsg{From: r.Link.From, To: r.Link.To, Type: r.Link.Type}, true
	}
	return nil, false
}

// followEvents sends the verified event feed, resuming after the last sequence it sent.
func (s *storeSource) followEvents(ctx context.Context, b *ecs.Bridge) error {
	var next uint64 = 1
	var subOpts []store.SubscribeOption
	if s.resume != nil {
		// Every feed, also one restarted after a break, verifies from the checkpoint on.
		next = s.resume.point.Seq + 1
		subOpts = append(subOpts, store.ResumeAt(s.resume.point))
		if err := s.sendHeads(ctx, b, s.resume); err != nil {
			return err
		}
	}
	backoff := 250 * time.Millisecond
	wasLive := false
	status := func(state string, caughtUp bool) error {
		s.caughtUp.Store(caughtUp)
		if caughtUp && !wasLive {
			wasLive = true
			s.log.Info("view: live", "after", time.Since(s.started).Round(time.Millisecond), "resumed", s.resume != nil, "next_seq", next)
		}
		return b.Send(ctx, s.resume.status(&ecs.StatusMsg{Connection: state, CaughtUp: caughtUp}))
	}
	for {
		// What the catch-up replay has to reach, for the window's progress line.
		start := s.resume.status(&ecs.StatusMsg{Connection: connState(s.nc)})
		if last, err := s.events.LastSeq(ctx); err == nil && last >= next {
			start.Target = last
			if s.until > 0 {
				start.Target = min(last, s.until)
			}
		}
		s.caughtUp.Store(false)
		if err := b.Send(ctx, start); err != nil {
			return err
		}
		feed, err := s.events.Subscribe(ctx, next, subOpts...)
		if err == nil {
			backoff = 250 * time.Millisecond
			for r := range feed {
				if s.until > 0 && r.Seq > s.until || s.untilTime != 0 && r.Event != nil && r.Event.Timestamp > s.untilTime {
					return s.stopAsOf(ctx, status)
				}
				if m, ok := recordMessage(r); ok {
					if err := b.Send(ctx, m); err != nil {
						return err
					}
					if s.asOfMode() && r.Event != nil {
						s.sent[r.Event.CID] = true
						s.cutoff = max(s.cutoff, r.Event.Timestamp)
					}
				}
				if r.Seq >= next {
					next = r.Seq + 1
				}
				if s.until > 0 && r.Seq == s.until {
					return s.stopAsOf(ctx, status)
				}
				if r.CaughtUp {
					if err := status(connState(s.nc), true); err != nil {
						return err
					}
				}
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := status("reconnecting", false); err != nil {
			return err
		}
		if err := store.Sleep(ctx, backoff); err != nil {
			return err
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// asOfMode reports whether the source shows the store as it was (--until).
func (s *storeSource) asOfMode() bool { return s.until > 0 || s.untilTime != 0 }

// stopAsOf ends the event feed at --until: the picture is complete (caught up, as of that
// sequence), the object feed may start, and nothing more comes until the window closes.
func (s *storeSource) stopAsOf(ctx context.Context, status func(string, bool) error) error {
	if err := status(connState(s.nc), true); err != nil {
		return err
	}
	close(s.reached)
	<-ctx.Done()
	return ctx.Err()
}

func connState(nc *nats.Conn) string {
	switch nc.Status() {
	case nats.CONNECTED:
		return "connected"
	case nats.RECONNECTING, nats.DISCONNECTED:
		return "reconnecting"
	case nats.CLOSED:
		return "closed"
	}
	return nc.Status().String()
}

// recordMessage turns a store record into a bridge message.
func recordMessage(r store.Record) (ecs.Message, bool) {
	switch {
	case r.Event != nil:
		ev := r.Event
		return &ecs.EventMsg{
			Seq: ev.Seq, CID: ev.CID, AggregateID: ev.AggregateID, EventType: ev.EventType,
			Previous: ev.PreviousCID, Parents: ev.ParentCIDs, Timestamp: ev.Timestamp, PayloadSize: len(ev.Payload),
		}, true
	case r.Rejected != nil:
		rj := r.Rejected
		return &ecs.RejectedMsg{Seq: rj.Seq, Subject: rj.Subject, AggregateID: rj.AggregateID, Reason: rj.Reason}, true
	}
	return nil, false
}
