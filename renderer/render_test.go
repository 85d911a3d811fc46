package renderer

import (
	"context"
	"errors"
	"image"
	"image/color"
	"math"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// plain returns options with only flat shading, so sampled colours are easy to classify.
func plain(w, h int, v View) Options {
	opt := DefaultOptions()
	opt.Width, opt.Height, opt.View = w, h, v
	opt.Outline, opt.AO, opt.Shadow, opt.Supersample, opt.noAA, opt.noDepthCue = false, false, false, 1, true, true
	return opt
}

// hue names the dominant channels of c: red, green, blue, yellow, cyan, magenta, grey or none.
func hue(c color.NRGBA) string {
	if c.A == 0 {
		return "none"
	}
	m := max(c.R, c.G, c.B)
	if m < 40 {
		return "black"
	}
	hi := func(v uint8) bool { return int(v)*2 > int(m) }
	switch [3]bool{hi(c.R), hi(c.G), hi(c.B)} {
	case [3]bool{true, false, false}:
		return "red"
	case [3]bool{false, true, false}:
		return "green"
	case [3]bool{false, false, true}:
		return "blue"
	case [3]bool{true, true, false}:
		return "yellow"
	case [3]bool{false, true, true}:
		return "cyan"
	case [3]bool{true, false, true}:
		return "magenta"
	}
	return "grey"
}

func render(t *testing.T, snap *voxel.Snapshot, opt Options) *image.NRGBA {
	t.Helper()
	img, err := NewRenderer().Render(context.Background(), snap, opt)
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, opt.Width, opt.Height), img.Rect)
	return img
}

func TestPresets(t *testing.T) {
	assert.Equal(t, []string{"front", "back", "left", "right", "top", "bottom", "isometric"}, PresetNames())
	for _, n := range PresetNames() {
		v, ok := Preset(n)
		assert.True(t, ok)
		assert.Equal(t, n, v.Name)
	}
	iso, ok := Preset("ISO")
	require.True(t, ok)
	assert.Equal(t, 45.0, iso.Yaw)
	assert.InDelta(t, 35.264, iso.Pitch, 1e-3)
	_, ok = Preset("diagonal")
	assert.False(t, ok)
}

// TestOrientation renders a cube whose sides have distinct colours (+X red, -X cyan, +Y green,
// -Y magenta, +Z blue, -Z yellow) and checks which side each preset shows.
func TestOrientation(t *testing.T) {
	snap := sidedCube(8, voxel.Pos{X: 100, Y: -40, Z: 7})
	want := map[string]string{
		"front": "magenta", "back": "green", "left": "cyan", "right": "red", "top": "blue", "bottom": "yellow",
	}
	for name, colour := range want {
		v, _ := Preset(name)
		img := render(t, snap, plain(200, 160, v))
		keep(t, "orientation_"+name, img)
		assert.Equal(t, colour, hue(img.NRGBAAt(100, 80)), "view %s", name)
	}
	// Isometric, front-right-above: +Z on top, -Y (front) lower left, +X (right) lower right.
	iso, _ := Preset("isometric")
	img := render(t, snap, plain(300, 300, iso))
	keep(t, "orientation_isometric", img)
	assert.Equal(t, "blue", hue(img.NRGBAAt(150, 95)), "iso top")
	assert.Equal(t, "magenta", hue(img.NRGBAAt(100, 180)), "iso lower left")
	assert.Equal(t, "red", hue(img.NRGBAAt(200, 180)), "iso lower right")

	// Screen axes: in the front view +X is to the right and +Z up; in the top view +Y is up.
	marks := voxel.New()
	l := marks.Current()
	marks.Set(l, voxel.Pos{}, grey)
	marks.Set(l, voxel.Pos{X: 6}, red)
	marks.Set(l, voxel.Pos{Y: 6}, green)
	marks.Set(l, voxel.Pos{Z: 6}, blue)
	front, _ := Preset("front")
	img = render(t, marks.Snapshot(), plain(200, 200, front))
	keep(t, "axes_front", img)
	assert.Equal(t, "red", hue(img.NRGBAAt(185, 170)), "front: +X at the right")
	assert.Equal(t, "blue", hue(img.NRGBAAt(15, 20)), "front: +Z at the top")
	top, _ := Preset("top")
	img = render(t, marks.Snapshot(), plain(200, 200, top))
	keep(t, "axes_top", img)
	assert.Equal(t, "red", hue(img.NRGBAAt(185, 185)), "top: +X at the right")
	assert.Equal(t, "green", hue(img.NRGBAAt(15, 15)), "top: +Y at the top")
}

// TestFramingIgnoresPosition renders the same model at two places: the pictures must be identical.
func TestFramingIgnoresPosition(t *testing.T) {
	opt := DefaultOptions()
	opt.Width, opt.Height = 160, 120
	a := render(t, sidedCube(6, voxel.Pos{}), opt)
	b := render(t, sidedCube(6, voxel.Pos{X: -1000, Y: 37, Z: -5}), opt)
	assert.Equal(t, a.Pix, b.Pix)
}

func TestZoom(t *testing.T) {
	snap := sidedCube(6, voxel.Pos{})
	opt := plain(120, 120, presets[0])
	opt.Background = color.NRGBA{}
	covered := func(img *image.NRGBA) int {
		n := 0
		for i := 3; i < len(img.Pix); i += 4 {
			if img.Pix[i] != 0 {
				n++
			}
		}
		return n
	}
	fit := covered(render(t, snap, opt))
	opt.Zoom = 0.5
	half := covered(render(t, snap, opt))
	assert.InDelta(t, fit/4, half, float64(fit)/20, "zoom 0.5 covers a quarter of the pixels")
	opt.Zoom = 2
	assert.Equal(t, 120*120, covered(render(t, snap, opt)), "zoom 2 on a front view fills the frame")
}

func TestRedTopFace(t *testing.T) {
	s := voxel.New()
	for x := range 5 {
		for y := range 5 {
			for z := range 3 {
				s.Set(s.Current(), voxel.Pos{X: x, Y: y, Z: z}, color.NRGBA{0xff, 0, 0, 0xff})
			}
		}
	}
	top, _ := Preset("top")
	opt := DefaultOptions()
	opt.Width, opt.Height, opt.View = 100, 100, top
	img := render(t, s.Snapshot(), opt)
	c := img.NRGBAAt(50, 50)
	assert.GreaterOrEqual(t, c.R, uint8(200), "lit top face of #FF0000 reads red: %v", c)
	assert.LessOrEqual(t, c.G, uint8(30))
	assert.LessOrEqual(t, c.B, uint8(30))
}

func TestTransparentBackground(t *testing.T) {
	snap := referenceScene()
	for _, ss := range []int{1, 2} {
		opt := DefaultOptions()
		opt.Width, opt.Height = 200, 150
		opt.Background = color.NRGBA{}
		opt.Supersample = ss
		img := render(t, snap, opt)
		keep(t, "transparent", img)
		for _, p := range []image.Point{{0, 0}, {199, 0}, {0, 149}, {199, 149}} {
			assert.Equal(t, color.NRGBA{}, img.NRGBAAt(p.X, p.Y), "corner %v", p)
		}
		painted, partial := 0, 0
		for i := 0; i < len(img.Pix); i += 4 {
			a := img.Pix[i+3]
			if a == 0 {
				require.Equal(t, []uint8{0, 0, 0, 0}, img.Pix[i:i+4], "transparent pixels are 0,0,0,0")
				continue
			}
			painted++
			if a != 255 {
				partial++
			}
		}
		assert.Greater(t, painted, 1000)
		// Only the anti-aliased silhouette is partly transparent.
		assert.Greater(t, partial, 50)
		assert.Less(t, partial, painted/5)
	}
}

func TestSizeLimits(t *testing.T) {
	snap := sidedCube(4, voxel.Pos{})
	for _, c := range []struct{ w, h, max int }{{0, 10, 0}, {10, -1, 0}, {8193, 10, 0}, {10, 1 << 30, 0}, {101, 50, 100}} {
		opt := DefaultOptions()
		opt.Width, opt.Height, opt.MaxSize = c.w, c.h, c.max
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		img, err := Render(context.Background(), snap, opt)
		runtime.ReadMemStats(&after)
		require.Error(t, err)
		assert.Nil(t, img)
		assert.True(t, errors.Is(err, ErrSize), "%v", err)
		assert.Contains(t, err.Error(), "width and height must be from 1 to")
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<10), "refused before allocating")
	}
	opt := DefaultOptions()
	opt.Width, opt.Height, opt.MaxSize = 100, 50, 100
	_, err := Render(context.Background(), snap, opt)
	assert.NoError(t, err)
	for _, bad := range []func(*Options){
		func(o *Options) { o.Zoom = -1 },
		func(o *Options) { o.Supersample = 3 },
		func(o *Options) { o.View.Yaw = math.NaN() },
	} {
		opt := DefaultOptions()
		bad(&opt)
		_, err := Render(context.Background(), snap, opt)
		assert.Error(t, err)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	img, err := Render(ctx, referenceScene(), DefaultOptions())
	assert.Nil(t, img)
	assert.ErrorIs(t, err, context.Canceled)
	opt := DefaultOptions()
	opt.Views = []View{presets[0], presets[4]}
	_, err = Render(ctx, referenceScene(), opt)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestEmptyScene(t *testing.T) {
	empty := voxel.New().Snapshot()
	opt := DefaultOptions()
	opt.Width, opt.Height = 64, 48
	img := render(t, empty, opt)
	bg := opt.Background
	for y := range 48 {
		for x := range 64 {
			require.Equal(t, bg, img.NRGBAAt(x, y))
		}
	}
	opt.Width, opt.Height = 400, 300
	opt.Views = []View{presets[6], presets[0]}
	img = render(t, empty, opt)
	keep(t, "empty_sheet", img)
	inked := 0
	for y := range 300 {
		for x := range 400 {
			if img.NRGBAAt(x, y) != bg {
				inked++
			}
		}
	}
	assert.Greater(t, inked, 200, "labels and caption are drawn")
	_, err := Render(context.Background(), nil, opt)
	assert.NoError(t, err)
}

func TestDeterministicAcrossWorkers(t *testing.T) {
	snap := referenceScene()
	opt := DefaultOptions()
	opt.Width, opt.Height = 320, 240
	opt.Views = []View{presets[6], {Name: "custom", Yaw: 20, Pitch: 25}}
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	var first []uint8
	for _, n := range []int{1, 2, 5} {
		runtime.GOMAXPROCS(n)
		img := render(t, snap, opt)
		if first == nil {
			first = img.Pix
			continue
		}
		assert.Equal(t, first, img.Pix, "GOMAXPROCS %d", n)
	}
}

func TestCache(t *testing.T) {
	r := NewRenderer()
	ctx := context.Background()
	opt := DefaultOptions()
	opt.Width, opt.Height = 40, 30
	snaps := make([]*voxel.Snapshot, 6)
	for i := range snaps {
		snaps[i] = sidedCube(3+i, voxel.Pos{})
	}
	_, err := r.Render(ctx, snaps[0], opt)
	require.NoError(t, err)
	m := r.entries[0].m
	opt.View, _ = Preset("top")
	_, err = r.Render(ctx, snaps[0], opt)
	require.NoError(t, err)
	require.Len(t, r.entries, 1)
	assert.Same(t, m, r.entries[0].m, "a second view reuses the prepared model")
	for _, s := range snaps[1:] {
		_, err := r.Render(ctx, s, opt)
		require.NoError(t, err)
	}
	assert.Len(t, r.entries, cacheScenes)
	r.Forget()
	assert.Empty(t, r.entries, "Forget drops every prepared scene")
	_, err = r.Render(ctx, snaps[0], opt)
	require.NoError(t, err)
	assert.Len(t, r.entries, 1)
}

func TestConcurrentRenders(t *testing.T) {
	r := NewRenderer()
	snaps := []*voxel.Snapshot{referenceScene(), sidedCube(5, voxel.Pos{})}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			opt := DefaultOptions()
			opt.Width, opt.Height = 96, 64
			opt.View = presets[i%len(presets)]
			_, err := r.Render(context.Background(), snaps[i%2], opt)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
}

func TestDirectionShades(t *testing.T) {
	// Linear light, +X, -X, +Y, -Y, +Z, -Z: the sunlit top is 1 (never more: no clipping), the front
	// (-Y) and left (-X) get the sun, right, back and bottom only sky and fill.
	want := [6]float64{0.40, 0.55, 0.36, 0.74, 1, 0.21}
	for dir, w := range want {
		assert.InDelta(t, w, float64(dirShade[dir])/shadeOne, 0.01, "direction %d", dir)
	}
}

// TestExtremes renders degenerate and far-flung scenes at extreme zoom without failing.
func TestExtremes(t *testing.T) {
	one := voxel.New()
	one.Set(one.Current(), voxel.Pos{X: -7, Y: 3, Z: 1 << 20}, red)
	far := voxel.New()
	far.Set(far.Current(), voxel.Pos{X: -200000, Y: 5, Z: 0}, green)
	far.Set(far.Current(), voxel.Pos{X: 200000, Y: -70000, Z: 90000}, blue)
	for _, c := range []struct {
		name string
		snap *voxel.Snapshot
		zoom float64
		w, h int
	}{
		{"one voxel", one.Snapshot(), 0, 64, 48},
		{"one voxel zoomed", one.Snapshot(), maxZoom, 2000, 1},
		{"far apart", far.Snapshot(), 0, 300, 200},
		{"far apart zoomed", far.Snapshot(), maxZoom, 1, 2000},
	} {
		for _, v := range []View{presets[6], {Yaw: 13, Pitch: -71}, presets[4]} {
			opt := DefaultOptions()
			opt.Width, opt.Height, opt.Zoom, opt.View, opt.Grid = c.w, c.h, c.zoom, v, true
			_, err := Render(context.Background(), c.snap, opt)
			require.NoError(t, err, c.name)
		}
	}
	// A single voxel seen from the front fills the middle of the frame with its front colour.
	opt := plain(50, 50, presets[0])
	img := render(t, one.Snapshot(), opt)
	assert.Equal(t, "red", hue(img.NRGBAAt(25, 25)))
}

func TestShadeLUTCoversEveryShade(t *testing.T) {
	require.Less(t, int(maxShade>>3), len(shadeLUT{}))
}

func TestPanelLabels(t *testing.T) {
	iso, _ := Preset("isometric")
	assert.Equal(t, "ISO", panelLabel(iso))
	assert.Equal(t, "FRONT", panelLabel(presets[0]))
	assert.Equal(t, "YAW 30° PITCH -10°", panelLabel(View{Name: "custom", Yaw: 30, Pitch: -10}))
	assert.Equal(t, "YAW 30° PITCH 0°", panelLabel(View{Yaw: 30}))
	assert.Equal(t, "DETAIL", panelLabel(View{Name: "detail", Yaw: 30}))
	assert.Equal(t, "20 × 21 × 20 voxels (X × Y × Z), 1,234,567 voxels in all",
		caption(&model{box: voxel.Box{Max: voxel.Pos{X: 19, Y: 20, Z: 19}}, size: voxel.Pos{X: 20, Y: 21, Z: 20}, count: 1234567}, nil))
	// With hidden layers the caption counts what is drawn and names the rest.
	assert.Equal(t, "20 × 21 × 20 voxels (X × Y × Z), 1,272 voxels drawn; 8,947 more on 7 hidden layers",
		caption(&model{box: voxel.Box{Max: voxel.Pos{X: 19, Y: 20, Z: 19}}, size: voxel.Pos{X: 20, Y: 21, Z: 20}, count: 1272}, &Options{HiddenVoxels: 8947, HiddenLayers: 7}))
	assert.Equal(t, "empty scene: 0 voxels drawn; 5 more on 1 hidden layer",
		caption(&model{box: voxel.EmptyBox}, &Options{HiddenVoxels: 5, HiddenLayers: 1}))
}

// TestSingleViewSheet: one view in Views gives one labelled panel with a caption, unlike View alone.
func TestSingleViewSheet(t *testing.T) {
	snap := sidedCube(5, voxel.Pos{})
	opt := DefaultOptions()
	opt.Width, opt.Height = 240, 200
	plainImg := render(t, snap, opt)
	opt.Views = []View{presets[6]}
	sheet := render(t, snap, opt)
	keep(t, "single_view_sheet", sheet)
	differ := 0
	for y := range 200 {
		for x := range 240 {
			if plainImg.NRGBAAt(x, y) != sheet.NRGBAAt(x, y) {
				differ++
			}
		}
	}
	assert.Greater(t, differ, 500, "label, gizmo and caption drawn")
	// The caption strip at the bottom carries text.
	bg := opt.Background
	inked := 0
	for y := 185; y < 200; y++ {
		for x := range 240 {
			if sheet.NRGBAAt(x, y) != bg {
				inked++
			}
		}
	}
	assert.Greater(t, inked, 50, "caption text")
}

// TestReleasedFrames renders with frames handed back by Release, filled with garbage first, and checks
// that every kind of render clears them: the output must equal a render into a fresh frame. Sizes
// above 300×300 draw straight into the frame; 120×90 is supersampled through a buffer of its own.
func TestReleasedFrames(t *testing.T) {
	snap := referenceScene()
	empty := voxel.New().Snapshot()
	transparent := DefaultOptions()
	transparent.Background = color.NRGBA{}
	type variant struct {
		name string
		snap *voxel.Snapshot
		opt  Options
	}
	var variants []variant
	for _, base := range []struct {
		name string
		opt  Options
	}{{"opaque", DefaultOptions()}, {"transparent", transparent}} {
		for _, v := range []struct {
			name string
			snap *voxel.Snapshot
			edit func(*Options)
		}{
			{"panel", snap, func(o *Options) { o.Width, o.Height = 400, 300 }},
			{"supersampled", snap, func(o *Options) { o.Width, o.Height = 120, 90 }},
			{"grid", snap, func(o *Options) { o.Width, o.Height, o.Grid = 400, 300, true }},
			{"sheet", snap, func(o *Options) { o.Width, o.Height, o.Views = 400, 300, []View{presets[0], presets[6]} }},
			{"empty", empty, func(o *Options) { o.Width, o.Height = 400, 300 }},
		} {
			opt := base.opt
			v.edit(&opt)
			variants = append(variants, variant{base.name + "/" + v.name, v.snap, opt})
		}
	}
	r := NewRenderer()
	garbage := func() {
		for range 4 {
			img := image.NewNRGBA(image.Rect(0, 0, 400, 400))
			for i := range img.Pix {
				img.Pix[i] = byte(i*7 + 3)
			}
			Release(img)
		}
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			want, err := r.Render(context.Background(), v.snap, v.opt)
			require.NoError(t, err)
			want = &image.NRGBA{Pix: append([]byte(nil), want.Pix...), Stride: want.Stride, Rect: want.Rect}
			garbage()
			got, err := r.Render(context.Background(), v.snap, v.opt)
			require.NoError(t, err)
			require.Equal(t, want.Pix, got.Pix)
			Release(got)
		})
	}
}
