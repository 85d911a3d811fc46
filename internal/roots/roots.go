// Package roots keeps every file the server reads or writes for a user
// inside a set of allowed directories. All path-taking tools go through it.
//
// A path is cleaned, made absolute against the working directory, and its
// existing part has its symlinks resolved; the result must lie inside one of
// the roots (themselves resolved). Reads and writes then go through an
// os.Root opened on that allowed directory, so a directory swapped for a
// symlink between the check and the use cannot lead outside it. Reads open
// regular files only, without blocking (a FIFO is refused, not waited on).
// Writes go to a temporary name, locked by its writer, that is synced and
// renamed over the target, so a reader never sees a partial file and a
// symlink planted at the target is refused rather than followed.
//
// Broad names the directories that are never allowed implicitly (as the
// working directory or a client root): a filesystem or volume root, the home
// directory and its ancestors.
package roots

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/goxel-mcp/goxel-mcp/internal/flock"
)

// ErrOutside is returned (wrapped) for a path outside every root.
var ErrOutside = errors.New("path is outside the allowed directories")

// maxPath bounds the length of a path argument.
const maxPath = 4096

// Roots is a set of allowed directories, safe for concurrent use.
type Roots struct {
	mu   sync.RWMutex
	dirs []string
}

// New returns the roots for dirs; each must exist and be a directory.
func New(dirs ...string) (*Roots, error) {
	r := &Roots{}
	for _, d := range dirs {
		if err := r.Add(d); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Add allows one more directory (resolved through its symlinks).
func (r *Roots) Add(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("failed to resolve allowed directory %q: %w", dir, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return fmt.Errorf("allowed directory %q: %w", dir, err)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return fmt.Errorf("allowed directory %q: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("allowed directory %q is not a directory", dir)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range r.dirs {
		if d == real {
			return nil
		}
	}
	r.dirs = append(r.dirs, real)
	return nil
}

// Dirs returns the allowed directories.
func (r *Roots) Dirs() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]string(nil), r.dirs...)
}

func (r *Roots) inside(p string) bool { return r.containing(p) != "" }

// containing returns the allowed directory that holds p, or "".
func (r *Roots) containing(p string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, d := range r.dirs {
		if p == d || strings.HasPrefix(p, d+string(filepath.Separator)) || (d == string(filepath.Separator) && filepath.IsAbs(p)) {
			return d
		}
	}
	return ""
}

// HowToAllow is what a refused path tells the model to pass on to the user.
const HowToAllow = "the user can allow another directory with GOXEL_ALLOW_DIRS or --allow-dir in their host's MCP server configuration"

func (r *Roots) outside(path string) error {
	dirs := r.Dirs()
	if len(dirs) == 0 {
		return fmt.Errorf("%w: %q; no directory is allowed on this server; %s",
			ErrOutside, path, HowToAllow)
	}
	return fmt.Errorf("%w: %q; the allowed directories are %s; use a path inside one of them, or %s",
		ErrOutside, path, strings.Join(dirs, ", "), HowToAllow)
}

func check(path string) error {
	switch {
	case path == "":
		return errors.New("path is empty")
	case strings.IndexByte(path, 0) >= 0:
		return errors.New("path contains a NUL byte")
	case len(path) > maxPath:
		return fmt.Errorf("path is longer than %d bytes", maxPath)
	}
	for _, part := range strings.Split(filepath.ToSlash(path), "/") {
		if len(part) > 255 {
			return errors.New("a path element is longer than 255 bytes")
		}
	}
	return nil
}

// resolve returns the absolute path with the symlinks of its longest
// existing prefix resolved (the rest appended, cleaned).
func resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	rest := ""
	cur := abs
	for {
		real, err := filepath.EvalSymlinks(cur)
		if err == nil {
			return filepath.Join(real, rest), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}

// Resolve checks that path lies inside a root once cleaned and resolved,
// and returns that resolved absolute path.
func (r *Roots) Resolve(path string) (string, error) {
	if err := check(path); err != nil {
		return "", err
	}
	real, err := resolve(path)
	if err != nil {
		return "", fmt.Errorf("failed to resolve %q: %w", path, err)
	}
	if !r.inside(real) {
		return "", r.outside(path)
	}
	return real, nil
}

// Open opens an existing regular file inside the roots for reading. The
// file is opened through the allowed directory that holds it (an os.Root),
// so a symlink swapped in after the check cannot lead outside; it is opened
// non-blocking and must be a regular file, so a FIFO or device is refused at
// once rather than waited on.
func (r *Roots) Open(path string) (*os.File, error) {
	real, err := r.Resolve(path)
	if err != nil {
		return nil, err
	}
	top, rel, err := r.split(real)
	if err != nil {
		return nil, err
	}
	base, err := os.OpenRoot(top)
	if err != nil {
		return nil, fmt.Errorf("failed to open directory %q: %w", top, err)
	}
	defer base.Close() // an open file outlives its root
	f, err := base.OpenFile(rel, os.O_RDONLY|nonblock, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%q does not exist", path)
		}
		return nil, fmt.Errorf("failed to open %q: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("failed to open %q: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%q is not a regular file", path)
	}
	if err := setBlocking(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("failed to open %q: %w", path, err)
	}
	return f, nil
}

// split returns the allowed directory holding real and real relative to it.
func (r *Roots) split(real string) (top, rel string, err error) {
	top = r.containing(real)
	if top == "" {
		return "", "", r.outside(real)
	}
	rel, err = filepath.Rel(top, real)
	if err != nil {
		return "", "", fmt.Errorf("failed to resolve %q: %w", real, err)
	}
	return top, rel, nil
}

// WriteFile writes a new version of the file at path atomically: write
// fills a temporary file in the same directory, which is synced and renamed
// over the target. The parent directory must exist. A symlink or a
// non-regular file at the target is refused. On any error nothing is left.
func (r *Roots) WriteFile(path string, perm os.FileMode, write func(io.Writer) error) (string, error) {
	real, err := r.Resolve(path)
	if err != nil {
		return "", err
	}
	dir, name := filepath.Split(real)
	if name == "" || name == "." || name == ".." {
		return "", fmt.Errorf("%q names a directory, not a file", path)
	}
	// Open the directory through the allowed root it lies in: os.Root refuses
	// any symlink that would lead outside, even one swapped in after Resolve.
	top := r.containing(real)
	if top == "" {
		return "", r.outside(path)
	}
	base, err := os.OpenRoot(top)
	if err != nil {
		return "", fmt.Errorf("failed to open directory %q: %w", top, err)
	}
	defer base.Close()
	root := base
	if rel, err := filepath.Rel(top, filepath.Clean(dir)); err == nil && rel != "." {
		if root, err = base.OpenRoot(rel); err != nil {
			return "", fmt.Errorf("failed to open directory %q: %w", dir, err)
		}
		defer root.Close()
	}
	sweepTemps(root, name)
	if fi, err := root.Lstat(name); err == nil {
		if fi.Mode()&fs.ModeSymlink != 0 {
			return "", fmt.Errorf("refusing to write %q: it is a symbolic link", path)
		}
		if !fi.Mode().IsRegular() {
			return "", fmt.Errorf("refusing to write %q: it is not a regular file", path)
		}
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:]) // crypto/rand never fails on supported platforms
	tmp := ".tmp-" + hex.EncodeToString(rnd[:]) + "-" + truncate(name, 64)
	// The writer holds a lock on its temp file until the rename, so a later
	// write of the same name can tell a dead writer's leftover from a live one.
	f, err := flock.CreateTemp(root, tmp, perm)
	if err != nil {
		return "", fmt.Errorf("failed to create a file in %q: %w", dir, err)
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			_ = root.Remove(tmp) // best effort: the temp file is ours
		}
	}()
	if err := write(f); err != nil {
		return "", err
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("failed to write %q: %w", path, err)
	}
	if flock.Supported {
		// Rename while the lock is held, then close: the data is synced, so
		// a close error could not lose any of it.
		if err := root.Rename(tmp, name); err != nil {
			return "", fmt.Errorf("failed to write %q: %w", path, err)
		}
		ok = true
		_ = f.Close()
		return real, nil
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("failed to write %q: %w", path, err)
	}
	if err := root.Chmod(tmp, perm); err != nil {
		return "", fmt.Errorf("failed to set permissions on %q: %w", path, err)
	}
	if err := root.Rename(tmp, name); err != nil {
		return "", fmt.Errorf("failed to write %q: %w", path, err)
	}
	ok = true
	return real, nil
}

// staleTemp is how old a temporary file of ours must be before a later
// write of the same name removes it where file locks are not available (or
// when its writer died before it could lock it): a write that was killed
// (kill -9, power cut) cannot clean up after itself. Where locks work, a
// leftover whose writer is gone is removed at once.
const staleTemp = 10 * time.Minute

// sweepTemps removes temporary files that earlier, interrupted writes of
// name left in the directory. Only names this package makes are touched,
// and never one a live writer (in any process) still holds locked.
func sweepTemps(root *os.Root, name string) {
	f, err := root.Open(".")
	if err != nil {
		return
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return
	}
	suffix := "-" + truncate(name, 64)
	now := time.Now()
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, ".tmp-") || !strings.HasSuffix(n, suffix) || len(n) != len(".tmp-")+16+len(suffix) {
			continue
		}
		if _, err := hex.DecodeString(n[len(".tmp-") : len(".tmp-")+16]); err != nil {
			continue
		}
		_, _ = flock.RemoveAbandoned(root, n, now, staleTemp) // best effort: a leftover of an interrupted write
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
