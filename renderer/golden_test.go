package renderer

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/pngx"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// goldenTolerance is the largest per-channel difference accepted against a golden image: enough for a
// rounding change, far below anything visible.
const goldenTolerance = 3

// stairs is a small scene with concave corners (AO), an overhang, a floating block (shadow) and
// several colours.
func stairs() *voxel.Snapshot {
	s := voxel.New()
	l := s.Current()
	stone := color.NRGBA{0xb8, 0xa8, 0x90, 0xff}
	for x := range 10 {
		for y := range 8 {
			s.Set(l, voxel.Pos{X: x, Y: y}, color.NRGBA{0x5a, 0x9a, 0x4a, 0xff})
		}
	}
	for step := range 5 {
		for x := step; x < 5; x++ {
			for y := 1; y < 4; y++ {
				s.Set(l, voxel.Pos{X: x + 2, Y: y, Z: 1 + step}, stone)
			}
		}
	}
	for z := 1; z < 8; z++ {
		s.Set(l, voxel.Pos{X: 1, Y: 6, Z: z}, color.NRGBA{0x8a, 0x5a, 0x3a, 0xff})
	}
	for x := range 4 {
		for y := 5; y < 8; y++ {
			s.Set(l, voxel.Pos{X: x, Y: y, Z: 8}, color.NRGBA{0xe0, 0x40, 0x30, 0xff})
		}
	}
	return s.Snapshot()
}

func TestGolden(t *testing.T) {
	iso, _ := Preset("isometric")
	cases := []struct {
		name string
		snap *voxel.Snapshot
		opt  func(*Options)
	}{
		{"cube_iso", sidedCube(6, voxel.Pos{X: 3, Y: -2, Z: 1}), func(o *Options) { o.Width, o.Height = 96, 96 }},
		{"stairs_iso", stairs(), func(o *Options) { o.Width, o.Height = 160, 120 }},
		{"stairs_grid_nosupersample", stairs(), func(o *Options) {
			o.Width, o.Height, o.Grid, o.Supersample = 160, 120, true, 1
		}},
		{"stairs_custom_transparent", stairs(), func(o *Options) {
			o.Width, o.Height = 120, 120
			o.View = View{Yaw: -30, Pitch: 20}
			o.Background = color.NRGBA{}
		}},
		{"stairs_sheet", stairs(), func(o *Options) {
			o.Width, o.Height = 320, 240
			o.Views = []View{iso, presets[0], presets[3], presets[4]}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opt := DefaultOptions()
			c.opt(&opt)
			img, err := Render(context.Background(), c.snap, opt)
			require.NoError(t, err)
			keep(t, "golden_"+c.name, img)
			path := filepath.Join("testdata", c.name+".png")
			if *update {
				var buf bytes.Buffer
				require.NoError(t, pngx.Encode(&buf, img, nil))
				require.NoError(t, os.MkdirAll("testdata", 0o755))
				require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
				return
			}
			f, err := os.Open(path)
			require.NoError(t, err, "missing golden: run go test ./renderer -update")
			defer f.Close()
			want, err := png.Decode(f)
			require.NoError(t, err)
			compareImages(t, want, img)
		})
	}
}

// compareImages fails when any channel of any pixel differs by more than goldenTolerance.
func compareImages(t *testing.T, want image.Image, got *image.NRGBA) {
	t.Helper()
	require.Equal(t, want.Bounds().Size(), got.Rect.Size(), "image size")
	bad, worst := 0, 0
	var first image.Point
	for y := range got.Rect.Dy() {
		for x := range got.Rect.Dx() {
			w := color.NRGBAModel.Convert(want.At(x, y)).(color.NRGBA)
			g := got.NRGBAAt(x, y)
			d := max(absDiff(w.R, g.R), absDiff(w.G, g.G), absDiff(w.B, g.B), absDiff(w.A, g.A))
			if w.A == 0 && g.A == 0 {
				d = 0
			}
			if d > goldenTolerance {
				if bad == 0 {
					first = image.Pt(x, y)
				}
				bad++
				worst = max(worst, d)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d pixels differ by more than %d (worst %d, first at %v); look with -save, rewrite with -update",
			bad, goldenTolerance, worst, first)
	}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}
