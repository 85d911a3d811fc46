package storage

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/flock"
)

// Files with render names that no Store published survive every read, removal and sweep: a text
// file, a valid PNG (expired by its name's time), and a file put in place of one of our renders.
func TestForeignRenderNamedFilesSurvive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "renders")
	s, clock := openStore(t, Options{Dir: dir, TTL: time.Minute, MaxFiles: 1, MaxBytes: 100})
	ts := strconv.FormatInt(t0.Add(-time.Hour).Unix(), 10)
	text := "render_" + ts + "_abcd1234_0123456789abcdef"
	png := "render_" + ts + "_abcd1234_fedcba9876543210"
	require.NoError(t, os.WriteFile(filepath.Join(dir, text+".png"), []byte("my notes, not a render"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, png+".png"), makePNG(t, 1, 1, "", 0), 0o600))

	// One of ours, then replaced by someone else's file under the same name.
	ours := publish(t, s, makePNG(t, 1, 1, "", 0), "")
	require.NoError(t, os.Remove(ours.Path))
	require.NoError(t, os.WriteFile(ours.Path, makePNG(t, 1, 1, "", 0), 0o600))
	before := snapshotDir(t, dir)

	for _, id := range []string{text, png, ours.ID} {
		_, err := s.Get(id)
		assert.ErrorIs(t, err, ErrNotFound, id)
		_, err = s.ResolvePath(filepath.Join(dir, id+".png"))
		assert.ErrorIs(t, err, ErrNotFound, id)
		_, _, err = s.Open(id)
		assert.ErrorIs(t, err, ErrNotFound, id)
		_, err = s.Remove(id)
		assert.ErrorIs(t, err, ErrNotFound, id)
	}
	clock.Advance(24 * time.Hour)
	for range 3 {
		_, _, err := s.GC()
		require.NoError(t, err)
	}
	assert.Empty(t, s.List())
	assert.Equal(t, before, snapshotDir(t, dir), "no foreign file was removed or changed")

	// A fresh Store on the directory (a restart) knows no more than the manifest says.
	s2, err := Open(Options{Dir: dir, Now: clock.Now, CleanupInterval: -1, MaxFiles: 1, MaxBytes: 100})
	require.NoError(t, err)
	defer s2.Close()
	assert.Empty(t, s2.List())
	assert.Zero(t, s2.Stats().BytesFreed)
	assert.Equal(t, before, snapshotDir(t, dir))
}

// snapshotDir maps each render-named file to its bytes.
func snapshotDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, n := range names(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, n))
		require.NoError(t, err)
		out[n] = string(b)
	}
	return out
}

// The manifest, not the name, says what is ours: after a restart the renders it lists are
// adopted and expire; without it nothing is.
func TestManifestSurvivesRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "renders")
	s1, clock := openStore(t, Options{Dir: dir, TTL: time.Hour})
	a := publish(t, s1, makePNG(t, 2, 2, "a", 0), "a")
	b := publish(t, s1, makePNG(t, 3, 3, "b", 0), "b")
	require.NoError(t, s1.Close())

	s2, err := Open(Options{Dir: dir, TTL: time.Hour, Now: clock.Now, CleanupInterval: -1})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{a.ID, b.ID}, ids(s2.List()))
	require.NoError(t, s2.Close())

	// The same files without the manifest are not known to be ours: left alone, even expired.
	require.NoError(t, os.Remove(filepath.Join(dir, manifestName)))
	clock.Advance(2 * time.Hour)
	s3, err := Open(Options{Dir: dir, TTL: time.Hour, Now: clock.Now, CleanupInterval: -1})
	require.NoError(t, err)
	defer s3.Close()
	assert.Empty(t, s3.List())
	assert.FileExists(t, a.Path)
	assert.FileExists(t, b.Path)
}

// Sweeps keep the manifest to the renders that exist (and recent lines).
func TestManifestCompaction(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "renders")
	s, clock := openStore(t, Options{Dir: dir, MaxFiles: 2})
	for range 40 {
		publish(t, s, makePNG(t, 1, 1, "", 0), "")
	}
	_, lines, err := s.readManifest()
	require.NoError(t, err)
	assert.Equal(t, 40, lines)
	clock.Advance(manifestKeepRecent + time.Second)
	kept := publish(t, s, makePNG(t, 1, 1, "", 0), "")
	_, _, err = s.GC()
	require.NoError(t, err)
	recs, lines, err := s.readManifest()
	require.NoError(t, err)
	assert.Equal(t, 2, lines, "only the two renders on disk are left")
	assert.Contains(t, recs, kept.ID)
}

// TestHelperPendingRender is not a test: run by TestDeadWritersTempRemovedAtOnce in a child
// process, it starts a render in the directory, says so and waits to be killed.
func TestHelperPendingRender(t *testing.T) {
	dir := os.Getenv("GOXEL_STORAGE_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	s, err := Open(Options{Dir: dir, CleanupInterval: -1})
	require.NoError(t, err)
	p, err := s.Create()
	require.NoError(t, err)
	_, err = p.Write(makePNG(t, 4, 4, "", 0)[:20])
	require.NoError(t, err)
	os.Stdout.WriteString(p.name + "\n")
	time.Sleep(time.Minute)
}

// Two processes: a live writer's temp file survives another process's sweep, however old it
// looks; once the writer is killed with SIGKILL, the next sweep removes it at once.
func TestDeadWritersTempRemovedAtOnce(t *testing.T) {
	if !flock.Supported {
		t.Skip("no advisory locks here: temp files go by age")
	}
	dir := filepath.Join(t.TempDir(), "renders")
	s, _ := openStore(t, Options{Dir: dir})
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperPendingRender$")
	cmd.Env = append(os.Environ(), "GOXEL_STORAGE_HELPER_DIR="+dir)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	temp := strings.TrimSpace(line)
	require.True(t, isTempName(temp), temp)
	old := time.Now().Add(-24 * time.Hour)
	require.NoError(t, os.Chtimes(filepath.Join(dir, temp), old, old))

	_, _, err = s.GC()
	require.NoError(t, err)
	assert.FileExists(t, filepath.Join(dir, temp), "the other process is still writing it")

	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait() // killed: the error is the signal
	removed, _, err := s.GC()
	require.NoError(t, err)
	assert.Equal(t, 1, removed)
	assert.NoFileExists(t, filepath.Join(dir, temp))
}

// A manifest with garbage, a line cut short by a crash and a later line for the same id reads as
// the whole valid lines, later ones winning.
func TestParseManifest(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	id := "render_1700000000_abcd1234_00ff"
	text := "garbage\n" +
		id + " 10 5 99 " + sum + "\n" +
		"render_bad 1 1 1 " + sum + "\n" +
		id + " 12 6 100 " + sum + "\n" +
		"render_1700000001_abcd1234_00ff 1 2 3 " + sum[:10] + "\n" +
		"render_1700000002_abcd1234_00ff 1 2 3 " + sum // no newline: cut short
	recs, lines, err := parseManifest(strings.NewReader(text))
	require.NoError(t, err)
	assert.Equal(t, 5, lines)
	assert.Equal(t, map[string]owned{id: {size: 12, ino: 6, mtime: 100, sum: "sha256:" + sum}}, recs)
	got, o, ok := parseManifestLine(manifestLine(id, recs[id]))
	assert.True(t, ok)
	assert.Equal(t, id, got)
	assert.Equal(t, recs[id], o)
}
