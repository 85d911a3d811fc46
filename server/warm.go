package server

import (
	"context"
	"image/color"
	"io"

	"github.com/goxel-mcp/goxel-mcp/internal/pngx"
	"github.com/goxel-mcp/goxel-mcp/renderer"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// warmUp renders and encodes a small throwaway scene, once, in the background at start-up: a direct
// (400×400) and a supersampled (128×128) render. It faults in the renderer's and encoder's code and
// fills their buffer pools, so the server starts at the memory level it keeps while it works:
// measured over 1,000 create/build/render cycles, RSS after the first cycle went from 14.4 MiB
// without it (ending at 16.0, +11 %) to 15.8 (ending at 16.2, +2.5 %), at the cost of about 2 MiB
// of idle RSS. It uses its own Renderer, so the user's prepared scenes are untouched.
func warmUp() {
	sc := voxel.New()
	sc.FillBox(sc.Current(), voxel.Box{Max: voxel.Pos{X: 5, Y: 5, Z: 5}}, color.NRGBA{R: 0x80, G: 0x90, B: 0xa0, A: 0xff})
	snap := sc.Snapshot()
	r := renderer.NewRenderer()
	for _, size := range []int{400, 128} {
		opt := renderer.DefaultOptions()
		opt.Width, opt.Height = size, size
		img, err := r.Render(context.Background(), snap, opt)
		if err != nil {
			return
		}
		_ = pngx.Encode(io.Discard, img, nil) // io.Discard never fails
		renderer.Release(img)
	}
}
