package tools

import (
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/analyze"
)

// Runs written by appendRun read back through add_voxels' parser as the
// same voxels, for random scenes with negative coordinates, colour changes
// inside rows and translucent colours.
func TestRunsRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pal := []color.NRGBA{{255, 0, 0, 255}, {0, 0, 255, 128}, {1, 2, 3, 255}}
	for range 20 {
		s := voxel.New()
		want := map[voxel.Pos]color.NRGBA{}
		for range 500 {
			p := voxel.Pos{X: rng.IntN(70) - 35, Y: rng.IntN(6) - 3, Z: rng.IntN(4) - 2}
			c := pal[rng.IntN(len(pal))]
			s.Set(1, p, c)
			want[p] = c
		}
		var text []byte
		for _, r := range analyze.NewVolume(s.Snapshot().Blocks(), nil).Runs().List {
			text = appendRun(text, r)
		}
		items, err := parseData(string(text), true, nil, 1<<20, true)
		require.NoError(t, err)
		got := map[voxel.Pos]color.NRGBA{}
		for _, it := range items {
			_, dup := got[it.pos]
			require.False(t, dup, "%v twice", it.pos)
			got[it.pos] = it.color
		}
		assert.Equal(t, want, got)
	}
}
