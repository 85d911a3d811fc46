package formats

import (
	"bytes"
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// TestContentsMatchWhatIsWritten: for every writable voxel format, the
// counts ContentsOf reports are those a decode of the written file finds,
// for a scene with a hidden layer and overlapping visible layers.
func TestContentsMatchWhatIsWritten(t *testing.T) {
	s := voxel.New()
	red := color.NRGBA{R: 255, A: 255}
	for x := range 4 {
		s.Set(1, voxel.Pos{X: x}, red)
	}
	top := s.AddLayer("top")
	s.Set(top, voxel.Pos{X: 0}, color.NRGBA{G: 255, A: 255}) // covers one voxel of layer 1
	s.Set(top, voxel.Pos{X: 9}, color.NRGBA{G: 255, A: 255})
	hidden := s.AddLayer("hidden")
	for z := range 5 {
		s.Set(hidden, voxel.Pos{Z: z + 3}, red)
	}
	require.NoError(t, s.SetVisible(hidden, false))
	s.AddLayer("empty hidden")
	require.NoError(t, s.SetVisible(4, false))

	for _, ext := range Writable() {
		t.Run(ext, func(t *testing.T) {
			c := ContentsOf(s, ext)
			assert.Equal(t, 5, c.HiddenVoxels)
			assert.Equal(t, 1, c.HiddenLayers, "an empty hidden layer holds nothing")
			codec, err := ForExt(ext)
			require.NoError(t, err)
			if !codec.CanRead() {
				assert.False(t, c.HiddenWritten)
				assert.Equal(t, 5, c.Voxels, "the visible layers merged")
				assert.Equal(t, 1, c.Covered)
				return
			}
			var buf bytes.Buffer
			require.NoError(t, Encode(&buf, ext, s))
			back, err := Decode(&buf, ext, DefaultLimits)
			require.NoError(t, err)
			assert.Equal(t, back.Count(), c.Voxels, "voxels written")
			assert.Equal(t, len(back.Layers()), c.Layers, "layers written")
			hiddenBack := 0
			for _, l := range back.Layers() {
				if !l.Visible {
					hiddenBack += l.Count
				}
			}
			if c.HiddenWritten {
				assert.Equal(t, c.HiddenVoxels, hiddenBack, "hidden voxels kept hidden")
			} else {
				assert.Zero(t, hiddenBack)
				if c.Merged {
					assert.Equal(t, 5, c.Voxels)
				} else {
					assert.Equal(t, 6, c.Voxels, "the visible layers, each kept")
				}
			}
		})
	}
}
