//go:build race

package pngx

// raceEnabled: the race detector changes allocation (sync.Pool drops items at random), so tests do
// not assert allocated bytes under it.
const raceEnabled = true
