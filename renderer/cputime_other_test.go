//go:build !unix

package renderer

// cpuTime is not measured on this platform.
func cpuTime() int64 { return -1 }
