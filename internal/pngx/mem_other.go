//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package pngx

const mmapSupported = false

func mapAnon(n int) ([]byte, error) { return make([]byte, n), nil }

func unmap([]byte) {}
