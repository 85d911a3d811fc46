package qb

import (
	"bytes"
	"errors"
	"image/color"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/vox"
)

// sample builds a scene with two layers at negative and positive
// offsets, runs long enough for RLE, translucent voxels and an empty layer.
func sample() *voxel.Scene {
	s := voxel.New()
	_ = s.RenameLayer(1, "body")
	for x := -5; x < 12; x++ {
		for y := -3; y < 2; y++ {
			s.Set(1, voxel.Pos{X: x, Y: y, Z: 0}, color.NRGBA{R: 200, G: 10, B: 30, A: 255})
		}
		s.Set(1, voxel.Pos{X: x, Y: 4, Z: x + 6}, color.NRGBA{R: uint8(x * 9), G: 99, B: 7, A: 255})
	}
	hat := s.AddLayer("hat")
	s.Set(hat, voxel.Pos{X: 100, Y: -50, Z: 20}, color.NRGBA{R: 1, G: 2, B: 3, A: 128})
	s.Set(hat, voxel.Pos{X: 102, Y: -48, Z: 23}, color.NRGBA{R: 4, G: 5, B: 6, A: 255})
	s.AddLayer("empty")
	return s
}

func TestRoundTrip(t *testing.T) {
	for _, opt := range []Options{{}, {LeftHanded: true}, {BGRA: true}, {Uncompressed: true}, {LeftHanded: true, BGRA: true, Uncompressed: true}} {
		s := sample()
		var buf bytes.Buffer
		require.NoError(t, EncodeOptions(&buf, s, opt))
		data := buf.Bytes()
		cfg, err := DecodeConfig(bytes.NewReader(data))
		require.NoError(t, err)
		assert.Equal(t, Config{BGRA: opt.BGRA, RightHanded: !opt.LeftHanded, Compressed: !opt.Uncompressed, Matrices: 3, Voxels: s.Count()}, cfg)
		s2, err := Decode(bytes.NewReader(data))
		require.NoError(t, err, "%+v", opt)
		assert.Empty(t, testmodels.Diff(testmodels.Merge(s), testmodels.Merge(s2)), "%+v", opt)
		var names []string
		for _, l := range s2.Layers() {
			names = append(names, l.Name)
		}
		assert.Equal(t, []string{"body", "hat", "empty"}, names)
	}
}

func TestRoundTripKnight(t *testing.T) {
	f := testmodels.Path(t, "magicavoxel/chr_knight.vox")
	s, err := decodeVox(f)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, Encode(&buf, s))
	s2, err := Decode(&buf)
	require.NoError(t, err)
	assert.Empty(t, testmodels.Diff(testmodels.Merge(s), testmodels.Merge(s2)))
}

// file assembles a .qb from header flags and raw matrix bytes.
func file(bgra, right, rle, mask uint32, matrices ...[]byte) []byte {
	out := le.AppendUint32(nil, version)
	for _, v := range []uint32{bgra, right, rle, mask, uint32(len(matrices))} {
		out = le.AppendUint32(out, v)
	}
	for _, m := range matrices {
		out = append(out, m...)
	}
	return out
}

func matrix(name string, size, pos [3]int32, words ...uint32) []byte {
	out := append([]byte{byte(len(name))}, name...)
	for _, v := range size {
		out = le.AppendUint32(out, uint32(v))
	}
	for _, v := range pos {
		out = le.AppendUint32(out, uint32(v))
	}
	for _, w := range words {
		out = le.AppendUint32(out, w)
	}
	return out
}

// TestAxes pins the axis rule on hand-made files: a 2×1×3 matrix (x, y,
// z in Qubicle's Y-up axes) at offset (10, 20, 30), one voxel at x=1,
// y=0, z=2.
func TestAxes(t *testing.T) {
	red := uint32(0xff0000ff) // R=255, A=255 in RGBA byte order
	words := make([]uint32, 6)
	words[1+2*2] = red // index x + sx*(y + sy*z)
	for _, tc := range []struct {
		right uint32
		want  voxel.Pos
	}{
		{0, voxel.Pos{X: 11, Y: 32, Z: 20}},  // left-handed: (px+x, pz+z, py+y)
		{1, voxel.Pos{X: 11, Y: -33, Z: 20}}, // right-handed: Z towards the viewer
	} {
		s, err := Decode(bytes.NewReader(file(0, tc.right, 0, 0, matrix("m", [3]int32{2, 1, 3}, [3]int32{10, 20, 30}, words...))))
		require.NoError(t, err)
		assert.Equal(t, 1, s.Count())
		_, _, ok := s.Lookup(tc.want)
		assert.True(t, ok, "right=%d: want the voxel at %v", tc.right, tc.want)
	}
}

func TestColourFormatsAndMask(t *testing.T) {
	v := uint32(10) | 20<<8 | 30<<16 | 0x7e<<24 // bytes 10 20 30 126
	for _, tc := range []struct {
		bgra, mask uint32
		want       color.NRGBA
	}{
		{0, 0, color.NRGBA{10, 20, 30, 126}},
		{1, 0, color.NRGBA{30, 20, 10, 126}},
		{0, 1, color.NRGBA{10, 20, 30, 255}}, // 126: a mask of visible sides, the voxel is solid
		{1, 1, color.NRGBA{30, 20, 10, 255}},
	} {
		s, err := Decode(bytes.NewReader(file(tc.bgra, 1, 0, tc.mask, matrix("", [3]int32{1, 1, 1}, [3]int32{}, v))))
		require.NoError(t, err)
		assert.Equal(t, tc.want, s.Get(s.Layers()[0].ID, voxel.Pos{Y: -1}))
		assert.Equal(t, "Matrix 1", s.Layers()[0].Name)
	}
}

func TestRLE(t *testing.T) {
	red := uint32(0xff0000ff)
	// 3×2×2: slice 0 is a run of 5 then one empty; slice 1 one voxel
	// then an empty run of 5.
	data := file(0, 0, 1, 0, matrix("m", [3]int32{3, 2, 2}, [3]int32{},
		codeFlag, 5, red, 0, nextSliceFlag,
		red, codeFlag, 5, 0, nextSliceFlag))
	s, err := Decode(bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, 6, s.Count())
	_, _, ok := s.Lookup(voxel.Pos{X: 1, Y: 0, Z: 1}) // index 4 of slice 0: x=1, y=1
	assert.True(t, ok)
	_, _, ok = s.Lookup(voxel.Pos{X: 0, Y: 1, Z: 0}) // slice 1, index 0
	assert.True(t, ok)
}

func TestBrokenFiles(t *testing.T) {
	red := uint32(0xff0000ff)
	one := matrix("m", [3]int32{1, 1, 1}, [3]int32{}, red)
	tests := []struct {
		name    string
		input   []byte
		wantErr any
	}{
		{"empty", nil, FormatError("")},
		{"vox", []byte("VOX \x96\x00\x00\x00MAIN"), FormatError("")},
		{"bad-flag", file(0, 7, 0, 0, one), FormatError("")},
		{"truncated-voxels", file(0, 0, 0, 0, one)[:headerSize+10], FormatError("")},
		{"truncated-name", file(0, 0, 0, 0, []byte{9, 'a'}), FormatError("")},
		{"zero-size", file(0, 0, 0, 0, matrix("m", [3]int32{0, 1, 1}, [3]int32{})), UnsupportedError("")},
		{"huge-size", file(0, 0, 0, 0, matrix("m", [3]int32{1 << 20, 1, 1}, [3]int32{})), UnsupportedError("")},
		{"far-offset", file(0, 0, 0, 0, matrix("m", [3]int32{1, 1, 1}, [3]int32{1 << 21, 0, 0}, red)), UnsupportedError("")},
		{"too-many-matrices", file(0, 0, 0, 0, bytes.Repeat(one, 1)), FormatError("")},
		{"run-overflows-slice", file(0, 0, 1, 0, matrix("m", [3]int32{2, 2, 1}, [3]int32{}, codeFlag, 5, red, nextSliceFlag)), FormatError("")},
		{"slice-overflows", file(0, 0, 1, 0, matrix("m", [3]int32{1, 1, 1}, [3]int32{}, red, red, nextSliceFlag)), FormatError("")},
		{"rle-no-slice-end", file(0, 0, 1, 0, matrix("m", [3]int32{1, 1, 1}, [3]int32{}, red)), FormatError("")},
	}
	// A header announcing many matrices, with only one.
	tests[8].input = file(0, 0, 0, 0, one)
	le.PutUint32(tests[8].input[20:], maxMatrices+1)
	tests[8].wantErr = UnsupportedError("")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(bytes.NewReader(tc.input))
			require.Error(t, err)
			switch tc.wantErr.(type) {
			case FormatError:
				var fe FormatError
				assert.True(t, errors.As(err, &fe), "want a FormatError, got %T %v", err, err)
			case UnsupportedError:
				var ue UnsupportedError
				assert.True(t, errors.As(err, &ue), "want an UnsupportedError, got %T %v", err, err)
			}
			assert.True(t, strings.HasPrefix(err.Error(), "qb: "), err.Error())
		})
	}
}

func TestLimits(t *testing.T) {
	// One run fills a 4096×4096 slice: 16 Mi voxels from 40 bytes.
	data := file(0, 0, 1, 0, matrix("m", [3]int32{4096, 4096, 1}, [3]int32{-2048, -2048, 0}, codeFlag, 4096*4096, 0xff0000ff, nextSliceFlag))
	_, err := DecodeLimits(bytes.NewReader(data), Limits{MaxVoxels: 1 << 20, MaxBlocks: 1 << 14})
	var ue UnsupportedError
	require.True(t, errors.As(err, &ue), "%v", err)
	// A run of 2^31 empty voxels costs nothing.
	data = file(0, 0, 1, 0, matrix("m", [3]int32{65536, 65536, 1}, [3]int32{}, codeFlag, 1<<31, 0, nextSliceFlag))
	s, err := Decode(bytes.NewReader(data))
	require.NoError(t, err)
	assert.Zero(t, s.Count())
}

func decodeVox(path string) (*voxel.Scene, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return vox.Decode(bytes.NewReader(data))
}

// TestSparseMatrixCostsItsVoxels: a layer's matrix spans its box, but
// writing it costs its voxels and slices, not its cells. Two voxels 60,000
// apart on every axis make a matrix of 2.2·10^14 cells (the writer once
// visited each: a hang); it is written as one run per slice and reads back.
func TestSparseMatrixCostsItsVoxels(t *testing.T) {
	s := voxel.New()
	a := color.NRGBA{R: 10, G: 20, B: 30, A: 255}
	b := color.NRGBA{R: 40, G: 50, B: 60, A: 255}
	s.Set(1, voxel.Pos{X: -30000, Y: -30000, Z: -30000}, a)
	s.Set(1, voxel.Pos{X: 30000, Y: 30000, Z: 30000}, b)
	for _, opt := range []Options{{}, {LeftHanded: true}, {BGRA: true}} {
		var buf bytes.Buffer
		require.NoError(t, EncodeOptions(&buf, s, opt))
		// 60,001 slices of one empty run (12 bytes) and a slice flag, 2 voxels.
		assert.Less(t, buf.Len(), 60001*16+1024, "%+v", opt)
		back, err := Decode(bytes.NewReader(buf.Bytes()))
		require.NoError(t, err)
		assert.Equal(t, 2, back.Count())
		assert.Equal(t, a, back.Get(back.Layers()[0].ID, voxel.Pos{X: -30000, Y: -30000, Z: -30000}))
		assert.Equal(t, b, back.Get(back.Layers()[0].ID, voxel.Pos{X: 30000, Y: 30000, Z: 30000}))
	}
	// Uncompressed, every cell is a word: refused before anything is written.
	var buf bytes.Buffer
	err := EncodeOptions(&buf, s, Options{Uncompressed: true})
	var ue UnsupportedError
	require.ErrorAs(t, err, &ue)
	assert.Contains(t, err.Error(), "uncompressed")
	assert.Zero(t, buf.Len())
}

// TestLongRunsSplit: a slice of more than 2^32-1 empty cells (65,536 ×
// 65,536) is written as two runs, since a run's count is 32 bits.
func TestLongRunsSplit(t *testing.T) {
	s := voxel.New()
	c := color.NRGBA{R: 1, G: 2, B: 3, A: 255}
	s.Set(1, voxel.Pos{X: 0, Y: 0, Z: 0}, c)
	s.Set(1, voxel.Pos{X: 65535, Y: 2, Z: 65535}, c) // slice Y=1: 2^32 empty cells
	var buf bytes.Buffer
	require.NoError(t, Encode(&buf, s))
	// The empty slice: a run of 2^32-1 empty cells, the last one as a word.
	var split []byte
	for _, w := range []uint32{nextSliceFlag, codeFlag, 1<<32 - 1, 0, 0, nextSliceFlag} {
		split = le.AppendUint32(split, w)
	}
	assert.True(t, bytes.Contains(buf.Bytes(), split), "no split run of 2^32 empty cells")
	back, err := Decode(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, 2, back.Count())
	assert.Equal(t, c, back.Get(back.Layers()[0].ID, voxel.Pos{X: 65535, Y: 2, Z: 65535}))
}
