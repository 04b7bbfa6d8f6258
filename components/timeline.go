package components

import (
	"time"

	"github.com/yohamta/donburi"
)

// TimelineSpeeds returns the playback speeds the timeline steps through (the , and . keys),
// in multiples of real event time, slowest first.
func TimelineSpeeds() []float64 { return []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000} }

// The playback speed's bounds (--replay SPEED).
const (
	MinTimelineSpeed = 1.0
	MaxTimelineSpeed = 1000.0
)

// TimelineData is the timeline bar's model, a singleton: the range of stream sequences the
// window holds, the sequence the picture is shown as of, and the playback clock. The timeline
// system fills and moves it; the drawing code only reads it.
type TimelineData struct {
	// AsOf is the stream sequence the picture is shown as of (later events, and objects
	// made after the newest event shown, are hidden); 0 shows everything (live).
	AsOf uint64
	// AsOfTime is the newest event time among the events shown as of AsOf (Unix ns, 0:
	// unknown): objects stamped later are hidden, as `view --until` does.
	AsOfTime int64

	// Playing moves AsOf forward through the held events at Speed times their real event
	// time; Cursor is the playback clock (an event time, Unix ns) and Tick the wall time it
	// was last moved.
	Playing bool
	Speed   float64
	Cursor  int64
	Tick    time.Time
	// Loop starts the playback again at the oldest held event when it reaches the newest
	// (--replay SPEED --loop); without it the playback ends live.
	Loop bool
	// EndedAt is when the playback reached the end, for the pause before a loop restarts.
	EndedAt time.Time

	// Dragging is true while the left button, pressed on the bar, is held.
	Dragging bool

	// The range the window holds: the lowest and highest stream sequence of its events and
	// rejected messages, their times, and how many there are.
	First, Last         uint64
	FirstTime, LastTime int64
	Held                int
}

// Live reports whether the picture shows everything the window holds.
func (t *TimelineData) Live() bool { return t.AsOf == 0 }

// Timeline is the component type of the TimelineData singleton.
var Timeline = donburi.NewComponentType[TimelineData]()
