// Package palette gives the window's aggregates and event types their colours: a table of
// colours spaced apart in the OKLab colour space, none of them close to the colours that mean
// something else in the picture (rejected red, file orange, the highlight cyan), so that more
// than twelve aggregates stay distinguishable and none looks like a rejected message.
//
// It is pure: the window's render code asks it for a key's colour; it knows nothing of the ECS
// world or of Ebiten.
package palette
