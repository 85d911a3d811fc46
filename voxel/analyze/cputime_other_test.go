//go:build !unix

package analyze

// cpuTime is not measured on this platform.
func cpuTime() int64 { return -1 }
