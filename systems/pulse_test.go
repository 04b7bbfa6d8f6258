package systems

import (
	"testing"
	"time"

	"github.com/yohamta/donburi"

	"github.com/jetdag/jetdag/components/worldtest"
)

// TestPulseDecays: nodes already there when the window opens do not pulse; a node that
// arrives later starts at 1, falls to about a half after half a second and is gone after
// PulseDuration, and the scene's signature changes only while a pulse lives.
func TestPulseDecays(t *testing.T) {
	w := donburi.NewWorld()
	worldtest.Node(w, 0, worldtest.Event(0, 0, "order-1", "Placed"))
	worldtest.Node(w, 1, worldtest.Event(30, 0, "order-1", "Paid"))
	e := newECS(w)
	Setup(e, Options{Width: 800, Height: 600})
	clock := &fakeClock{t: 1e12}
	SetPulseClock(e, clock.now)

	UpdateScene(e)
	if p := SceneOf(e).Pulses; len(p) != 0 {
		t.Fatalf("first scene pulses %v: the nodes were there before the window", p)
	}
	fresh := worldtest.Node(w, 2, worldtest.Event(60, 0, "order-1", "Shipped"))
	clock.advance(10 * time.Millisecond)
	UpdateScene(e)
	s := SceneOf(e)
	if len(s.Pulses) != 1 || s.Nodes[s.Pulses[0].Node].Entity != fresh || s.Pulses[0].Value != 1 {
		t.Fatalf("after a node arrived: pulses %v, want one of value 1 on the new node", s.Pulses)
	}
	sig := s.Signature
	clock.advance(PulseDuration / 2)
	UpdateScene(e)
	if p := SceneOf(e).Pulses; len(p) != 1 || p[0].Value < 0.45 || p[0].Value > 0.55 {
		t.Fatalf("half a pulse later: %v, want one of value about 0.5", p)
	}
	if SceneOf(e).Signature == sig {
		t.Error("the signature did not change while the pulse faded: the picture cache would freeze it")
	}
	clock.advance(PulseDuration/2 + time.Millisecond)
	UpdateScene(e)
	if p := SceneOf(e).Pulses; len(p) != 0 {
		t.Fatalf("after PulseDuration: pulses %v, want none (decayed to 0)", p)
	}
	sig = SceneOf(e).Signature
	clock.advance(time.Second)
	UpdateScene(e)
	if SceneOf(e).Signature != sig {
		t.Error("the signature changed with no pulse and nothing moving")
	}
}

// TestPulseBounded: a burst of new nodes pulses at most MaxPulses of them, the newest.
func TestPulseBounded(t *testing.T) {
	w := donburi.NewWorld()
	e := newECS(w)
	Setup(e, Options{Width: 800, Height: 600})
	clock := &fakeClock{t: 1e12}
	SetPulseClock(e, clock.now)
	UpdateScene(e)
	var last donburi.Entity
	for i := 0; i < MaxPulses+100; i++ {
		last = worldtest.Node(w, i, worldtest.Event(float64(i), 0, "a", "T"))
	}
	UpdateScene(e)
	s := SceneOf(e)
	if len(s.Pulses) != MaxPulses {
		t.Fatalf("%d pulses, want %d", len(s.Pulses), MaxPulses)
	}
	found := false
	for _, p := range s.Pulses {
		found = found || s.Nodes[p.Node].Entity == last
	}
	if !found {
		t.Error("the newest node does not pulse")
	}
}
