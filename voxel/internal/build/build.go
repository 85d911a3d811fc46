// Package build fills a decoded scene while enforcing the decoder's limits,
// shared by the voxel codecs so a hostile file cannot make any of them
// allocate or work without bound.
package build

import (
	"context"
	"fmt"
	"image/color"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Builder sets voxels into a scene and counts voxels, blocks and work.
type Builder struct {
	s         *voxel.Scene
	maxVoxels int
	maxBlocks int
	refuse    func(msg string) error // the codec's UnsupportedError
	voxels    int
	blocks    map[blockKey]struct{}
	last      blockKey
	hasOne    bool
	work      int
	ctx       context.Context // nil: never cancelled
}

// WithContext makes Spend and Set stop with ctx's error once ctx is done.
func (b *Builder) WithContext(ctx context.Context) *Builder {
	b.ctx = ctx
	return b
}

type blockKey struct {
	layer int
	p     voxel.Pos
}

// New returns a Builder for s; refuse turns a limit message into the
// codec's own error type.
func New(s *voxel.Scene, maxVoxels, maxBlocks int, refuse func(msg string) error) *Builder {
	return &Builder{s: s, maxVoxels: maxVoxels, maxBlocks: maxBlocks, refuse: refuse, blocks: map[blockKey]struct{}{}}
}

// Spend accounts for n voxel visits that may place nothing (empty colour
// indices, empty block voxels, shape tests), so that a small file cannot
// keep a decoder busy for long: visits are capped at 4×maxVoxels plus a
// full block's visits for each block allowed, so a scene within both
// limits is never refused for its visits.
func (b *Builder) Spend(n int) error {
	b.work += n
	if b.ctx != nil {
		if err := b.ctx.Err(); err != nil {
			return err
		}
	}
	if limit := b.maxWork(); b.work > limit {
		return b.refuse(fmt.Sprintf("file needs more than %d voxel visits", limit))
	}
	return nil
}

func (b *Builder) maxWork() int {
	return 4*b.maxVoxels + voxel.BlockSize*voxel.BlockSize*voxel.BlockSize*b.maxBlocks
}

// PutBlock places the voxels of a whole block whose origin is a multiple
// of 16 on each axis, at once when the layer has no block there (a block
// costs a copy, not 4,096 Sets), else voxel by voxel over what is there,
// as Set would. The limits apply as in Set.
func (b *Builder) PutBlock(layer int, o voxel.Pos, v *[voxel.BlockSize * voxel.BlockSize * voxel.BlockSize]color.NRGBA) error {
	if !b.s.HasLayer(layer) || b.s.HasBlock(layer, o) {
		for j, c := range v {
			if c.A == 0 {
				continue
			}
			if err := b.Set(layer, voxel.Pos{X: o.X + j&15, Y: o.Y + (j>>4)&15, Z: o.Z + j>>8}, c); err != nil {
				return err
			}
		}
		return nil
	}
	n := 0
	for _, c := range v {
		if c.A != 0 {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	if b.ctx != nil {
		if err := b.ctx.Err(); err != nil {
			return err
		}
	}
	b.voxels += n
	if b.voxels > b.maxVoxels {
		return b.refuse(fmt.Sprintf("scene places more than %d voxels", b.maxVoxels))
	}
	k := blockKey{layer, voxel.Pos{X: o.X >> 4, Y: o.Y >> 4, Z: o.Z >> 4}}
	if _, ok := b.blocks[k]; !ok {
		if len(b.blocks) >= b.maxBlocks {
			return b.refuse(fmt.Sprintf("scene needs more than %d blocks of 16×16×16 voxels", b.maxBlocks))
		}
		b.blocks[k] = struct{}{}
	}
	if err := b.s.PutBlock(layer, o, v); err != nil {
		return b.refuse(err.Error())
	}
	return nil
}

// MaxVoxels returns the voxel limit the Builder enforces.
func (b *Builder) MaxVoxels() int { return b.maxVoxels }

// Set places one voxel, refusing when the voxel or block limit is passed.
func (b *Builder) Set(layer int, p voxel.Pos, c color.NRGBA) error {
	b.voxels++
	if b.ctx != nil && b.voxels&(1<<16-1) == 0 {
		if err := b.ctx.Err(); err != nil {
			return err
		}
	}
	if b.voxels > b.maxVoxels {
		return b.refuse(fmt.Sprintf("scene places more than %d voxels", b.maxVoxels))
	}
	k := blockKey{layer, voxel.Pos{X: p.X >> 4, Y: p.Y >> 4, Z: p.Z >> 4}}
	if !b.hasOne || k != b.last {
		if _, ok := b.blocks[k]; !ok {
			if len(b.blocks) >= b.maxBlocks {
				return b.refuse(fmt.Sprintf("scene needs more than %d blocks of 16×16×16 voxels", b.maxBlocks))
			}
			b.blocks[k] = struct{}{}
		}
		b.last, b.hasOne = k, true
	}
	// The scene's own budget (extent, blocks over all layers, voxels) has
	// the last word, refused as the codec refuses its own limits; a layer
	// it refused earlier (AddLayer gave 0) shows as a failed Set with the
	// error kept in the scene.
	if ok, err := b.s.TrySet(layer, p, c); err != nil {
		return b.refuse(err.Error())
	} else if !ok && b.s.Err() != nil {
		return b.refuse(b.s.Err().Error())
	}
	return nil
}
