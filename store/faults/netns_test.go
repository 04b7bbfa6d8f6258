package faults

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// netlab is a private network on this machine: one network namespace per cluster member,
// each joined to a bridge in the root namespace by a veth pair. Cutting a member's veth
// (ip link set … down) partitions it from the other members and from every client. Names
// carry the test process's pid, so that a later run removes what a killed run left behind.
type netlab struct {
	tag    string // "jdf<pid>"
	subnet string // "10.213.X."
	bridge string
	ns     []string
	veths  []string // root-side ends
}

// newNetlab builds n namespaces, or skips the test when this machine cannot (not root, no
// ip command, no namespace support).
func newNetlab(t *testing.T, n int) *netlab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network partition: needs root for ip netns and veth pairs")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("network partition: no ip command (iproute2)")
	}
	sweepNetlabs()
	pid := os.Getpid()
	l := &netlab{tag: "jdf" + strconv.Itoa(pid), subnet: fmt.Sprintf("10.213.%d.", pid%250+1)}
	l.bridge = l.tag + "b"
	t.Cleanup(l.remove)
	if err := ipCmd("link", "add", l.bridge, "type", "bridge"); err != nil {
		t.Skipf("network partition: cannot create a bridge here: %v", err)
	}
	must := func(args ...string) {
		t.Helper()
		if err := ipCmd(args...); err != nil {
			t.Fatalf("ip %s: %v", strings.Join(args, " "), err)
		}
	}
	must("addr", "add", l.subnet+"254/24", "dev", l.bridge)
	must("link", "set", l.bridge, "up")
	for i := 1; i <= n; i++ {
		ns, root, peer := l.tag+"n"+strconv.Itoa(i), l.tag+"r"+strconv.Itoa(i), l.tag+"p"+strconv.Itoa(i)
		if err := ipCmd("netns", "add", ns); err != nil {
			t.Skipf("network partition: ip netns add does not work here: %v", err)
		}
		l.ns = append(l.ns, ns)
		must("link", "add", root, "type", "veth", "peer", "name", peer)
		l.veths = append(l.veths, root)
		must("link", "set", peer, "netns", ns)
		must("-n", ns, "link", "set", peer, "name", "eth0")
		must("-n", ns, "addr", "add", l.addr(i-1)+"/24", "dev", "eth0")
		must("-n", ns, "link", "set", "eth0", "up")
		must("-n", ns, "link", "set", "lo", "up")
		must("link", "set", root, "master", l.bridge)
		must("link", "set", root, "up")
	}
	return l
}

// addr is member i's address (from 0).
func (l *netlab) addr(i int) string { return l.subnet + strconv.Itoa(i+1) }

// cut takes member i off the network; heal puts it back.
func (l *netlab) cut(i int) error  { return ipCmd("link", "set", l.veths[i], "down") }
func (l *netlab) heal(i int) error { return ipCmd("link", "set", l.veths[i], "up") }

func (l *netlab) remove() {
	for _, ns := range l.ns {
		_ = ipCmd("netns", "del", ns)
	}
	for _, v := range l.veths {
		_ = ipCmd("link", "del", v) // gone with its namespace already, normally
	}
	_ = ipCmd("link", "del", l.bridge)
}

// sweepNetlabs removes namespaces and bridges of earlier runs whose process is gone.
func sweepNetlabs() {
	out, _ := exec.Command("ip", "-o", "link", "show").Output()
	for _, f := range strings.Fields(string(out)) {
		name := strings.TrimSuffix(strings.Split(f, "@")[0], ":")
		if strings.HasPrefix(name, "jdf") && strings.HasSuffix(name, "b") && gone(name[3:len(name)-1]) {
			_ = ipCmd("link", "del", name)
		}
	}
	out, _ = exec.Command("ip", "netns", "list").Output()
	for _, line := range strings.Split(string(out), "\n") {
		name, _, _ := strings.Cut(line, " ")
		if i := strings.LastIndexByte(name, 'n'); strings.HasPrefix(name, "jdf") && i > 3 && gone(name[3:i]) {
			_ = ipCmd("netns", "del", name)
		}
	}
}

func gone(pid string) bool {
	if _, err := strconv.Atoi(pid); err != nil {
		return false
	}
	_, err := os.Stat("/proc/" + pid)
	return os.IsNotExist(err)
}

func ipCmd(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
