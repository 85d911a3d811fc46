package tools

import (
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

func editOne(p *Project, i int) {
	_, _ = p.Edit("t", func(s *voxel.Scene) error {
		s.Set(1, voxel.Pos{X: i * 16}, color.NRGBA{R: 1, A: 255}) // a new block each time
		return nil
	})
}

func TestStatesKeepTheLastRevisions(t *testing.T) {
	p := NewProject()
	for i := range maxStates + 10 {
		editOne(p, i)
	}
	rev := p.Revision()
	assert.Equal(t, uint64(maxStates+11), rev)
	_, oldest, ok := p.pastState(1)
	assert.False(t, ok)
	assert.Equal(t, rev-maxStates+1, oldest)
	layers, _, ok := p.pastState(rev - 5)
	require.True(t, ok)
	assert.Len(t, layers[0].Blocks, maxStates+10-5)
}

// Big edits retire many blocks: the ring drops old states to stay within
// its byte bound, however few revisions that leaves.
func TestStatesStayWithinTheirByteBound(t *testing.T) {
	p := NewProject()
	big := func(c uint8) {
		_, _ = p.Edit("fill", func(s *voxel.Scene) error {
			for x := range 256 { // 16×16×1 blocks… times 16 levels: 4,096 blocks a pass
				for y := range 256 {
					for z := 0; z < 256; z += 16 {
						s.Set(1, voxel.Pos{X: x, Y: y, Z: z}, color.NRGBA{R: c, A: 255})
					}
				}
			}
			return nil
		})
	}
	for i := range 6 {
		big(uint8(i + 1))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	assert.LessOrEqual(t, p.states.bytes, int64(maxStateBytes))
	assert.Less(t, len(p.states.ring), 6, "some states were dropped")
	assert.GreaterOrEqual(t, len(p.states.ring), 2)
	// Each pass replaces all 4,096 blocks: the accounting says so.
	assert.Equal(t, int64(4096*blockCost+4096*entryCost), p.states.ring[len(p.states.ring)-2].retired)
}

func TestReplaceForgetsPastStates(t *testing.T) {
	p := NewProject()
	editOne(p, 0)
	p.Replace(voxel.New(), "")
	_, _, ok := p.pastState(2)
	assert.False(t, ok)
	_, _, ok = p.pastState(p.Revision())
	assert.True(t, ok)
	assert.Nil(t, p.lastRendered())
}

// BenchmarkRecordState is what every edit now costs on top: freezing the
// scene's layers and counting the blocks it replaced, on a scene of 4,096
// blocks (16.8 M voxels) after a one-voxel edit.
func BenchmarkRecordState(b *testing.B) {
	p := NewProject()
	_, _ = p.Edit("fill", func(s *voxel.Scene) error {
		for x := range 256 {
			for y := range 256 {
				for z := range 256 {
					s.Set(1, voxel.Pos{X: x, Y: y, Z: z}, color.NRGBA{R: 9, A: 255})
				}
			}
		}
		return nil
	})
	i := 0
	for b.Loop() {
		i++
		editOne(p, i%16)
	}
}
