package formats

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// DecodeContext is Decode that stops with ctx's error once ctx is done,
// where the codec can (.gox, .txt).
func DecodeContext(ctx context.Context, r io.Reader, ext string, lim Limits) (*voxel.Scene, error) {
	lim.ctx = ctx
	return Decode(r, ext, lim)
}

func (l Limits) context() context.Context {
	if l.ctx == nil {
		return context.Background()
	}
	return l.ctx
}

// withinBudget holds every codec's scene to the scene budget
// (voxel.Budget): a scene the codec built past it (a layer or voxel the
// scene refused, which the codec went on without) is refused with the
// budget's error, so no format can hand on a truncated scene.
func (c Codec) withinBudget(s *voxel.Scene, err error) (*voxel.Scene, error) {
	if err != nil {
		return nil, err
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", strings.TrimPrefix(c.Ext, "."), err)
	}
	return s, nil
}
