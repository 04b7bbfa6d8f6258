package assets

import (
	"image"
	"image/color"

	"github.com/hajimehoshi/ebiten/v2"
)

// White is the source image of every solid-colour DrawTriangles call: a 3×3 white image of
// which only the centre pixel is sampled, so that no filtering reaches a transparent edge.
// Vertices take their colour from their ColorR/G/B/A and their SrcX/SrcY from SrcX, SrcY.
type White struct {
	Image      *ebiten.Image // the 1×1 sub-image to pass to DrawTriangles
	SrcX, SrcY float32       // the texel centre to put in every vertex
}

// NewWhite allocates the white source image. Ebiten images may be created before the game
// runs; the pixels reach the GPU on the first frame.
func NewWhite() White {
	img := ebiten.NewImage(3, 3)
	img.Fill(color.White)
	sub := img.SubImage(image.Rect(1, 1, 2, 2)).(*ebiten.Image)
	return White{Image: sub, SrcX: 1.5, SrcY: 1.5}
}
