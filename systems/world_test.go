package systems

import (
	"time"

	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"
)

type fakeClock struct{ t int64 }

func (c *fakeClock) now() time.Time { return time.Unix(0, c.t) }

func (c *fakeClock) advance(d time.Duration) { c.t += int64(d) }

func newECS(w donburi.World) *ecs.ECS { return ecs.NewECS(w) }
