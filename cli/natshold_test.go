package cli_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/url"
	"strconv"
	"sync"
	"testing"
)

// holdPoint names a moment of a NATS client's work by what it publishes: the nth PUB or HPUB
// whose subject match accepts. With after set the proxy forwards that message and then
// nothing more; otherwise the message is the first one held back.
type holdPoint struct {
	name  string
	match func(subject string) bool
	nth   int
	after bool
}

// holdProxy is a TCP proxy between NATS clients and a server. It forwards the clients'
// protocol commands one by one until the point's message, then freezes: nothing more goes
// to the server, and nothing from the server reaches the clients, so a client stops there
// waiting for an answer (a process frozen at a fixed point of its work, with everything it
// sent before that point stored by the server). held is closed when that happens.
type holdProxy struct {
	url    string
	target string
	ln     net.Listener
	point  holdPoint
	held   chan struct{}

	mu     sync.Mutex
	seen   int // messages matching the point so far
	frozen bool
	conns  []net.Conn
}

// startHoldProxy listens on a free loopback port for clients of the server at serverURL.
func startHoldProxy(t *testing.T, serverURL string, p holdPoint) *holdProxy {
	t.Helper()
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hp := &holdProxy{url: "nats://" + ln.Addr().String(), target: u.Host, ln: ln, point: p, held: make(chan struct{})}
	t.Cleanup(hp.close)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go hp.serve(c)
		}
	}()
	return hp
}

func (p *holdProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

func (p *holdProxy) serve(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, c, s)
	p.mu.Unlock()
	go p.serverToClient(s, c)
	p.clientToServer(c, s)
}

func (p *holdProxy) isFrozen() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.frozen
}

func (p *holdProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.frozen {
		p.frozen = true
		close(p.held)
	}
}

// isPoint counts a published subject and reports whether it is the point's message.
func (p *holdProxy) isPoint(subject string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.frozen || !p.point.match(subject) {
		return false
	}
	p.seen++
	return p.seen == p.point.nth
}

func (p *holdProxy) serverToClient(s, c net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := s.Read(buf)
		if n > 0 && !p.isFrozen() {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// clientToServer forwards the client's commands (a line each; PUB and HPUB with their
// payload) until the point.
func (p *holdProxy) clientToServer(c, s net.Conn) {
	r := bufio.NewReaderSize(c, 64<<10)
	w := bufio.NewWriterSize(s, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return
		}
		cmd, subject := line, ""
		if f := bytes.Fields(line); len(f) >= 3 && (bytes.EqualFold(f[0], []byte("PUB")) || bytes.EqualFold(f[0], []byte("HPUB"))) {
			n, err := strconv.Atoi(string(f[len(f)-1]))
			if err != nil {
				return
			}
			payload := make([]byte, n+2) // and its CRLF
			if _, err := io.ReadFull(r, payload); err != nil {
				return
			}
			cmd, subject = append(line, payload...), string(f[1])
		}
		if subject != "" && p.isPoint(subject) {
			if p.point.after {
				p.freeze() // first, so that no answer to it gets back
				_, _ = w.Write(cmd)
				_ = w.Flush()
				return
			}
			_ = w.Flush() // what came before the point is sent
			p.freeze()
			return
		}
		if p.isFrozen() {
			return
		}
		if _, err := w.Write(cmd); err != nil {
			return
		}
		if r.Buffered() == 0 {
			if err := w.Flush(); err != nil {
				return
			}
		}
	}
}
