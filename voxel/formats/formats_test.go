package formats

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// The "rgb" scene of vengi's test data: the letters R, G and B on the
// floor of a 32³ box marked by its eight corners. The .vox and .gox
// versions differ by a rotation on the floor, so only the counts and the
// corners (relative to the bounding box) are common to both.
var rgbColours = map[color.NRGBA]int{
	{0xe8, 0x30, 0x15, 0xff}: 30, // R
	{0x1b, 0x81, 0x3e, 0xff}: 27, // G
	{0x00, 0x5c, 0xaf, 0xff}: 34, // B
	{0xee, 0xee, 0xee, 0xff}: 4,  // floor corners
	{0xdc, 0x9f, 0xb4, 0xff}: 4,  // top corners
}

func rgbCorners() map[voxel.Pos]color.NRGBA {
	out := map[voxel.Pos]color.NRGBA{}
	for _, x := range []int{0, 31} {
		for _, y := range []int{0, 31} {
			out[voxel.Pos{X: x, Y: y}] = color.NRGBA{0xee, 0xee, 0xee, 0xff}
			out[voxel.Pos{X: x, Y: y, Z: 31}] = color.NRGBA{0xdc, 0x9f, 0xb4, 0xff}
		}
	}
	return out
}

func checkRGB(t *testing.T, s *voxel.Scene) {
	t.Helper()
	assert.Equal(t, 99, s.Count())
	box := s.Box()
	assert.Equal(t, voxel.Pos{X: 32, Y: 32, Z: 32}, box.Size())
	hist := map[color.NRGBA]int{}
	for _, c := range testmodels.Merge(s) {
		hist[c]++
	}
	assert.Equal(t, rgbColours, hist)
	for p, c := range rgbCorners() {
		assert.Equal(t, c, s.Get(s.Layers()[0].ID, box.Min.Add(p)), "corner %v", p)
	}
}

func TestRGB(t *testing.T) {
	for _, src := range []string{"vengi/rgb.vox", "vengi/rgb.gox"} {
		t.Run(src, func(t *testing.T) {
			s, err := DecodeFile(testmodels.Path(t, src), DefaultLimits)
			require.NoError(t, err)
			checkRGB(t, s)
			for _, ext := range Readable() {
				t.Run(ext, func(t *testing.T) {
					var buf bytes.Buffer
					require.NoError(t, Encode(&buf, ext, s))
					s2, err := Decode(&buf, ext, DefaultLimits)
					require.NoError(t, err)
					checkRGB(t, s2)
					assert.Equal(t, testmodels.Merge(s), testmodels.Merge(s2))
				})
			}
		})
	}
}

func TestExtensions(t *testing.T) {
	assert.Equal(t, []string{".gox", ".qb", ".txt", ".vox"}, Readable())
	assert.Equal(t, []string{".glb", ".gltf", ".gox", ".obj", ".ply", ".qb", ".schem", ".stl", ".txt", ".vox"}, Writable())
	c, err := ForPath("/tmp/Model.VOX")
	require.NoError(t, err)
	assert.Equal(t, ".vox", c.Ext)
	_, err = ForPath("model.qbt")
	assert.ErrorIs(t, err, ErrUnknownFormat)
	_, err = ForPath("model")
	assert.ErrorIs(t, err, ErrUnknownFormat)
}

func TestEncodeEveryFormat(t *testing.T) {
	s := voxel.New()
	s.Set(1, voxel.Pos{X: 1, Y: 2, Z: 3}, color.NRGBA{R: 10, A: 255})
	for _, ext := range Writable() {
		var buf bytes.Buffer
		require.NoError(t, Encode(&buf, ext, s), ext)
		assert.NotZero(t, buf.Len(), ext)
	}
	assert.ErrorIs(t, Encode(&bytes.Buffer{}, ".png", s), ErrUnknownFormat)
}

// TestSummary: .schem reports its colour mapping, .vox its remapped
// colours, .stl its size in millimetres; others have nothing to say.
func TestSummary(t *testing.T) {
	s := voxel.New()
	for i := range 300 {
		s.Set(1, voxel.Pos{X: i}, color.NRGBA{R: uint8(i), G: uint8(i / 256 * 50), B: 99, A: 255})
	}
	var buf bytes.Buffer
	sum, err := EncodeSummary(&buf, ".schem", s)
	require.NoError(t, err)
	assert.Contains(t, sum, "300 blocks placed; 300 colours mapped to")
	sum, err = EncodeSummary(&buf, ".vox", s)
	require.NoError(t, err)
	assert.Contains(t, sum, "of 300 colours")
	sum, err = EncodeSummary(&buf, ".stl", s)
	require.NoError(t, err)
	assert.Equal(t, "STL: one closed solid of 2404 triangles, 1 mm per voxel, 300 × 1 × 1 mm (X × Y × Z, Z up).", sum)
	sum, err = EncodeSummary(&buf, ".gox", s)
	require.NoError(t, err)
	assert.Empty(t, sum)
}

// TestQubicleRoundTrip: a scene saved as .qb opens with the same voxels
// and layer names.
func TestQubicleRoundTrip(t *testing.T) {
	s, err := DecodeFile(testmodels.Path(t, "vengi/robo.vox"), DefaultLimits)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, Encode(&buf, ".qb", s))
	s2, err := Decode(&buf, ".QB", DefaultLimits)
	require.NoError(t, err)
	assert.Equal(t, testmodels.Merge(s), testmodels.Merge(s2))
	require.Len(t, s2.Layers(), len(s.Layers()))
	for i, l := range s.Layers() {
		assert.Equal(t, l.Name, s2.Layers()[i].Name)
	}
}

func TestDecodeRefuses(t *testing.T) {
	goxData, err := os.ReadFile(testmodels.Path(t, "vengi/rgb.gox"))
	require.NoError(t, err)
	voxData, err := os.ReadFile(testmodels.Path(t, "magicavoxel/monu1.vox"))
	require.NoError(t, err)
	slab6, err := os.ReadFile(testmodels.Path(t, "vengi/slab6_vox_test.vox"))
	require.NoError(t, err)

	tests := []struct {
		name    string
		data    []byte
		ext     string
		lim     Limits
		wantErr error
		wantMsg string
	}{
		{"gox-named-vox", goxData, ".vox", DefaultLimits, ErrWrongMagic, "looks like Goxel (.gox)"},
		{"vox-named-gox", voxData, ".gox", DefaultLimits, ErrWrongMagic, "looks like MagicaVoxel (.vox)"},
		{"slab6", slab6, ".vox", DefaultLimits, ErrWrongMagic, "SLAB6"},
		{"vox-named-qb", voxData, ".qb", DefaultLimits, ErrWrongMagic, "looks like MagicaVoxel (.vox)"},
		{"stl", []byte("solid x\n"), ".stl", DefaultLimits, ErrNotReadable, "export only"},
		{"schem", []byte{0x1f, 0x8b}, ".schem", DefaultLimits, ErrNotReadable, "export only"},
		{"binary-named-txt", goxData, ".txt", DefaultLimits, ErrWrongMagic, ""},
		{"obj", []byte("v 0 0 0\n"), ".obj", DefaultLimits, ErrNotReadable, ""},
		{"bytes", voxData, ".vox", Limits{MaxBytes: 1000, MaxVoxels: 1 << 20, MaxBlocks: 1 << 10}, ErrTooLarge, "more than 1000 bytes"},
		{"voxels", voxData, ".vox", Limits{MaxBytes: 1 << 30, MaxVoxels: 100000, MaxBlocks: 1 << 10}, ErrTooLarge, "156942 voxels, the limit is 100000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(bytes.NewReader(tc.data), tc.ext, tc.lim)
			require.ErrorIs(t, err, tc.wantErr)
			assert.Contains(t, err.Error(), tc.wantMsg)
		})
	}
}

func TestDecodeFileTooLarge(t *testing.T) {
	path := testmodels.Path(t, "magicavoxel/monu1.vox")
	_, err := DecodeFile(path, Limits{MaxBytes: 100, MaxVoxels: 1 << 20, MaxBlocks: 1 << 10})
	assert.ErrorIs(t, err, ErrTooLarge)
	assert.Contains(t, err.Error(), fmt.Sprintf("monu1.vox has %d bytes", 628864))
	_, err = DecodeFile(filepath.Join(t.TempDir(), "missing.vox"), DefaultLimits)
	assert.True(t, errors.Is(err, os.ErrNotExist), "%v", err)
}

// TestGoxelOpensEveryFormat writes the rgb scene in each format Goxel
// reads and checks that Goxel sees the same voxels.
func TestGoxelOpensEveryFormat(t *testing.T) {
	testmodels.Goxel(t)
	s, err := DecodeFile(testmodels.Path(t, "vengi/rgb.gox"), DefaultLimits)
	require.NoError(t, err)
	for _, ext := range Readable() {
		t.Run(ext, func(t *testing.T) {
			if ext == ".qb" {
				// Goxel 0.11 mirrors Qubicle's axes against the format's own
				// definition (docs/formats.md, .qb Axes); qb's tests check
				// the axes instead.
				t.Skip("Goxel 0.11 reads .qb axes mirrored: not a judge of .qb")
			}
			t.Parallel()
			var buf bytes.Buffer
			require.NoError(t, Encode(&buf, ext, s))
			path := filepath.Join(t.TempDir(), "rgb"+ext)
			require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
			assert.Equal(t, testmodels.Merge(s), testmodels.GoxelRead(t, path))
		})
	}
}
