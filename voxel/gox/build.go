package gox

import (
	"fmt"
	"image/color"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// builder fills a scene while enforcing Limits.
type builder struct {
	s      *voxel.Scene
	lim    Limits
	voxels int
	blocks map[blockKey]struct{}
	last   blockKey
	hasOne bool
	work   int
}

type blockKey struct {
	layer int
	p     voxel.Pos
}

func newBuilder(s *voxel.Scene, lim Limits) *builder {
	return &builder{s: s, lim: lim, blocks: map[blockKey]struct{}{}}
}

// spend accounts for n voxel visits that may place nothing (empty colour
// indices, empty block voxels, shape tests), so that a small file cannot
// keep Decode busy for long: visits are capped at 4×MaxVoxels.
func (b *builder) spend(n int) error {
	b.work += n
	if b.work > 4*b.lim.MaxVoxels {
		return UnsupportedError(fmt.Sprintf("file needs more than %d voxel visits", 4*b.lim.MaxVoxels))
	}
	return nil
}

func (b *builder) set(layer int, p voxel.Pos, c color.NRGBA) error {
	b.voxels++
	if b.voxels > b.lim.MaxVoxels {
		return UnsupportedError(fmt.Sprintf("scene places more than %d voxels", b.lim.MaxVoxels))
	}
	k := blockKey{layer, voxel.Pos{X: p.X >> 4, Y: p.Y >> 4, Z: p.Z >> 4}}
	if !b.hasOne || k != b.last {
		if _, ok := b.blocks[k]; !ok {
			if len(b.blocks) >= b.lim.MaxBlocks {
				return UnsupportedError(fmt.Sprintf("scene needs more than %d blocks of 16×16×16 voxels", b.lim.MaxBlocks))
			}
			b.blocks[k] = struct{}{}
		}
		b.last, b.hasOne = k, true
	}
	b.s.Set(layer, p, c)
	return nil
}
