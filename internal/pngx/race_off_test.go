//go:build !race

package pngx

const raceEnabled = false
