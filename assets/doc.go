// Package assets holds what the visualizer's window draws with besides vertices: the fonts
// (the Go fonts from golang.org/x/image, compiled into the binary, so the window needs no
// downloads and no files) as ebiten text/v2 faces, and the one small white source image that
// every batched DrawTriangles call samples.
package assets
