package roots

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/goxel-mcp/goxel-mcp/internal/flock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// files lists every file below dir, for "nothing was written" checks.
func files(t *testing.T, dir string) []string {
	var out []string
	require.NoError(t, filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			out = append(out, p)
		}
		return err
	}))
	return out
}

func TestPathAttacks(t *testing.T) {
	base := t.TempDir()
	allowed := filepath.Join(base, "allowed")
	outside := filepath.Join(base, "outside")
	require.NoError(t, os.MkdirAll(filepath.Join(allowed, "sub"), 0o755))
	require.NoError(t, os.MkdirAll(outside, 0o755))
	require.NoError(t, os.Symlink(outside, filepath.Join(allowed, "escape")))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "victim.txt"), []byte("keep"), 0o644))
	require.NoError(t, os.Symlink(filepath.Join(outside, "victim.txt"), filepath.Join(allowed, "planted.png")))
	r, err := New(allowed)
	require.NoError(t, err)

	attacks := map[string]string{
		"dotdot":           filepath.Join(allowed, "..", "outside", "x.png"),
		"dotdot relative":  "../../../../../../../../tmp/x.png",
		"absolute outside": filepath.Join(outside, "x.png"),
		"symlinked dir":    filepath.Join(allowed, "escape", "x.png"),
		"symlink target":   filepath.Join(allowed, "planted.png"),
		"nul byte":         filepath.Join(allowed, "a\x00b.png"),
		"very long name":   filepath.Join(allowed, strings.Repeat("a", 300)+".png"),
		"very long path":   filepath.Join(allowed, strings.Repeat("a/", 3000)+"x.png"),
		"etc":              "/etc/passwd",
		"directory itself": allowed,
	}
	for name, path := range attacks {
		t.Run(name, func(t *testing.T) {
			_, err := r.WriteFile(path, 0o600, func(w io.Writer) error { _, err := w.Write([]byte("x")); return err })
			assert.Error(t, err)
		})
	}
	assert.Equal(t, []string{filepath.Join(outside, "victim.txt")}, files(t, outside), "nothing written outside")
	b, _ := os.ReadFile(filepath.Join(outside, "victim.txt"))
	assert.Equal(t, "keep", string(b))
	assert.Empty(t, files(t, filepath.Join(allowed, "sub")))
}

func TestWriteFileIsAtomicAndPrivate(t *testing.T) {
	dir := t.TempDir()
	r, err := New(dir)
	require.NoError(t, err)
	target := filepath.Join(dir, "sub", "model.gox")
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	_, err = r.WriteFile(target, 0o600, func(w io.Writer) error { _, err := io.WriteString(w, "v1"); return err })
	require.NoError(t, err)
	fi, err := os.Stat(target)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	// a failing writer leaves the old version and no temp file
	_, err = r.WriteFile(target, 0o600, func(w io.Writer) error {
		_, _ = io.WriteString(w, "partial")
		return io.ErrUnexpectedEOF
	})
	require.Error(t, err)
	b, _ := os.ReadFile(target)
	assert.Equal(t, "v1", string(b))
	assert.Equal(t, []string{target}, files(t, dir))
}

func TestResolveInside(t *testing.T) {
	dir := t.TempDir()
	r, err := New(dir)
	require.NoError(t, err)
	real, _ := filepath.EvalSymlinks(dir)
	got, err := r.Resolve(filepath.Join(dir, "a", "..", "b.vox"))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(real, "b.vox"), got)
	_, err = r.Open(filepath.Join(dir, "missing.vox"))
	assert.Error(t, err)
}

func TestOpenRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	r, err := New(dir)
	require.NoError(t, err)
	fifo := filepath.Join(dir, "pipe.vox")
	if err := mkfifo(fifo); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		f, err := r.Open(fifo)
		if f != nil {
			f.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		assert.ErrorContains(t, err, "not a regular file")
	case <-time.After(5 * time.Second):
		t.Fatal("opening a FIFO blocked")
	}
}

func TestStaleTempFilesAreSwept(t *testing.T) {
	dir := t.TempDir()
	r, err := New(dir)
	require.NoError(t, err)
	stale := filepath.Join(dir, ".tmp-0123456789abcdef-model.gox")
	dead := filepath.Join(dir, ".tmp-1123456789abcdef-model.gox")
	live := ".tmp-fedcba9876543210-model.gox"
	other := filepath.Join(dir, ".tmp-0123456789abcdef-other.gox")
	for _, p := range []string{stale, dead, other} {
		require.NoError(t, os.WriteFile(p, []byte("partial"), 0o600))
	}
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(stale, old, old))
	require.NoError(t, os.Chtimes(other, old, old))
	// A writer still at work holds the lock on its temp file.
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	defer root.Close()
	w, err := flock.CreateTemp(root, live, 0o600)
	require.NoError(t, err)
	defer w.Close()
	require.NoError(t, os.Chtimes(filepath.Join(dir, live), old, old))

	_, err = r.WriteFile(filepath.Join(dir, "model.gox"), 0o644, func(w io.Writer) error { _, err := w.Write([]byte("x")); return err })
	require.NoError(t, err)
	assert.NoFileExists(t, stale, "an old leftover of the same name goes")
	if flock.Supported {
		assert.NoFileExists(t, dead, "an unlocked leftover goes at once: its writer is gone")
		assert.FileExists(t, filepath.Join(dir, live), "a live writer's temp file stays, however old")
	} else {
		assert.FileExists(t, dead, "without locks a fresh leftover may be another writer's")
	}
	assert.FileExists(t, other, "another file's leftovers are left to its own writes")
}

func TestRefusalListsAllowedDirs(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	r, err := New(a, b)
	require.NoError(t, err)
	_, err = r.Resolve("/etc/passwd")
	require.ErrorIs(t, err, ErrOutside)
	for _, d := range r.Dirs() {
		assert.Contains(t, err.Error(), d)
	}
	assert.Contains(t, err.Error(), "GOXEL_ALLOW_DIRS")
	assert.Contains(t, err.Error(), "--allow-dir")

	empty, err := New()
	require.NoError(t, err)
	_, err = empty.Open("x.vox")
	require.ErrorIs(t, err, ErrOutside)
	assert.Contains(t, err.Error(), "no directory is allowed")
}

func TestBroad(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home)
	sub := filepath.Join(home, "projects")
	require.NoError(t, os.Mkdir(sub, 0o755))
	link := filepath.Join(t.TempDir(), "home-link")
	require.NoError(t, os.Symlink(home, link))
	root := string(filepath.Separator)
	if v := filepath.VolumeName(home); v != "" {
		root = v + root
	}
	assert.NotEmpty(t, Broad(root), "a file-system root")
	assert.NotEmpty(t, Broad(home), "the home directory")
	assert.NotEmpty(t, Broad(link), "the home directory through a symlink")
	assert.NotEmpty(t, Broad(filepath.Dir(home)), "a directory above home")
	assert.Empty(t, Broad(sub), "a project directory under home is fine")
	assert.Empty(t, Broad(t.TempDir()), "an unrelated directory is fine")
}

func TestIsVolumeRoot(t *testing.T) {
	assert.True(t, isVolumeRoot("/", "linux"))
	assert.True(t, isVolumeRoot("/Volumes/USB", "darwin"))
	assert.False(t, isVolumeRoot("/Volumes/USB/models", "darwin"))
	assert.False(t, isVolumeRoot("/Volumes/USB", "linux"), "only macOS mounts volumes there")
	assert.False(t, isVolumeRoot("/data", "linux"), "a container's volume mount is an ordinary directory")
}

// A directory on the path is swapped for a symlink to outside while files
// are opened through it: no open may ever read the outside file.
func TestOpenSymlinkSwapRace(t *testing.T) {
	base := t.TempDir()
	allowed := filepath.Join(base, "allowed")
	outside := filepath.Join(base, "outside")
	dir := filepath.Join(allowed, "d")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.MkdirAll(outside, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "model.txt"), []byte("inside"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "model.txt"), []byte("OUTSIDE"), 0o644))
	r, err := New(allowed)
	require.NoError(t, err)

	stop := make(chan struct{})
	swapped := make(chan int)
	go func() {
		n := 0
		defer func() { swapped <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if os.Rename(dir, dir+".real") != nil || os.Symlink(outside, dir) != nil {
				continue
			}
			runtime.Gosched()
			_ = os.Remove(dir)
			_ = os.Rename(dir+".real", dir)
			n++
			runtime.Gosched()
		}
	}()
	var inside, refused, escaped int
	for range 1000 {
		f, err := r.Open(filepath.Join(dir, "model.txt"))
		if err != nil {
			refused++
			continue
		}
		b, _ := io.ReadAll(f)
		f.Close()
		if string(b) == "OUTSIDE" {
			escaped++
		} else {
			inside++
		}
	}
	close(stop)
	swaps := <-swapped
	t.Logf("1000 opens during %d swaps: %d read inside, %d refused, %d read outside", swaps, inside, refused, escaped)
	assert.Zero(t, escaped, "an open read the file outside the allowed directory")
	assert.Positive(t, swaps, "the swapper must have run")
}

// A regular file is swapped for a FIFO while it is opened: every open
// returns promptly (the FIFO refused), none blocks.
func TestOpenFIFOSwapRace(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "model.vox")
	if err := mkfifo(filepath.Join(dir, "probe")); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	require.NoError(t, os.WriteFile(target, []byte("data"), 0o644))
	r, err := New(dir)
	require.NoError(t, err)
	stop := make(chan struct{})
	swapped := make(chan int)
	go func() {
		n := 0
		defer func() { swapped <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if mkfifo(target+".fifo") != nil || os.Rename(target+".fifo", target) != nil {
				continue
			}
			runtime.Gosched()
			_ = os.WriteFile(target+".new", []byte("data"), 0o644)
			_ = os.Rename(target+".new", target)
			n++
			runtime.Gosched()
		}
	}()
	done := make(chan [2]int)
	go func() {
		var ok, refused int
		for range 1000 {
			f, err := r.Open(target)
			if err != nil {
				refused++
				continue
			}
			ok++
			f.Close()
		}
		done <- [2]int{ok, refused}
	}()
	select {
	case n := <-done:
		close(stop)
		t.Logf("1000 opens during %d swaps: %d opened the file, %d refused", <-swapped, n[0], n[1])
	case <-time.After(30 * time.Second):
		close(stop)
		// Unblock the stuck open so the test binary can exit.
		if w, err := os.OpenFile(target, os.O_WRONLY|nonblock, 0); err == nil {
			w.Close()
		}
		t.Fatal("an open blocked on a FIFO")
	}
}
