package script_test

import (
	"context"
	"errors"
	"image/color"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/script"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

func TestSandbox(t *testing.T) {
	s := voxel.New()
	s.Set(1, voxel.Pos{}, colorRed)
	s.ClearHistory()
	for _, tc := range []struct{ name, code, want string }{
		{"load os", "set(1, 1, 1, '#FFFFFF')\nload('os', 'open')\n", `module "os" is not available`},
		{"open", "set(1, 1, 1, '#FFFFFF')\nf = open('/etc/passwd')\n", "no file, network, clock or environment access"},
		{"exec", "exec('1')\n", "undefined: exec"},
		{"time", "load('time', 'now')\n", `module "time" is not available`},
		{"recursion", "def f(n):\n    return f(n + 1)\nf(0)\n", "called recursively"},
		{"syntax", "box([0,0,0], [1,1,1]\n", "syntax"},
		{"bad colour", "set(0, 0, 0, 'purple')\n", `"#RRGGBB"`},
		{"bad layer", "set(0, 0, 0, '#FFFFFF', layer=7)\n", "layer 7 does not exist; existing layer ids: 1"},
		{"alpha 0", "box([0, 0, 0], [1, 1, 1], '#FFFFFF00')\n", "pass None to remove"},
		{"far away", "set(2000000, 0, 0, '#FFFFFF')\n", "out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := scriptErr(t, s, tc.code, script.Options{})
			assert.Contains(t, e.Error(), tc.want)
			assert.Positive(t, e.Line, "the error names the line: %v", e)
			assert.Empty(t, e.Limit)
		})
	}
}

// Cancelling the context stops a running script with the cancellation
// error and leaves the scene as it was. (How fast it stops is measured by
// BenchmarkCancel, not timed here.)
func TestCancel(t *testing.T) {
	s := voxel.New()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var reports atomic.Int32
	s.Begin("run_script")
	_, err := script.Run(ctx, s, "box([0, 0, 0], [9, 9, 9], '#FFFFFF')\nprint('go')\nwhile True:\n    set(1, 1, 1, '#FF0000')\n", script.Options{
		Limits: script.Limits{MaxDuration: time.Hour},
		// the first report comes as the script starts, the second while the
		// loop runs, after box() changed the scene
		Progress: func(time.Duration, time.Duration) {
			if reports.Add(1) == 2 {
				cancel()
			}
		},
	})
	s.Rollback()
	require.Error(t, err)
	assert.True(t, errors.Is(err, script.ErrCancelled), "%v", err)
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
	assert.Contains(t, err.Error(), "cancelled")
	assert.Equal(t, 0, s.Count())
}

func TestArgsAndQueries(t *testing.T) {
	s := voxel.New()
	res, err := run(t, s, `
n = args["size"]
box([0, 0, 0], [n - 1, n - 1, 0], args["colors"][0])
box([0, 0, 1], [n - 1, 0, 1], args["colors"][1])
h = histogram()
print(h)
print(layers()[0]["count"], current_layer())
l = create_layer("second")
set(0, 0, 5, [1, 2, 3], layer=l)
print(count(), count(layer=l), get(0, 0, 5), get(0, 0, 5, layer=1))
print(color([255, 0, 0]), color("00ff0080"), rgb(0, 0, 255.4), mix("#000000", "#FFFFFF", 0.5))
g1, g2 = random(7), random(7)
print(g1.randint(1, 100) == g2.randint(1, 100), 0 <= noise(1.5, 2.5) and noise(1.5, 2.5) < 1, noise(3.3, 1.1, seed=4) == noise(3.3, 1.1, seed=4))
print(args.get("missing"), args["nested"]["ok"], args["f"])
`, script.Options{Args: map[string]any{"size": 4.0, "colors": []any{"#FF0000", "#00FF00"}, "nested": map[string]any{"ok": true}, "f": 0.5}})
	require.NoError(t, err)
	assert.Equal(t, `{"#FF0000FF": 16, "#00FF00FF": 4}
20 1
21 1 #010203FF None
#FF0000FF #00FF0080 #0000FFFF #808080FF
True True True
None True 0.5
`, res.Output)
	assert.Equal(t, 21, res.Changes.Added)
}

func TestTransformsInScripts(t *testing.T) {
	s := voxel.New()
	res := mustRun(t, s, `
box([0, 0, 0], [3, 0, 0], "#FF0000")
set(3, 0, 1, "#00FF00")
r = mirror_region([0, 0, 0], [3, 0, 1], "x", at=-0.5, keep_original=True)
print(r, bounding_box()["min"])
copy_region([-4, 0, 0], [3, 0, 1], [0, 5, 0])
move_region([-4, 5, 0], [3, 5, 1], [0, 0, 10])
rotate_region([-4, 5, 10], [3, 5, 11], "z", turns=2)
print(replace_color("#FF0000", "#0000FF", tolerance=0), get(-4, 0, 1))
`)
	assert.Equal(t, "{\"added\": 5, \"removed\": 0, \"recolored\": 0} [-4, 0, 0]\n{\"added\": 0, \"removed\": 0, \"recolored\": 16} #00FF00FF\n", res.Output)
	assert.Equal(t, 20, s.Count())
	// a voxel by voxel check of the symmetry about x = -0.5
	s.Each(1, func(p voxel.Pos, c color.NRGBA) bool {
		if p.Y == 0 {
			assert.Equal(t, c, s.Get(1, voxel.Pos{X: -1 - p.X, Y: p.Y, Z: p.Z}))
		}
		return true
	})
}

func TestNoiseRangeAndSmoothness(t *testing.T) {
	lo, hi := 1.0, 0.0
	for i := range 20000 {
		x, y := float64(i%200)/7.3-10, float64(i/200)/3.1-10
		v := script.Noise(x, y, 0.5, 9, 1+i%4)
		require.True(t, v >= 0 && v < 1, "noise out of range: %v", v)
		lo, hi = min(lo, v), max(hi, v)
		// smooth: a small step changes little
		assert.Less(t, abs(script.Noise(x+0.01, y, 0.5, 9, 1)-script.Noise(x, y, 0.5, 9, 1)), 0.05)
	}
	assert.Less(t, lo, 0.2)
	assert.Greater(t, hi, 0.8)
	assert.NotEqual(t, script.Noise(1.5, 1.5, 0, 1, 1), script.Noise(1.5, 1.5, 0, 2, 1), "the seed matters")
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
