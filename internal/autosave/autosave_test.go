package autosave

import (
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

func dump(s *voxel.Scene) map[int]map[voxel.Pos]color.NRGBA {
	out := map[int]map[voxel.Pos]color.NRGBA{}
	for _, l := range s.Layers() {
		m := map[voxel.Pos]color.NRGBA{}
		s.Each(l.ID, func(p voxel.Pos, c color.NRGBA) bool { m[p] = c; return true })
		out[l.ID] = m
	}
	return out
}

func TestSaveAndLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	sv, err := Open(dir, nil)
	require.NoError(t, err)
	s := voxel.New()
	require.NoError(t, voxel.Shape{Kind: voxel.ShapeSphere, Radii: [3]int{9, 9, 9}}.Each(func(p voxel.Pos) bool {
		s.Set(1, p, color.NRGBA{uint8(p.X * 10), 100, 200, 255})
		return true
	}))
	hat := s.AddLayer("hat")
	s.Set(hat, voxel.Pos{X: -40, Y: 3, Z: 50}, color.NRGBA{1, 2, 3, 128})
	require.NoError(t, s.SetVisible(hat, false))
	require.NoError(t, s.SelectLayer(1))
	require.NoError(t, sv.Save(s.Freeze(), Meta{ProjectPath: "/x/castle.gox", Dirty: true, Current: 1}))
	first := len(sv.onDisk)

	// a second save after a small edit writes one new block into a new pack
	s.Set(1, voxel.Pos{}, color.NRGBA{255, 255, 255, 255})
	require.NoError(t, sv.Save(s.Freeze(), Meta{Current: 1, Dirty: true, ProjectPath: "/x/castle.gox"}))
	assert.Equal(t, first, len(sv.onDisk))
	files, _ := os.ReadDir(filepath.Join(dir, packsDir))
	assert.Len(t, files, 2)
	require.NoError(t, sv.Close())

	sv2, err := Open(dir, nil)
	require.NoError(t, err)
	defer sv2.Close()
	got, meta, ok, err := sv2.Load()
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, dump(s), dump(got))
	assert.Equal(t, "/x/castle.gox", meta.ProjectPath)
	assert.True(t, meta.Dirty)
	assert.Equal(t, s.Layers(), got.Layers())
	assert.Equal(t, 1, got.Current())
	assert.Equal(t, 0, got.UndoSteps())
	assert.Equal(t, hat+1, got.AddLayer("new"), "ids continue after the restored ones")

	fi, err := os.Stat(filepath.Join(dir, manifestName))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	di, _ := os.Stat(dir)
	assert.Equal(t, os.FileMode(0o700), di.Mode().Perm())
}

func TestNoAutosaveYet(t *testing.T) {
	sv, err := Open(t.TempDir(), nil)
	require.NoError(t, err)
	defer sv.Close()
	_, _, ok, err := sv.Load()
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestOneProcessPerDirectory(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir, nil)
	require.NoError(t, err)
	_, err = Open(dir, nil)
	assert.ErrorIs(t, err, ErrBusy)
	require.NoError(t, a.Close())
	b, err := Open(dir, nil)
	require.NoError(t, err)
	require.NoError(t, b.Close())
}

func TestDamagedAutosaveIsReported(t *testing.T) {
	dir := t.TempDir()
	sv, err := Open(dir, nil)
	require.NoError(t, err)
	defer sv.Close()
	s := voxel.New()
	s.Set(1, voxel.Pos{}, color.NRGBA{9, 9, 9, 255})
	require.NoError(t, sv.Save(s.Freeze(), Meta{Current: 1}))
	files, _ := os.ReadDir(filepath.Join(dir, packsDir))
	require.Len(t, files, 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, packsDir, files[0].Name()), []byte("garbage that is not deflate at all"), 0o600))
	_, _, _, err = sv.Load()
	assert.ErrorContains(t, err, "damaged block")
}

// Packs that are mostly dead are rewritten; unused ones removed; an
// interrupted save's pack is removed at the next start.
func TestPacksStaySmall(t *testing.T) {
	dir := t.TempDir()
	sv, err := Open(dir, nil)
	require.NoError(t, err)
	s := voxel.New()
	for i := range 40 {
		s.Set(1, voxel.Pos{X: i * 16}, color.NRGBA{uint8(i), 1, 1, 255})
		require.NoError(t, sv.Save(s.Freeze(), Meta{Current: 1}))
	}
	// every save touched one block: 40 packs, all still live
	files, _ := os.ReadDir(filepath.Join(dir, packsDir))
	assert.Len(t, files, 40)
	// replace every block: old packs die and are removed
	for i := range 40 {
		s.Set(1, voxel.Pos{X: i * 16, Y: 1}, color.NRGBA{uint8(i), 2, 2, 255})
	}
	require.NoError(t, sv.Save(s.Freeze(), Meta{Current: 1}))
	files, _ = os.ReadDir(filepath.Join(dir, packsDir))
	assert.Len(t, files, 1)
	// a stray pack (a save killed before its manifest) goes at the next Open
	require.NoError(t, os.WriteFile(filepath.Join(dir, packsDir, "999"), []byte("partial"), 0o600))
	require.NoError(t, sv.Close())
	sv, err = Open(dir, nil)
	require.NoError(t, err)
	defer sv.Close()
	files, _ = os.ReadDir(filepath.Join(dir, packsDir))
	assert.Len(t, files, 1)
	got, _, ok, err := sv.Load()
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, dump(s), dump(got))
}

func TestMostlyDeadPackIsCompacted(t *testing.T) {
	dir := t.TempDir()
	sv, err := Open(dir, nil)
	require.NoError(t, err)
	defer sv.Close()
	s := voxel.New()
	noise := uint32(1)
	for i := range 20 {
		s.FillBox(1, voxel.Box{Min: voxel.Pos{X: i * 16}, Max: voxel.Pos{X: i*16 + 15, Y: 15, Z: 15}}, color.NRGBA{1, 1, 1, 255})
		for j := range 4096 {
			noise = noise*1664525 + 1013904223
			s.Set(1, voxel.Pos{X: i*16 + j&15, Y: j >> 4 & 15, Z: j >> 8}, color.NRGBA{uint8(noise >> 24), uint8(noise >> 16), uint8(noise >> 8), 255})
		}
	}
	require.NoError(t, sv.Save(s.Freeze(), Meta{Current: 1}))
	for i := range 15 { // three quarters of the blocks change
		s.Set(1, voxel.Pos{X: i * 16}, color.NRGBA{9, 9, 9, 255})
	}
	require.NoError(t, sv.Save(s.Freeze(), Meta{Current: 1}))
	files, _ := os.ReadDir(filepath.Join(dir, packsDir))
	assert.Len(t, files, 1, "the first pack was mostly dead: its live blocks moved to the new pack")
	got, _, _, err := sv.Load()
	require.NoError(t, err)
	assert.Equal(t, dump(s), dump(got))
}
