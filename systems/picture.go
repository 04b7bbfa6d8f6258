package systems

import (
	"github.com/yohamta/donburi/ecs"

	"github.com/jetdag/jetdag/components"
)

// PictureUse is what the drawing code does with its settled-picture cache this frame.
type PictureUse uint8

// The uses of the picture cache.
const (
	PictureDraw  PictureUse = iota // the picture changed: draw the graph on the screen
	PictureStore                   // unchanged for two frames: draw it into the cache, show that
	PictureReuse                   // the cache holds this picture: copy it
)

// UsePicture is the picture cache's decision for this frame: when the scene, the camera
// and the colour mode have not changed for two frames the drawing code keeps the picture in
// an offscreen image and copies it instead of drawing tens of thousands of triangles.
// Call StoredPicture once the image holds the picture.
func UsePicture(e *ecs.ECS) PictureUse {
	p := GetOrCreatePicture(e)
	key := components.PictureKey{Signature: SceneOf(e).Signature, Camera: GetOrCreateCamera(e).Viewport, Mode: GetOrCreateSettings(e).ColorMode}
	switch {
	case key == p.Key && p.Valid:
		return PictureReuse
	case key == p.Key && p.Still >= 1:
		return PictureStore
	case key == p.Key:
		p.Still++
	default:
		p.Key, p.Still, p.Valid = key, 0, false
	}
	return PictureDraw
}

// StoredPicture records that the cache now holds the picture of the current key.
func StoredPicture(e *ecs.ECS) { GetOrCreatePicture(e).Valid = true }
