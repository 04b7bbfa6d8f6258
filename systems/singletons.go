package systems

import (
	"context"
	"log/slog"
	"time"

	"github.com/yohamta/donburi"
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
	"github.com/jetdag/jetdag/layout"
)

// getOrCreate returns the singleton of component c in w, creating it (with init's value,
// or the zero value when init is nil) on first use: the GetOrCreateSettings of donburi's
// platformer example, once for every singleton.
func getOrCreate[T any](w donburi.World, c *donburi.ComponentType[T], init func(w donburi.World) T) *T {
	if entry, ok := c.First(w); ok {
		return c.Get(entry)
	}
	entry := w.Entry(w.Create(c))
	if init != nil {
		c.SetValue(entry, init(w))
	}
	return c.Get(entry)
}

// GetOrCreateCamera returns the camera singleton; a new one looks at the origin of the
// options' screen at zoom 1 and fits the graph.
func GetOrCreateCamera(e *ecs.ECS) *components.CameraData {
	return getOrCreate(e.World, components.Camera, func(w donburi.World) components.CameraData {
		o := Opts(e)
		return components.CameraData{Viewport: components.NewViewport(o.Width, o.Height), AutoFit: true, Follow: o.Kiosk}
	})
}

// GetOrCreateSelection returns the selection singleton.
func GetOrCreateSelection(e *ecs.ECS) *components.SelectionData {
	return getOrCreate(e.World, components.Selection, func(donburi.World) components.SelectionData {
		return components.SelectionData{Entity: donburi.Null}
	})
}

// GetOrCreateSearch returns the search prompt singleton.
func GetOrCreateSearch(e *ecs.ECS) *components.SearchData {
	return getOrCreate(e.World, components.Search, nil)
}

// GetOrCreateFilter returns the filter singleton.
func GetOrCreateFilter(e *ecs.ECS) *components.FilterData {
	return getOrCreate(e.World, components.Filter, nil)
}

// GetOrCreateToast returns the toast singleton.
func GetOrCreateToast(e *ecs.ECS) *components.ToastData {
	return getOrCreate(e.World, components.Toast, nil)
}

// GetOrCreatePicture returns the picture cache's singleton.
func GetOrCreatePicture(e *ecs.ECS) *components.PictureData {
	return getOrCreate(e.World, components.Picture, nil)
}

// GetOrCreatePointer returns the pointer singleton.
func GetOrCreatePointer(e *ecs.ECS) *components.PointerData {
	return getOrCreate(e.World, components.Pointer, func(donburi.World) components.PointerData {
		return components.PointerData{Hovered: donburi.Null, LastClickOn: donburi.Null, LastInput: Opts(e).Now()}
	})
}

// GetOrCreateInput returns the input singleton the drawing code fills each tick.
func GetOrCreateInput(e *ecs.ECS) *components.InputData {
	return getOrCreate(e.World, components.Input, nil)
}

// GetOrCreateSettings returns the settings singleton.
func GetOrCreateSettings(e *ecs.ECS) *components.SettingsData {
	return getOrCreate(e.World, components.Settings, func(donburi.World) components.SettingsData {
		o := Opts(e)
		return components.SettingsData{ColorMode: o.ColorBy, Layout: o.Layout, Kiosk: o.Kiosk, KioskIdle: o.KioskIdle, CharWidth: defaultCharWidth, LineHeight: defaultLineHeight}
	})
}

// GetOrCreateHUD returns the HUD singleton.
func GetOrCreateHUD(e *ecs.ECS) *components.HUDData {
	return getOrCreate(e.World, components.HUD, func(donburi.World) components.HUDData {
		return components.HUDData{TooltipFor: donburi.Null}
	})
}

// Options configure the window's systems. The zero value is a usable windowed view.
type Options struct {
	// Kiosk keeps the camera fitting and following by itself: it resumes both after
	// KioskIdle without input.
	Kiosk     bool
	KioskIdle time.Duration // default 20 s
	ColorBy   components.ColorMode
	Layout    components.LayoutMode // the first layout (--layout)
	// Until, when not 0, is the --until sequence: the status bar says the picture is as of it.
	Until uint64
	// Replay, when not 0, plays the held events from the oldest at this speed (1 to 1000
	// times their real event time; --replay SPEED); Loop starts again at the end.
	Replay float64
	Loop   bool
	// ReplayLast, when not 0, starts every playback (and loop) this long before the newest
	// event's time instead of at the oldest held event (--replay-last).
	ReplayLast time.Duration
	// Lanes is the model's lanes layout (nil: none), which the g, x and z keys rearrange and
	// the drawing code labels.
	Lanes *layout.Lanes
	// Fetch, if set, supplies the inspector's payload; FetchTimeout bounds each call
	// (default 5 s).
	Fetch        PayloadFetcher
	FetchTimeout time.Duration
	// Prove, if set, supplies a selected event's leaf and inclusion proof in the
	// transparency log (the inspector's "log" row), off the game goroutine like Fetch.
	Prove ProofFetcher
	// Expand, if set, asks explore mode's source for a node's neighbours (a double-click).
	Expand Expander
	// Copy puts text on the clipboard (the y key); default SystemClipboard.
	Copy func(ctx context.Context, text string) error
	// Width and Height are the first screen size, until the drawing code says otherwise.
	Width, Height int
	Logger        *slog.Logger
	// Now is the clock (tests set it); default time.Now.
	Now func() time.Time
}

// withDefaults fills o's zero fields.
func (o Options) withDefaults() Options {
	if o.Width <= 0 || o.Height <= 0 {
		o.Width, o.Height = 1280, 800
	}
	if o.KioskIdle <= 0 {
		o.KioskIdle = 20 * time.Second
	}
	if o.FetchTimeout <= 0 {
		o.FetchTimeout = 5 * time.Second
	}
	if o.Copy == nil {
		o.Copy = SystemClipboard
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// optionsData is the singleton holding the window's Options.
type optionsData struct{ Options }

var optionsComponent = donburi.NewComponentType[optionsData]()

// removeSingleton removes c's singleton from w, if there is one.
func removeSingleton[T any](w donburi.World, c *donburi.ComponentType[T]) {
	if entry, ok := c.First(w); ok {
		w.Remove(entry.Entity())
	}
}

// Setup stores opts in the world and creates the window's singletons from them, afresh:
// a window that was set up over this world before starts again with nothing selected,
// filtered or searched. Call it before the window's stages run; without it every singleton
// starts from Options{}.
func Setup(e *ecs.ECS, opts Options) {
	w := e.World
	removeSingleton(w, components.Camera)
	removeSingleton(w, components.Selection)
	removeSingleton(w, components.Search)
	removeSingleton(w, components.Filter)
	removeSingleton(w, components.Toast)
	removeSingleton(w, components.Picture)
	removeSingleton(w, components.Pointer)
	removeSingleton(w, components.Input)
	removeSingleton(w, components.Settings)
	removeSingleton(w, components.HUD)
	removeSingleton(w, inspectorIOComponent)
	removeSingleton(w, sceneComponent)
	removeSingleton(w, exploreUIComponent)
	removeSingleton(w, components.Timeline)
	removeSingleton(w, timelineStateComponent)
	o := getOrCreate(w, optionsComponent, nil)
	o.Options = opts.withDefaults()
	GetOrCreateCamera(e)
	GetOrCreateSettings(e)
	GetOrCreatePointer(e)
	GetOrCreateSelection(e)
	GetOrCreateHUD(e)
	getInspectorIO(e)
	getSceneState(e)
	GetOrCreateTimeline(e)
	KindsOf(w) // the world's own tables, unless ecs.NewGraph set its kinds already
	KeysOf(e)
}

// Opts returns the window's options (with defaults filled in).
func Opts(e *ecs.ECS) *Options {
	return &getOrCreate(e.World, optionsComponent, func(donburi.World) optionsData {
		return optionsData{Options{}.withDefaults()}
	}).Options
}

// Toast shows a short message above the status bar for a few seconds.
func Toast(e *ecs.ECS, msg string) {
	t := GetOrCreateToast(e)
	t.Text, t.Until = msg, Opts(e).Now().Add(toastFor)
}
