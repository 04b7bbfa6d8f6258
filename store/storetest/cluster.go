package storetest

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetdag/jetdag/store/server"
)

// Cluster is a JetStream cluster of embedded servers on loopback, started for one test.
type Cluster struct {
	// Nodes are the members in start order; a stopped node's Server is nil.
	Nodes []*Node
	t     testing.TB
}

// Node is one cluster member.
type Node struct {
	*server.Server
	// Name is the server name, Dir its JetStream store directory.
	Name, Dir string
	// URL is the client URL (stable across restarts); Route the cluster address.
	URL, Route string
	listen     string
	routes     []string
}

// StartCluster starts n servers named n1…nN that form one JetStream cluster, waits until
// JetStream answers on every node and stops them all when the test ends.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	c := &Cluster{t: t}
	ports := FreePorts(t, 2*n)
	for i := range n {
		name := "n" + strconv.Itoa(i+1)
		c.Nodes = append(c.Nodes, &Node{
			Name:   name,
			Dir:    filepath.Join(t.TempDir(), name),
			listen: "127.0.0.1:" + strconv.Itoa(ports[2*i]),
			URL:    "nats://127.0.0.1:" + strconv.Itoa(ports[2*i]),
			Route:  "127.0.0.1:" + strconv.Itoa(ports[2*i+1]),
		})
	}
	for i, nd := range c.Nodes {
		for j, other := range c.Nodes {
			if i != j {
				nd.routes = append(nd.routes, "nats-route://"+other.Route)
			}
		}
	}
	// The servers start concurrently: each waits for its routes before it is ready.
	errs := make(chan error, n)
	for _, nd := range c.Nodes {
		go func() { errs <- nd.start() }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatalf("start cluster: %v", err)
		}
	}
	t.Cleanup(func() {
		for _, nd := range c.Nodes {
			nd.Stop()
		}
	})
	c.WaitJetStream(30 * time.Second)
	return c
}

func (nd *Node) start() error {
	s, err := server.Start(server.Config{
		StoreDir: nd.Dir, Listen: nd.listen, Name: nd.Name, Cluster: nd.Route,
		ClusterName: "jetdag-test", Routes: nd.routes, ReadyTimeout: 20 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("node %s: %w", nd.Name, err)
	}
	nd.Server = s
	return nil
}

// Stop shuts the node down (a no-op when it is already stopped).
func (nd *Node) Stop() {
	if nd.Server != nil {
		nd.Server.Shutdown()
		nd.Server = nil
	}
}

// URLs are the client URLs of every node, running or not.
func (c *Cluster) URLs() []string {
	out := make([]string, len(c.Nodes))
	for i, nd := range c.Nodes {
		out[i] = nd.URL
	}
	return out
}

// Node returns the member called name, or nil.
func (c *Cluster) Node(name string) *Node {
	for _, nd := range c.Nodes {
		if nd.Name == name {
			return nd
		}
	}
	return nil
}

// Restart starts a stopped node again on its store directory and addresses.
func (c *Cluster) Restart(nd *Node) {
	c.t.Helper()
	if err := nd.start(); err != nil {
		c.t.Fatalf("restart: %v", err)
	}
}

// WaitJetStream waits until every running node answers JetStream account requests, which
// it does once the cluster has elected its meta leader.
func (c *Cluster) WaitJetStream(limit time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(limit)
	for _, nd := range c.Nodes {
		if nd.Server == nil {
			continue
		}
		nc, err := nats.Connect(nd.URL)
		if err != nil {
			c.t.Fatalf("connect to %s: %v", nd.Name, err)
		}
		js, err := jetstream.New(nc)
		if err != nil {
			nc.Close()
			c.t.Fatalf("jetstream on %s: %v", nd.Name, err)
		}
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_, err = js.AccountInfo(ctx)
			cancel()
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				nc.Close()
				c.t.Fatalf("JetStream on %s not ready after %s: %v", nd.Name, limit, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		nc.Close()
	}
	// Placement needs the meta leader to see every running peer as current; until it does
	// an R3 stream is refused with "no suitable peers for placement".
	running := 0
	for _, nd := range c.Nodes {
		if nd.Server != nil {
			running++
		}
	}
	for {
		ready, why := c.metaReady(running)
		if ready {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("JetStream meta group not ready after %s: %s", limit, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// metaReady reports whether some running node knows a meta leader that sees running-1 other
// peers, all current and online.
func (c *Cluster) metaReady(running int) (bool, string) {
	why := "no running node"
	for _, nd := range c.Nodes {
		if nd.Server == nil {
			continue
		}
		info, err := nd.Server.NATS().Jsz(&natsserver.JSzOptions{})
		if err != nil || info.Meta == nil || info.Meta.Leader != nd.Name {
			why = "no meta leader yet"
			continue // ask the leader: only it tracks its followers' state
		}
		current := 0
		for _, p := range info.Meta.Replicas {
			if p.Current && !p.Offline {
				current++
			}
		}
		if current >= running-1 {
			return true, ""
		}
		return false, fmt.Sprintf("meta leader %s sees %d of %d peers current", nd.Name, current, running-1)
	}
	return false, why
}

// FreePorts returns n distinct free loopback TCP ports, found by listening on port 0.
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	ls := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("free port: %v", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}
