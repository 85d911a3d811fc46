//go:build unix

package flock

import "syscall"

const nonblock = syscall.O_NONBLOCK
