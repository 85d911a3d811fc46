package renderer

import (
	"flag"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"github.com/goxel-mcp/goxel-mcp/internal/pngx"
	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/vox"
)

var (
	update = flag.Bool("update", false, "rewrite the golden images in testdata/")
	save   = flag.Bool("save", false, "keep every test render in a temporary directory to look at")
)

var saveDir string

// keep writes img to the -save directory under name.
func keep(t testing.TB, name string, img *image.NRGBA) {
	t.Helper()
	if !*save {
		return
	}
	if saveDir == "" {
		d, err := os.MkdirTemp("", "renderer-test-")
		if err != nil {
			t.Fatal(err)
		}
		saveDir = d
	}
	path := filepath.Join(saveDir, name+".png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pngx.Encode(f, img, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("saved %s", path)
}

var (
	red     = color.NRGBA{255, 0, 0, 255}
	cyan    = color.NRGBA{0, 255, 255, 255}
	green   = color.NRGBA{0, 255, 0, 255}
	magenta = color.NRGBA{255, 0, 255, 255}
	blue    = color.NRGBA{0, 0, 255, 255}
	yellow  = color.NRGBA{255, 255, 0, 255}
	grey    = color.NRGBA{160, 160, 160, 255}
)

// sidedCube is an n³ cube at offset o whose six sides have distinct colours (rims grey):
// +X red, -X cyan, +Y green, -Y magenta, +Z blue, -Z yellow.
func sidedCube(n int, o voxel.Pos) *voxel.Snapshot {
	s := voxel.New()
	l := s.Current()
	for z := range n {
		for y := range n {
			for x := range n {
				c := grey
				in := func(a int) bool { return a > 0 && a < n-1 }
				switch {
				case x == n-1 && in(y) && in(z):
					c = red
				case x == 0 && in(y) && in(z):
					c = cyan
				case y == n-1 && in(x) && in(z):
					c = green
				case y == 0 && in(x) && in(z):
					c = magenta
				case z == n-1 && in(x) && in(y):
					c = blue
				case z == 0 && in(x) && in(y):
					c = yellow
				}
				s.Set(l, voxel.Pos{X: o.X + x, Y: o.Y + y, Z: o.Z + z}, c)
			}
		}
	}
	return s.Snapshot()
}

// referenceScene is the benchmark scene: a filled sphere x²+y²+z² ≤ 400 at the origin plus a filled
// 16³ cube beside it (x 30..45, y and z -8..7), 37,497 voxels.
func referenceScene() *voxel.Snapshot {
	s := voxel.New()
	l := s.Current()
	for z := -20; z <= 20; z++ {
		for y := -20; y <= 20; y++ {
			for x := -20; x <= 20; x++ {
				if x*x+y*y+z*z <= 400 {
					s.Set(l, voxel.Pos{X: x, Y: y, Z: z}, color.NRGBA{220, 120, 60, 255})
				}
			}
		}
	}
	for z := -8; z <= 7; z++ {
		for y := -8; y <= 7; y++ {
			for x := 30; x <= 45; x++ {
				s.Set(l, voxel.Pos{X: x, Y: y, Z: z}, color.NRGBA{70, 130, 200, 255})
			}
		}
	}
	return s.Snapshot()
}

// loadModel reads a shared sample model (see internal/testmodels), skipping when it is absent.
func loadModel(t testing.TB, name string) *voxel.Snapshot {
	t.Helper()
	f, err := os.Open(testmodels.Path(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := vox.Decode(f)
	if err != nil {
		t.Fatalf("failed to decode %s: %v", name, err)
	}
	return s.Snapshot()
}
