package roots

import (
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
)

// Broad reports why dir must never be allowed implicitly (as the working
// directory or as a client root), or "" when it may be: a filesystem or
// volume root ("/", `C:\`, a UNC share) would allow every path on it, and
// the home directory (or a directory above it) would allow every file of
// the user. dir is made absolute and its symlinks resolved first.
func Broad(dir string) string {
	real := dir
	if abs, err := filepath.Abs(dir); err == nil {
		real = abs
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			real = r
		}
	}
	if isVolumeRoot(real, runtime.GOOS) {
		return "it is the root of a file system"
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return ""
	}
	if r, err := filepath.EvalSymlinks(home); err == nil {
		home = r
	}
	switch {
	case samePath(real, home):
		return "it is the home directory"
	case strings.HasPrefix(lower(home), lower(real)+string(filepath.Separator)):
		return "it contains the home directory"
	}
	return ""
}

// isVolumeRoot reports whether dir is the root of a file system: "/", a
// drive (`C:\`) or share (`\\server\share`) root, or on macOS a volume
// mounted under /Volumes. Mount points elsewhere (a container's /data
// volume) are ordinary directories.
func isVolumeRoot(dir, goos string) bool {
	if filepath.Dir(dir) == dir {
		return true
	}
	return goos == "darwin" && path.Dir(filepath.ToSlash(dir)) == "/Volumes"
}

func samePath(a, b string) bool {
	if lower(a) == lower(b) {
		return true
	}
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// lower folds case where the file system usually does (Windows, macOS).
func lower(p string) string {
	if filepath.Separator == '\\' || runtime.GOOS == "darwin" {
		return strings.ToLower(p)
	}
	return p
}
