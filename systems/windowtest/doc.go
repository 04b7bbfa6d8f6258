// Package windowtest holds the visualizer's tests that need a real window: rendering read
// back with ReadPixels, the game loop of package render, screenshots and frame-rate benchmarks.
// Ebiten runs its loop on the main goroutine and once per process, so its TestMain runs the
// loop and the tests hand it frames to draw; keeping these tests in a package of their own
// keeps that TestMain away from the window-less tests of systems and ecs (which need no display
// at all). Run it under
// Xvfb: xvfb-run -a -s "-screen 0 1280x1024x24" go test ./systems/windowtest/. Without a
// display it skips.
package windowtest
