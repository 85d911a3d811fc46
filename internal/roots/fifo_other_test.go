//go:build !unix

package roots

import "errors"

func mkfifo(string) error { return errors.New("no FIFOs here") }
