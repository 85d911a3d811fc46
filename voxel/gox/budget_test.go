package gox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/color"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// layrAt places block 0 at each origin.
func layrAt(origins ...voxel.Pos) []byte {
	b := le.AppendUint32(nil, uint32(len(origins)))
	for _, o := range origins {
		for _, v := range []int32{0, int32(o.X), int32(o.Y), int32(o.Z), 0} {
			b = le.AppendUint32(b, uint32(v))
		}
	}
	return b
}

// Issue 13: a 285-byte .gox with a block at the origin and one near 2^31
// opened, then render_scene died out of memory. It is refused now, and the
// message names the extent of the file's voxels.
func TestFarBlocksAreRefused(t *testing.T) {
	bl16 := chunk("BL16", pngBytes(t, 64, 64), false)
	for _, far := range []voxel.Pos{{X: 1<<31 - 64}, {Z: -1 << 31}, {Y: voxel.MaxCoord + 1}} {
		data := file(bl16, chunk("LAYR", layrAt(voxel.Pos{}, far), false))
		_, err := Decode(bytes.NewReader(data))
		require.Error(t, err, "%v", far)
		var ue UnsupportedError
		assert.True(t, errors.As(err, &ue), "%T %v", err, err)
		assert.Contains(t, err.Error(), fmt.Sprintf("%v", far), "names the extent")
		assert.Contains(t, err.Error(), "±1048576")
	}
	// The edge of the extent is fine.
	data := file(bl16, chunk("LAYR", layrAt(voxel.Pos{X: -voxel.MaxCoord}, voxel.Pos{X: voxel.MaxCoord, Y: voxel.MaxCoord, Z: voxel.MaxCoord}), false))
	s, err := Decode(bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, 2*voxel.MaxCoord+1, s.Box().Size().X)
}

// cloneChain builds n layers, each a clone of the one before scaled by 2
// (the get_bounding_box overflow).
func cloneChain(t *testing.T, n int, scale float32) []byte {
	chunks := [][]byte{chunk("BL16", pngBytes(t, 64, 64), false)}
	base := append(layrAt(voxel.Pos{X: 1, Y: 1, Z: 1}), dictEntry("id", le.AppendUint32(nil, 1))...)
	chunks = append(chunks, chunk("LAYR", base, false))
	mat := identity
	mat[0], mat[5], mat[10] = scale, scale, scale
	for i := 2; i <= n; i++ {
		c := append(layrAt(), dictEntry("name", []byte(fmt.Sprintf("clone %d", i)))...)
		c = append(c, dictEntry("id", le.AppendUint32(nil, uint32(i)))...)
		c = append(c, dictEntry("base_id", le.AppendUint32(nil, uint32(i-1)))...)
		c = append(c, dictEntry("mat", matBytes(&mat))...)
		chunks = append(chunks, chunk("LAYR", c, false))
	}
	return file(chunks...)
}

func TestScaledCloneChainStaysInExtent(t *testing.T) {
	// 2^64 would overflow an int; the chain stops at the extent with an
	// error naming the clone layer.
	_, err := Decode(bytes.NewReader(cloneChain(t, 70, 2)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "clone layer \"clone 22\"")
	assert.Contains(t, err.Error(), "±1048576")

	// A short chain opens, and every voxel is inside the extent.
	s, err := Decode(bytes.NewReader(cloneChain(t, 10, 2)))
	require.NoError(t, err)
	assert.NoError(t, s.Budget().CheckBox(s.Box()))
	assert.Equal(t, voxel.Pos{X: 512, Y: 512, Z: 512}, s.Box().Max)
}

// The reader's limits and the scene budget agree: whatever fits the budget
// is written as a .gox that reopens under the same limits.
func TestLimitsAgreeWithBudget(t *testing.T) {
	b := voxel.DefaultBudget
	assert.GreaterOrEqual(t, DefaultLimits.MaxBlocks, b.MaxBlocks, "Encode writes at most one BL16 per scene block")
	assert.GreaterOrEqual(t, DefaultLimits.MaxVoxels, b.MaxVoxels)
	assert.GreaterOrEqual(t, maxLayers, b.MaxLayers)
	assert.GreaterOrEqual(t, maxDictVal, b.MaxLayerName, "names are written whole")

	// A scene at a small budget's limits on every count, written and read
	// under limits equal to that budget.
	small := voxel.Budget{MaxCoord: voxel.MaxCoord, MaxVoxels: 3 * 200, MaxBlocks: 3 * 200, MaxLayers: 3, MaxLayerName: b.MaxLayerName}
	s := voxel.NewEmpty()
	s.SetBudget(small)
	for l := range 3 {
		id, err := s.TryAddLayer(strings.Repeat(string(rune('a'+l)), b.MaxLayerName))
		require.NoError(t, err)
		for i := range 200 {
			// every voxel in a block of its own, at the far corners too
			p := voxel.Pos{X: voxel.MaxCoord - 16*i, Y: -voxel.MaxCoord + 16*i, Z: 16 * l}
			_, err := s.TrySet(id, p, color.NRGBA{uint8(i), uint8(l), 7, 255})
			require.NoError(t, err)
		}
	}
	require.Equal(t, small.MaxBlocks, s.Blocks())
	_, err := s.TryAddLayer("x")
	require.Error(t, err, "the scene is full")
	var buf bytes.Buffer
	require.NoError(t, Encode(&buf, s))
	back, err := DecodeLimits(bytes.NewReader(buf.Bytes()), Limits{MaxVoxels: small.MaxVoxels, MaxBlocks: small.MaxBlocks})
	require.NoError(t, err)
	assertSameLayers(t, s, back)
	assert.Equal(t, s.Blocks(), back.Blocks())
}

func TestTooManyLayersRefused(t *testing.T) {
	var chunks [][]byte
	for range voxel.DefaultBudget.MaxLayers + 1 {
		chunks = append(chunks, chunk("LAYR", layrAt(), false))
	}
	_, err := Decode(bytes.NewReader(file(chunks...)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "1025 layers")
}

func TestDecodeContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := DecodeContext(ctx, bytes.NewReader(cloneChain(t, 3, 1)), DefaultLimits)
	assert.ErrorIs(t, err, context.Canceled)
}

// Issue 13: a scene of one-voxel blocks reached gigabytes. A file whose
// layers would occupy more blocks than the budget is refused from its
// block references, before any block is made.
func TestSparseFileRefusedBeforeBuilding(t *testing.T) {
	n := voxel.DefaultBudget.MaxBlocks + 1
	origins := make([]voxel.Pos, n)
	for i := range origins {
		origins[i] = voxel.Pos{X: 16 * (i % 128), Y: 16 * (i / 128)}
	}
	data := file(chunk("BL16", pngBytes(t, 64, 64), false), chunk("LAYR", layrAt(origins...), false))
	_, err := Decode(bytes.NewReader(data))
	var ue UnsupportedError
	require.True(t, errors.As(err, &ue), "%v", err)
	assert.Contains(t, err.Error(), "more than 8192 blocks")
	// One fewer fits.
	data = file(chunk("BL16", pngBytes(t, 64, 64), false), chunk("LAYR", layrAt(origins[:n-1]...), false))
	s, err := Decode(bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, n-1, s.Blocks())
}
