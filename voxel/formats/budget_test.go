package formats

import (
	"bytes"
	"context"
	"encoding/binary"
	"image/color"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

func voxChunk(id string, content, children []byte) []byte {
	b := []byte(id)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(content)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(children)))
	return append(append(b, content...), children...)
}

// manyModels is a .vox of n models without a scene graph, each one voxel
// (or none): every model becomes a layer.
func manyModels(n int, empty bool) []byte {
	var children []byte
	for i := range n {
		size := binary.LittleEndian.AppendUint32(nil, 1)
		size = binary.LittleEndian.AppendUint32(size, 1)
		size = binary.LittleEndian.AppendUint32(size, 1)
		xyzi := binary.LittleEndian.AppendUint32(nil, 0)
		if !empty {
			xyzi = binary.LittleEndian.AppendUint32(nil, 1)
			xyzi = append(xyzi, 0, 0, 0, byte(1+i%200))
		}
		children = append(children, voxChunk("SIZE", size, nil)...)
		children = append(children, voxChunk("XYZI", xyzi, nil)...)
	}
	out := append([]byte("VOX "), 150, 0, 0, 0)
	return append(out, voxChunk("MAIN", nil, children)...)
}

// Issue 13: a .vox of 200k empty models opened as 200k layers, and its
// autosave kept the server from starting. Whatever a codec does, Decode
// holds its scene to the budget's layer bound.
func TestDecodeHoldsEveryCodecToTheBudget(t *testing.T) {
	n := voxel.DefaultBudget.MaxLayers + 1
	_, err := Decode(bytes.NewReader(manyModels(n, false)), ".vox", DefaultLimits)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "scene budget: the scene would have more than 1024 layers")
	// Empty models may be dropped by the codec; whatever it keeps is
	// within the budget, or refused with it.
	if s, err := Decode(bytes.NewReader(manyModels(n, true)), ".vox", DefaultLimits); err != nil {
		assert.ErrorIs(t, err, voxel.ErrBudget)
	} else {
		assert.LessOrEqual(t, len(s.Layers()), voxel.DefaultBudget.MaxLayers)
	}
	s, err := Decode(bytes.NewReader(manyModels(8, false)), ".vox", DefaultLimits)
	require.NoError(t, err)
	assert.Len(t, s.Layers(), 8)
	assert.NoError(t, s.Err())
}

func TestDecodeFarTextRefused(t *testing.T) {
	_, err := Decode(strings.NewReader("16777216 0 0 ffffff\n-16777216 0 0 ffffff\n"), ".txt", DefaultLimits)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "±1048576")
}

func TestDecodeContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := DecodeContext(ctx, strings.NewReader(strings.Repeat("1 2 3 ffffff\n", 5000)), ".txt", DefaultLimits)
	assert.ErrorIs(t, err, context.Canceled)
}

// A scene within the budget saves to a .gox that open_project reopens: the
// file stays under the open limit. The largest .gox per voxel is made of
// random colours in a checkerboard (each voxel costs its 4 bytes, its
// empty neighbour a little); at the budget's voxel bound that is far
// below the limit, and the block bound caps the per-block overhead.
func TestGoxOfABudgetSceneFitsTheOpenLimit(t *testing.T) {
	const blocks = 256
	s := voxel.New()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range blocks {
		o := voxel.Pos{X: 16 * (i % 16), Y: 16 * (i / 16)}
		for j := range 4096 {
			if (j&15+j>>4&15+j>>8)%2 == 0 {
				s.Set(1, o.Add(voxel.Pos{X: j & 15, Y: j >> 4 & 15, Z: j >> 8}), color.NRGBA{uint8(rng.Uint32()), uint8(rng.Uint32()), uint8(rng.Uint32()), uint8(1 + rng.IntN(255))})
			}
		}
	}
	var buf bytes.Buffer
	require.NoError(t, Encode(&buf, ".gox", s))
	perVoxel := float64(buf.Len()) / float64(s.Count())
	b := voxel.DefaultBudget
	worst := perVoxel*float64(b.MaxVoxels) + 200*float64(b.MaxBlocks) // a nearly empty block's PNG and reference
	t.Logf("%.2f bytes a voxel: a .gox at the budget is at most about %.0f MiB; the open limit is %d MiB", perVoxel, worst/(1<<20), DefaultLimits.MaxBytes>>20)
	assert.Less(t, worst, float64(DefaultLimits.MaxBytes))
}
