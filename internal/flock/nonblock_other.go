//go:build !unix

package flock

const nonblock = 0
