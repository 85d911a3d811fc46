package formats

import (
	"bytes"
	"context"
	"encoding/binary"
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
	for _, empty := range []bool{true, false} {
		_, err := Decode(bytes.NewReader(manyModels(n, empty)), ".vox", DefaultLimits)
		require.Error(t, err)
		assert.ErrorIs(t, err, voxel.ErrBudget)
		assert.Contains(t, err.Error(), "1024 layers")
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
