//go:build linux || darwin || freebsd || netbsd || openbsd

package pngx

import "syscall"

const mmapSupported = true

// mapAnon maps n bytes of private anonymous memory, zeroed by the kernel.
func mapAnon(n int) ([]byte, error) {
	return syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
}

func unmap(b []byte) { _ = syscall.Munmap(b) } // only fails for a range we did not map
