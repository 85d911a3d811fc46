//go:build !unix

package roots

import "os"

// nonblock is 0 here: these platforms have no FIFOs to block on.
const nonblock = 0

func setBlocking(*os.File) error { return nil }
