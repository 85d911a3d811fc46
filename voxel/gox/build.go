package gox

import (
	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/internal/build"
)

func newBuilder(s *voxel.Scene, lim Limits) *build.Builder {
	return build.New(s, lim.MaxVoxels, lim.MaxBlocks, func(msg string) error { return UnsupportedError(msg) })
}
