//go:build !unix

package autosave

import (
	"fmt"
	"os"
)

// lockDir creates dir/lock exclusively; a stale lock from a crashed process
// must be removed by hand on these platforms, which Status reports.
func lockDir(root *os.Root) (func(), error) {
	f, err := root.OpenFile("lock", os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if os.IsExist(err) {
			return nil, ErrBusy
		}
		return nil, fmt.Errorf("failed to create the autosave lock: %w", err)
	}
	f.Close()
	return func() { _ = root.Remove("lock") }, nil // best effort
}
