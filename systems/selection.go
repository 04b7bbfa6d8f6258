package systems

import (
	"context"
	"time"

	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// inspectorIO is the inspector system's singleton for work off the game goroutine: the
// payload fetch of the latest selection and the clipboard copy report back through its
// channels, which UpdateInspector drains.
type inspectorIO struct {
	fetchSeq  uint64
	fetchDone chan fetchResult
	fetchStop context.CancelFunc
	copyDone  chan string
	proofDone chan proofResult
}

type proofResult struct {
	seq  uint64
	text string
	err  error
}

type fetchResult struct {
	seq    uint64
	data   []byte
	err    error
	format string
	text   string
}

var inspectorIOComponent = donburi.NewComponentType[inspectorIO]()

func getInspectorIO(e *ecs.ECS) *inspectorIO {
	return getOrCreate(e.World, inspectorIOComponent, func(donburi.World) inspectorIO {
		return inspectorIO{fetchDone: make(chan fetchResult, 4), copyDone: make(chan string, 1), proofDone: make(chan proofResult, 4)}
	})
}

// Selected is the entity open in the inspector, or donburi.Null.
func Selected(e *ecs.ECS) donburi.Entity { return GetOrCreateSelection(e).Entity }

// Info is what the inspector shows, or nil when nothing is selected.
func Info(e *ecs.ECS) *components.InspectorInfo { return GetOrCreateSelection(e).Info }

// Select opens ent in the inspector, highlights its cone and starts fetching its payload;
// donburi.Null clears the selection.
func Select(e *ecs.ECS, ent donburi.Entity) {
	io := getInspectorIO(e)
	if io.fetchStop != nil {
		io.fetchStop()
		io.fetchStop = nil
	}
	io.fetchSeq++
	sel := GetOrCreateSelection(e)
	marks := MarksOf(e)
	sel.Entity, marks.Selected = ent, ent
	sel.Info, sel.Scroll = nil, 0
	marks.ClearHighlighted()
	if ent == donburi.Null {
		return
	}
	info, ok := Inspect(e.World, SceneOf(e), ent)
	if !ok {
		sel.Entity, marks.Selected = donburi.Null, donburi.Null
		return
	}
	sel.Info = &info
	refreshCone(e)
	keepClearOfInspector(e, ent)
	o := Opts(e)
	if o.Fetch != nil && info.CID.Defined() && KindsOf(e.World).Row(info.Kind).Payload {
		sel.Info.PayloadPending = true
		ctx, cancel := context.WithTimeout(context.Background(), o.FetchTimeout)
		io.fetchStop = cancel
		seq, fetch, c, done := io.fetchSeq, o.Fetch, info.CID, io.fetchDone
		go func() {
			defer cancel()
			data, err := fetch(ctx, c)
			r := fetchResult{seq: seq, data: data, err: err}
			if err == nil {
				r.format, r.text = FormatPayload(data)
			}
			// UpdateInspector drains the channel every tick and keeps only the result of the
			// latest selection; give up if the window has stopped ticking.
			select {
			case done <- r:
			case <-time.After(time.Second):
			}
		}()
	}
	startProof(e, sel.Info)
}

// keepClearOfInspector pans the camera, when it is not fitting by itself, so that the
// selected node does not sit under the inspector panel that its selection opens.
func keepClearOfInspector(e *ecs.ECS, ent donburi.Entity) {
	scene := SceneOf(e)
	cam := GetOrCreateCamera(e)
	idx := scene.Index(ent)
	if idx < 0 || cam.AutoFit {
		return
	}
	n := &scene.Nodes[idx]
	sx, _ := cam.WorldToScreen(n.X, n.Y)
	edge := InspectorRect(e).MinX - fitMargin
	if sx > edge {
		cam.Pan(edge-sx, 0)
	}
}

// refreshCone walks the selection's cone again and highlights it.
func refreshCone(e *ecs.ECS) {
	st := getSceneState(e)
	idx := st.Scene.Index(GetOrCreateSelection(e).Entity)
	if idx < 0 {
		st.Marks.ClearHighlighted()
		return
	}
	st.Marks.SetHighlighted(st.Cone.Walk(st.Scene, idx))
	GetOrCreateSelection(e).ConeAge = 0
}

// ScrollInspector scrolls the inspector by lines rows (negative: up).
func ScrollInspector(e *ecs.ECS, lines int) {
	sel := GetOrCreateSelection(e)
	if sel.Info == nil {
		return
	}
	sel.Scroll = max(sel.Scroll+lines, 0)
}

func copySelected(e *ecs.ECS) {
	info := GetOrCreateSelection(e).Info
	if info == nil || !info.CID.Defined() {
		Toast(e, "select a node first")
		return
	}
	o := Opts(e)
	s, copyFn, done, log := info.CID.String(), o.Copy, getInspectorIO(e).copyDone, o.Logger
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		msg := "CID copied"
		if err := copyFn(ctx, s); err != nil {
			log.Warn("copy to clipboard failed; the CID is in this log", "cid", s, "err", err)
			msg = "no clipboard: CID written to the log"
		}
		select {
		case done <- msg:
		default:
		}
	}()
}

// UpdateInspector is the inspector system: it takes the payload of the latest selection
// when its fetch returns, reports clipboard copies, and every coneEvery ticks walks the
// selection's cone and reads its node again (both grow live).
func UpdateInspector(e *ecs.ECS) {
	io := getInspectorIO(e)
	sel := GetOrCreateSelection(e)
	for drained := false; !drained; {
		select {
		case r := <-io.fetchDone:
			if sel.Info != nil && r.seq == io.fetchSeq {
				sel.Info.PayloadPending = false
				sel.Info.PayloadErr, sel.Info.PayloadFormat, sel.Info.Payload = r.err, r.format, r.text
			}
		case r := <-io.proofDone:
			if sel.Info != nil && r.seq == io.fetchSeq {
				sel.Info.LogPending, sel.Info.Log, sel.Info.LogErr = false, r.text, r.err
			}
		default:
			drained = true
		}
	}
	select {
	case msg := <-io.copyDone:
		Toast(e, msg)
	default:
	}
	if sel.Entity == donburi.Null {
		return
	}
	sel.ConeAge++
	if sel.ConeAge >= coneEvery {
		refreshCone(e)
		if sel.Info != nil {
			if info, ok := Inspect(e.World, SceneOf(e), sel.Entity); ok {
				info.PayloadPending, info.PayloadErr = sel.Info.PayloadPending, sel.Info.PayloadErr
				info.PayloadFormat, info.Payload = sel.Info.PayloadFormat, sel.Info.Payload
				info.Log, info.LogErr, info.LogPending = sel.Info.Log, sel.Info.LogErr, sel.Info.LogPending
				*sel.Info = info
			}
		}
	}
}
