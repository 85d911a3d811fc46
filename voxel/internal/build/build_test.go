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
	assert.ErrorIs(t, err, voxel.ErrBudget)
	s.ClearErr()
	s.SetBudget(voxel.Budget{MaxCoord: voxel.MaxCoord, MaxVoxels: 10, MaxBlocks: 10, MaxLayers: 1, MaxLayerName: 10})
	assert.Zero(t, s.AddLayer("refused"))
	assert.ErrorIs(t, b.Set(0, voxel.Pos{}, red), voxel.ErrBudget, "a Set into a refused layer reports the refusal")
}
