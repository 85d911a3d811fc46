package renderer

import (
	"context"
	"image/color"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// farScene holds a few voxels at the origin and a few near corner, as hostile files can.
func farScene(corner voxel.Pos) *voxel.Snapshot {
	s := voxel.New()
	// Wider than the scene budget on purpose: the renderer must hold even
	// a snapshot no codec or tool can make today.
	b := voxel.DefaultBudget
	b.MaxCoord = 1 << 40
	s.SetBudget(b)
	l := s.Current()
	for i := range 3 {
		s.Set(l, voxel.Pos{X: i}, red)
		s.Set(l, voxel.Pos{X: corner.X - i, Y: corner.Y, Z: corner.Z}, blue)
	}
	return s.Snapshot()
}

// allocDuring returns the bytes allocated while fn runs (all goroutines).
func allocDuring(fn func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	fn()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestFarScenesStayBounded: a scene whose voxels span up to 2^25 voxels on every axis renders in every
// view and as a contact sheet with memory bounded by the frame, not the extent (issue 13.2).
func TestFarScenesStayBounded(t *testing.T) {
	const p20, p24 = 1 << 20, 1 << 24
	for _, c := range []struct {
		name   string
		corner voxel.Pos
	}{
		{"2^20 diagonal", voxel.Pos{X: p20, Y: p20, Z: p20}},
		{"2^20 towards the sun", voxel.Pos{X: p20, Y: -p20, Z: p20}},
		{"2^24 diagonal", voxel.Pos{X: p24, Y: p24, Z: p24}},
		{"-2^24 to 2^24", voxel.Pos{X: -p24, Y: p24, Z: -p24}},
	} {
		t.Run(c.name, func(t *testing.T) {
			snap := farScene(c.corner)
			if c.name == "2^20 diagonal" {
				// Many faces as well: the reference scene plus one far voxel.
				s := voxel.New()
				for _, e := range referenceScene().Blocks() {
					for i, v := range e.Block.Voxels() {
						if v.A != 0 {
							s.Set(s.Current(), voxel.Pos{X: e.Origin.X + i&15, Y: e.Origin.Y + i>>4&15, Z: e.Origin.Z + i>>8}, v)
						}
					}
				}
				s.Set(s.Current(), c.corner, blue)
				snap = s.Snapshot()
			}
			for _, opt := range []Options{
				func() Options { o := DefaultOptions(); o.Width, o.Height = 1920, 1080; return o }(),
				func() Options {
					o := DefaultOptions()
					o.Width, o.Height, o.Grid = 800, 600, true
					o.Views = []View{presets[0], presets[3], presets[4], presets[6]}
					return o
				}(),
			} {
				start := time.Now()
				var err error
				alloc := allocDuring(func() { _, err = NewRenderer().Render(context.Background(), snap, opt) })
				require.NoError(t, err)
				t.Logf("%dx%d sheet=%v: %v, %d MB allocated", opt.Width, opt.Height, len(opt.Views) > 0, time.Since(start), alloc>>20)
				// The 1080p frame itself is 8 MB; everything else must be small.
				assert.Less(t, alloc, uint64(64<<20), "allocation must not grow with the scene's extent")
			}
		})
	}
}

// TestHugeExtentRefused: beyond what the renderer's fixed-point coordinates hold, a clear error.
func TestHugeExtentRefused(t *testing.T) {
	snap := farScene(voxel.Pos{X: 1 << 31, Y: 3, Z: -(1 << 31)})
	_, err := NewRenderer().Render(context.Background(), snap, DefaultOptions())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "extent")
}

// TestPanicBecomesError: a panic in one of the renderer's goroutines becomes that call's error, and
// the next render works.
func TestPanicBecomesError(t *testing.T) {
	snap := referenceScene()
	for _, where := range []string{"prepare", "quads", "bands"} {
		t.Run(where, func(t *testing.T) {
			r := NewRenderer()
			testPanic = func(w string) {
				if w == where {
					panic("forced " + w)
				}
			}
			_, err := r.Render(context.Background(), snap, DefaultOptions())
			testPanic = nil
			require.Error(t, err)
			assert.True(t, strings.Contains(err.Error(), "forced "+where), err.Error())
			img, err := r.Render(context.Background(), snap, DefaultOptions())
			require.NoError(t, err)
			assert.NotEqual(t, color.NRGBA{}, img.NRGBAAt(400, 300))
		})
	}
}
