package roots

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	fresh := filepath.Join(dir, ".tmp-fedcba9876543210-model.gox")
	other := filepath.Join(dir, ".tmp-0123456789abcdef-other.gox")
	for _, p := range []string{stale, fresh, other} {
		require.NoError(t, os.WriteFile(p, []byte("partial"), 0o600))
	}
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(stale, old, old))
	require.NoError(t, os.Chtimes(other, old, old))
	_, err = r.WriteFile(filepath.Join(dir, "model.gox"), 0o644, func(w io.Writer) error { _, err := w.Write([]byte("x")); return err })
	require.NoError(t, err)
	assert.NoFileExists(t, stale, "an old leftover of the same name goes")
	assert.FileExists(t, fresh, "a fresh one may be another writer's")
	assert.FileExists(t, other, "another file's leftovers are left to its own writes")
}
