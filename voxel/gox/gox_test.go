package gox

import (
	"bufio"
	"bytes"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// samples lists the Goxel samples with the voxels Goxel 0.11 reads from
// them (all layers) and the layer count.
var samples = []struct {
	name   string
	voxels int
	layers int
}{
	{"vengi/rgb.gox", 99, 1},
	{"vengi/chr_knight.gox", 1316, 19},
	{"vengi/gox-shape-3-layers.gox", 1208, 4},
}

func decodeFile(t testing.TB, path string) *voxel.Scene {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	s, err := Decode(bufio.NewReader(f))
	require.NoError(t, err, path)
	return s
}

func encode(t testing.TB, s *voxel.Scene) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Encode(&buf, s))
	return buf.Bytes()
}

func TestDecodeSamples(t *testing.T) {
	for _, tc := range samples {
		t.Run(tc.name, func(t *testing.T) {
			s := decodeFile(t, testmodels.Path(t, tc.name))
			assert.Equal(t, tc.voxels, len(testmodels.Merge(s)))
			assert.Len(t, s.Layers(), tc.layers)
			assert.Equal(t, s.Layers()[0].ID, s.Current())
			assert.Zero(t, s.UndoSteps())
		})
	}
}

// TestGoxelLive compares every sample with a live Goxel, position by
// position: Goxel does not move .gox voxels.
func TestGoxelLive(t *testing.T) {
	testmodels.Goxel(t)
	for _, tc := range samples {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := testmodels.Path(t, tc.name)
			ours := testmodels.Merge(decodeFile(t, path)).Opaque()
			assert.True(t, testmodels.Equal(t, testmodels.GoxelRead(t, path), ours))
		})
	}
}

func assertSameLayers(t *testing.T, a, b *voxel.Scene) {
	t.Helper()
	la, lb := a.Layers(), b.Layers()
	require.Len(t, lb, len(la))
	for i := range la {
		assert.Equal(t, la[i].Name, lb[i].Name)
		assert.Equal(t, la[i].Visible, lb[i].Visible)
		assert.Equal(t, la[i].Count, lb[i].Count)
		assert.Equal(t, la[i].Box, lb[i].Box)
	}
}

// layered builds a scene with negative coordinates, translucent voxels, a
// hidden layer, an empty layer and a repeated block (written once).
func layered() *voxel.Scene {
	s := voxel.New()
	for x := -20; x < 20; x++ {
		for z := range 3 {
			s.Set(1, voxel.Pos{X: x, Y: -x / 2, Z: z - 1}, color.NRGBA{R: uint8(x * 5), G: uint8(z * 80), B: 7, A: 255})
		}
	}
	for _, o := range []voxel.Pos{{X: 64}, {X: 96}, {X: 128, Y: -32}} {
		for i := range 16 {
			s.Set(1, o.Add(voxel.Pos{X: i, Y: i, Z: i}), color.NRGBA{R: 200, A: 255})
		}
	}
	glass := s.AddLayer("glass ✓")
	s.Set(glass, voxel.Pos{X: 1, Y: 2, Z: 3}, color.NRGBA{R: 10, G: 200, B: 250, A: 100})
	hidden := s.AddLayer("hidden")
	s.Set(hidden, voxel.Pos{X: 0, Y: 0, Z: 0}, color.NRGBA{R: 1, G: 2, B: 3, A: 255})
	_ = s.SetVisible(hidden, false)
	s.AddLayer("empty")
	_ = s.SelectLayer(1)
	return s
}

func TestRoundTrip(t *testing.T) {
	scenes := map[string]func(*testing.T) *voxel.Scene{
		"layered": func(*testing.T) *voxel.Scene { return layered() },
		"empty":   func(*testing.T) *voxel.Scene { return voxel.New() },
	}
	for _, tc := range samples {
		scenes[tc.name] = func(t *testing.T) *voxel.Scene { return decodeFile(t, testmodels.Path(t, tc.name)) }
	}
	for name, build := range scenes {
		t.Run(name, func(t *testing.T) {
			s := build(t)
			s2, err := Decode(bytes.NewReader(encode(t, s)))
			require.NoError(t, err)
			assert.True(t, testmodels.Equal(t, testmodels.Merge(s), testmodels.Merge(s2)))
			assertSameLayers(t, s, s2)
		})
	}
}

func TestEncodeSharesBlocks(t *testing.T) {
	cfg, err := DecodeConfig(bytes.NewReader(encode(t, layered())))
	require.NoError(t, err)
	// Layer 1's three diagonal blocks are equal and written once.
	assert.Equal(t, Config{Version: 2, Blocks: cfg.BlockRefs - 2, Layers: 4, BlockRefs: cfg.BlockRefs}, cfg)
}

// TestGoxelOpensEncoded opens our files in a live Goxel.
func TestGoxelOpensEncoded(t *testing.T) {
	testmodels.Goxel(t)
	scenes := map[string]func(*testing.T) *voxel.Scene{
		"layered": func(*testing.T) *voxel.Scene { return layered() },
	}
	for _, name := range []string{"vengi/chr_knight.gox", "vengi/gox-shape-3-layers.gox", "magicavoxel/monu1.vox"} {
		scenes[name] = func(t *testing.T) *voxel.Scene {
			if strings.HasSuffix(name, ".vox") {
				return monu1(t)
			}
			return decodeFile(t, testmodels.Path(t, name))
		}
	}
	for name, build := range scenes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := build(t)
			path := filepath.Join(t.TempDir(), "ours.gox")
			require.NoError(t, os.WriteFile(path, encode(t, s), 0o644))
			want := testmodels.Voxels{}
			// Goxel exports visible layers, and alpha ≥ 127 only.
			s.Snapshot().Each(func(p voxel.Pos, c color.NRGBA) bool {
				if c.A >= 127 {
					c.A = 255
					want[p] = c
				}
				return true
			})
			assert.True(t, testmodels.Equal(t, want, testmodels.GoxelRead(t, path)))
		})
	}
}

// monu1 converts the monument through its text export, so this package
// needs no .vox reader: every voxel of Goxel's own reading.
func monu1(t testing.TB) *voxel.Scene {
	m := testmodels.GoxelRead(t, testmodels.Path(t, "magicavoxel/monu1.vox"))
	s := voxel.New()
	for p, c := range m {
		s.Set(1, p, c)
	}
	return s
}

func pngBytes(t testing.TB, w, h int) []byte {
	var buf bytes.Buffer
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	img.Pix[3] = 255
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func chunk(id string, data []byte, crc bool) []byte {
	out := append([]byte(id), le.AppendUint32(nil, uint32(len(data)))...)
	out = append(out, data...)
	sum := uint32(0)
	if crc {
		sum = crc32.ChecksumIEEE(append([]byte(id), data...))
	}
	return le.AppendUint32(out, sum)
}

func file(chunks ...[]byte) []byte {
	return append(append([]byte("GOX "), le.AppendUint32(nil, 2)...), bytes.Join(chunks, nil)...)
}

func layr(refs ...int32) []byte {
	b := le.AppendUint32(nil, uint32(len(refs)))
	for _, r := range refs {
		for _, v := range []int32{r, 0, 0, 0, 0} {
			b = le.AppendUint32(b, uint32(v))
		}
	}
	return b
}

func TestBrokenFiles(t *testing.T) {
	bl16 := chunk("BL16", pngBytes(t, 64, 64), true)
	good := file(bl16, chunk("LAYR", layr(0), true))
	s, err := Decode(bytes.NewReader(good))
	require.NoError(t, err)
	require.Equal(t, 1, s.Count())

	badCRC := bytes.Clone(good)
	badCRC[len(badCRC)-1] ^= 0xff
	hugeLen := bytes.Clone(good)
	le.PutUint32(hugeLen[12:], 0x7ffffff0)
	negLen := bytes.Clone(good)
	le.PutUint32(negLen[12:], 0xfffffff0)
	layrPastEnd := layr(0)
	le.PutUint32(layrPastEnd, 1<<28)
	brokenPNG := pngBytes(t, 64, 64)
	brokenPNG = brokenPNG[:len(brokenPNG)-20]

	tests := []struct {
		name    string
		input   []byte
		wantErr error
	}{
		{"empty", nil, FormatError("")},
		{"not-a-gox", []byte("VOX \x96\x00\x00\x00"), FormatError("")},
		{"version-3", append([]byte("GOX "), 3, 0, 0, 0), UnsupportedError("")},
		{"truncated-header", good[:6], FormatError("")},
		{"truncated-chunk-header", good[:12], FormatError("")},
		{"truncated-chunk", good[:len(good)-10], FormatError("")},
		{"truncated-crc", good[:len(good)-2], FormatError("")},
		{"bad-crc", badCRC, FormatError("")},
		{"huge-length", hugeLen, FormatError("")},
		{"negative-length", negLen, FormatError("")},
		{"bl16-32x32", file(chunk("BL16", pngBytes(t, 32, 32), true)), FormatError("")},
		{"bl16-64x65", file(chunk("BL16", pngBytes(t, 64, 65), false)), FormatError("")},
		{"bl16-not-png", file(chunk("BL16", []byte("not a png"), false)), FormatError("")},
		{"bl16-truncated-png", file(chunk("BL16", brokenPNG, false)), FormatError("")},
		{"layr-count-past-end", file(bl16, chunk("LAYR", layrPastEnd, false)), FormatError("")},
		{"layr-missing-block", file(bl16, chunk("LAYR", layr(1), false)), FormatError("")},
		{"layr-negative-block", file(bl16, chunk("LAYR", layr(-1), false)), FormatError("")},
		{"dict-value-past-end", file(chunk("LAYR", append(layr(), 4, 0, 0, 0, 'n', 'a', 'm', 'e', 255, 255, 0, 0), false)), FormatError("")},
		{"dict-key-too-long", file(chunk("IMG ", append([]byte{0, 1, 0, 0}, make([]byte, 300)...), false)), FormatError("")},
		{"box-wrong-size", file(chunk("IMG ", append(append([]byte{3, 0, 0, 0}, "box"...), 4, 0, 0, 0, 1, 2, 3, 4), false)), FormatError("")},
	}
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
		})
	}
}

func TestLimits(t *testing.T) {
	// One small block placed at many positions.
	bl16 := chunk("BL16", pngBytes(t, 64, 64), false)
	b := le.AppendUint32(nil, 100)
	for i := range 100 {
		for _, v := range []int32{0, int32(16 * i), 0, 0, 0} {
			b = le.AppendUint32(b, uint32(v))
		}
	}
	_, err := DecodeLimits(bytes.NewReader(file(bl16, chunk("LAYR", b, false))), Limits{MaxVoxels: 1000, MaxBlocks: 50})
	var ue UnsupportedError
	assert.True(t, errors.As(err, &ue), "%v", err)
}

func dictEntry(k string, v []byte) []byte {
	b := le.AppendUint32(nil, uint32(len(k)))
	b = append(b, k...)
	b = le.AppendUint32(b, uint32(len(v)))
	return append(b, v...)
}

// TestCloneLayer reads a layer stored as a moved clone of another.
func TestCloneLayer(t *testing.T) {
	mat := identity
	mat[12], mat[13], mat[14] = 32, -3, 7
	base := append(layr(0), dictEntry("name", []byte("base"))...)
	base = append(base, dictEntry("id", le.AppendUint32(nil, 5))...)
	clone := append(layr(), dictEntry("name", []byte("clone"))...)
	clone = append(clone, dictEntry("id", le.AppendUint32(nil, 6))...)
	clone = append(clone, dictEntry("base_id", le.AppendUint32(nil, 5))...)
	clone = append(clone, dictEntry("mat", matBytes(&mat))...)
	data := file(chunk("BL16", pngBytes(t, 64, 64), true), chunk("LAYR", base, true), chunk("LAYR", clone, true))
	s, err := Decode(bytes.NewReader(data))
	require.NoError(t, err)
	ls := s.Layers()
	require.Len(t, ls, 2)
	black := color.NRGBA{A: 255}
	assert.Equal(t, black, s.Get(ls[0].ID, voxel.Pos{}))
	assert.Equal(t, black, s.Get(ls[1].ID, voxel.Pos{X: 32, Y: -3, Z: 7}))
	assert.Equal(t, 1, ls[1].Count)

	testmodels.Goxel(t)
	path := filepath.Join(t.TempDir(), "clone.gox")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	assert.True(t, testmodels.Equal(t, testmodels.GoxelRead(t, path), testmodels.Merge(s)))
}
