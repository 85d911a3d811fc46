package autosave

import (
	"encoding/json"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// writeState writes a state directory by hand: one pack holding one block
// (a voxel at its origin), and a manifest of layers, layer i holding
// blocksPer references to that block at origins along X.
func writeState(t testing.TB, dir string, layers, blocksPer int, origin func(l, b int) voxel.Pos) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, packsDir), 0o700))
	sv := &Saver{}
	var blk voxel.Block
	s := voxel.New()
	s.Set(1, voxel.Pos{}, color.NRGBA{200, 10, 10, 255})
	blk = *s.Freeze()[0].Blocks[0].Block
	var pack strings.Builder
	require.NoError(t, sv.writeBlock(&pack, &blk))
	require.NoError(t, os.WriteFile(filepath.Join(dir, packsDir, "0"), []byte(pack.String()), 0o600))
	m := manifest{Format: formatID, NextPack: 1, Meta: Meta{Current: 1}}
	for l := range layers {
		e := layerEntry{ID: l + 1, Name: fmt.Sprintf("model %d", l), Visible: true, Blocks: []blockEntry{}}
		for b := range blocksPer {
			o := origin(l, b)
			e.Blocks = append(e.Blocks, blockEntry{int64(o.X), int64(o.Y), int64(o.Z), 0, 0, int64(pack.Len()), 42})
		}
		m.Layers = append(m.Layers, e)
	}
	raw, err := json.Marshal(m)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, manifestName), raw, 0o600))
}

// Issue 13: a .vox of 200k empty models was autosaved as 200k layers and
// the next start did not answer within 20 s. A state beyond the budget is
// refused before anything is built, kept aside, and the next save works.
func TestRestoreBeyondBudgetIsRefusedAndKeptAside(t *testing.T) {
	cases := []struct {
		name              string
		layers, blocksPer int
		origin            func(l, b int) voxel.Pos
		want              string
	}{
		{"50k-layers", 50000, 1, func(l, b int) voxel.Pos { return voxel.Pos{} }, "50000 layers, more than the 1024"},
		{"200k-layers", 200000, 1, func(l, b int) voxel.Pos { return voxel.Pos{} }, "larger than 8 MiB"},
		{"blocks", 2, 9000, func(l, b int) voxel.Pos { return voxel.Pos{X: 16 * b, Z: 16 * l} }, "18000 blocks, more than the 8192"},
		{"far", 1, 1, func(l, b int) voxel.Pos { return voxel.Pos{X: 1 << 31} }, "outside the allowed extent"},
		{"unaligned", 1, 1, func(l, b int) voxel.Pos { return voxel.Pos{X: 3} }, "not a multiple of 16"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeState(t, dir, tc.layers, tc.blocksPer, tc.origin)
			sv, err := Open(dir, nil)
			require.NoError(t, err)
			defer sv.Close()
			_, _, ok, err := sv.Load()
			require.Error(t, err)
			assert.False(t, ok)
			assert.Contains(t, err.Error(), tc.want)

			aside, err := sv.SetAside(err)
			require.NoError(t, err)
			assert.FileExists(t, filepath.Join(aside, manifestName), "the bad state is kept")
			assert.FileExists(t, filepath.Join(aside, packsDir, "0"))
			assert.NoFileExists(t, filepath.Join(dir, manifestName))
			st := sv.Status()
			assert.Contains(t, st.Warning, aside)
			assert.Contains(t, st.Warning, tc.want)

			// the next save starts afresh and does not touch the kept state
			s, got := saveAndLoad(t, sv)
			assert.Equal(t, dump(s), dump(got))
			assert.FileExists(t, filepath.Join(aside, packsDir, "0"))
		})
	}
}

func TestRestoreAtTheBudgetWorks(t *testing.T) {
	dir := t.TempDir()
	writeState(t, dir, voxel.DefaultBudget.MaxLayers, 4, func(l, b int) voxel.Pos { return voxel.Pos{X: 16 * b, Y: 16 * l} })
	sv, err := Open(dir, nil)
	require.NoError(t, err)
	defer sv.Close()
	s, _, ok, err := sv.Load()
	require.NoError(t, err)
	require.True(t, ok)
	assert.Len(t, s.Layers(), voxel.DefaultBudget.MaxLayers)
	assert.Equal(t, 4*voxel.DefaultBudget.MaxLayers, s.Count())
	assert.Equal(t, color.NRGBA{200, 10, 10, 255}, s.Get(5, voxel.Pos{X: 48, Y: 64}))
}

func TestHugeManifestRefused(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, packsDir), 0o700))
	big := `{"format":"` + formatID + `","layers":[],"pad":"` + strings.Repeat("x", maxManifest) + `"}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, manifestName), []byte(big), 0o600))
	sv, err := Open(dir, nil)
	require.NoError(t, err)
	defer sv.Close()
	_, _, _, err = sv.Load()
	assert.ErrorContains(t, err, "larger than 8 MiB")
}

// BenchmarkRestoreFullBudget restores a state at the block budget (8 Ki
// blocks over 1,024 layers): what the slowest start-up costs.
func BenchmarkRestoreFullBudget(b *testing.B) {
	dir := b.TempDir()
	per := voxel.DefaultBudget.MaxBlocks / voxel.DefaultBudget.MaxLayers
	writeState(b, dir, voxel.DefaultBudget.MaxLayers, per, func(l, i int) voxel.Pos { return voxel.Pos{X: 16 * i, Y: 16 * l} })
	sv, err := Open(dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer sv.Close()
	for b.Loop() {
		if _, _, _, err := sv.Load(); err != nil {
			b.Fatal(err)
		}
	}
}

// Open reads the manifest and Load uses what it read, but only until the state changes: a save
// between them is what Load restores.
func TestLoadAfterSaveReadsTheSavedState(t *testing.T) {
	dir := t.TempDir()
	writeState(t, dir, 3, 1, func(l, b int) voxel.Pos { return voxel.Pos{Y: 16 * l} })
	sv, err := Open(dir, nil)
	require.NoError(t, err)
	defer sv.Close()
	s, got := saveAndLoad(t, sv)
	assert.Len(t, got.Layers(), 1, "the saved scene, not the one Open read")
	assert.Equal(t, dump(s), dump(got))
}

// BenchmarkStartWithManyLayers is a start-up (Open, then Load) on a state of 30,000 layers, beyond
// the budget: what a server pays before it answers initialize (e2e TestHugeAutosaveDoesNotBlockStartup).
func BenchmarkStartWithManyLayers(b *testing.B) {
	dir := b.TempDir()
	writeState(b, dir, 30000, 1, func(l, i int) voxel.Pos { return voxel.Pos{} })
	for b.Loop() {
		sv, err := Open(dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, _, err := sv.Load(); err == nil {
			b.Fatal("a state beyond the budget was restored")
		}
		sv.Close()
	}
}

// saveAndLoad saves a scene of one voxel and loads the state back.
func saveAndLoad(t *testing.T, sv *Saver) (saved, loaded *voxel.Scene) {
	t.Helper()
	s := voxel.New()
	s.Set(1, voxel.Pos{X: 7}, color.NRGBA{1, 2, 3, 255})
	require.NoError(t, sv.Save(s.Freeze(), Meta{Current: 1}))
	got, _, ok, err := sv.Load()
	require.NoError(t, err)
	require.True(t, ok)
	return s, got
}
