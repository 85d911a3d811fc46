package build

import (
	"errors"
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

var errLimit = errors.New("limit")

func refuse(string) error { return errLimit }

func TestLimits(t *testing.T) {
	red := color.NRGBA{R: 255, A: 255}
	s := voxel.New()
	b := New(s, 3, 2, refuse)
	require.NoError(t, b.Set(1, voxel.Pos{}, red))
	require.NoError(t, b.Set(1, voxel.Pos{X: 16}, red))
	assert.ErrorIs(t, b.Set(1, voxel.Pos{X: 32}, red), errLimit, "a third block")
	assert.ErrorIs(t, b.Set(1, voxel.Pos{X: 1}, red), errLimit, "a fourth voxel")
	assert.Equal(t, 2, s.Count())

	b = New(voxel.New(), 10, 10, refuse)
	require.NoError(t, b.Spend(40+10*4096))
	assert.ErrorIs(t, b.Spend(1), errLimit, "visits are capped at 4× the voxel limit plus a full visit of each block allowed")
}

// The scene's budget has the last word over the builder's own limits.
func TestSceneBudget(t *testing.T) {
	red := color.NRGBA{R: 255, A: 255}
	s := voxel.New()
	b := New(s, 1000, 1000, refuse)
	err := b.Set(1, voxel.Pos{X: voxel.MaxCoord + 1}, red)
	assert.ErrorIs(t, err, errLimit, "refused as the codec refuses its own limits")
	s.ClearErr()
	s.SetBudget(voxel.Budget{MaxCoord: voxel.MaxCoord, MaxVoxels: 10, MaxBlocks: 10, MaxLayers: 1, MaxLayerName: 10})
	assert.Zero(t, s.AddLayer("refused"))
	assert.ErrorIs(t, b.Set(0, voxel.Pos{}, red), errLimit, "a Set into a refused layer reports the refusal")
}

func TestPutBlock(t *testing.T) {
	red, blue := color.NRGBA{R: 255, A: 255}, color.NRGBA{B: 255, A: 255}
	var v [4096]color.NRGBA
	v[0], v[4095] = red, red
	s := voxel.New()
	b := New(s, 10, 2, refuse)
	require.NoError(t, b.PutBlock(1, voxel.Pos{X: 16}, &v))
	assert.Equal(t, 2, s.Count())
	assert.Equal(t, red, s.Get(1, voxel.Pos{X: 31, Y: 15, Z: 15}))
	// Over a block that is there, voxels merge as with Set.
	var w [4096]color.NRGBA
	w[1] = blue
	require.NoError(t, b.PutBlock(1, voxel.Pos{X: 16}, &w))
	assert.Equal(t, 3, s.Count())
	assert.Equal(t, red, s.Get(1, voxel.Pos{X: 16}))
	require.NoError(t, b.PutBlock(1, voxel.Pos{X: 32}, &w))
	assert.ErrorIs(t, b.PutBlock(1, voxel.Pos{X: 48}, &w), errLimit, "a third block")
	for i := range 12 {
		v[i] = red
	}
	assert.ErrorIs(t, b.PutBlock(1, voxel.Pos{Y: 16}, &v), errLimit, "too many voxels")
}
