//go:build unix

package hostile

import (
	"syscall"
	"time"
)

// cpuTime returns the process's user plus system CPU time, or -1.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
