package renderer

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// randomModel is a model no test has seen before: random boxes of random colours around a random
// centre (seeded, so a failure can be replayed).
func randomModel(seed uint64) *voxel.Snapshot {
	r := rand.New(rand.NewPCG(seed, 17))
	s := voxel.New()
	l := s.Current()
	o := voxel.Pos{X: r.IntN(2000) - 1000, Y: r.IntN(2000) - 1000, Z: r.IntN(200) - 100}
	for range 1 + r.IntN(6) {
		c := color.NRGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
		p := voxel.Pos{X: o.X + r.IntN(40), Y: o.Y + r.IntN(40), Z: o.Z + r.IntN(40)}
		d := voxel.Pos{X: 1 + r.IntN(30), Y: 1 + r.IntN(30), Z: 1 + r.IntN(30)}
		s.FillBox(l, voxel.Box{Min: p, Max: p.Add(d)}, c)
	}
	return s.Snapshot()
}

// pillar is a tall thin model: the worst case for panels that are wide.
func pillar() *voxel.Snapshot {
	s := voxel.New()
	s.FillBox(s.Current(), voxel.Box{Max: voxel.Pos{X: 1, Y: 1, Z: 40}}, grey)
	return s.Snapshot()
}

// framingModels are generated models plus the shared samples when present.
func framingModels(t *testing.T) map[string]*voxel.Snapshot {
	models := map[string]*voxel.Snapshot{
		"cube":      sidedCube(6, voxel.Pos{X: 3, Y: -2, Z: 1}),
		"stairs":    stairs(),
		"reference": referenceScene(),
		"pillar":    pillar(),
		"one voxel": farScene(voxel.Pos{}),
	}
	for i := range 4 {
		models[fmt.Sprintf("random %d", i)] = randomModel(uint64(i))
	}
	for _, name := range []string{"magicavoxel/chr_knight.vox", "magicavoxel/monu10.vox", "magicavoxel/teapot.vox", "magicavoxel/maze2D.vox"} {
		if _, ok := testmodels.Lookup(name); ok {
			models[name] = loadModel(t, name)
		}
	}
	return models
}

var framingBg = color.NRGBA{0xe8, 0xe8, 0xec, 0xff}

// modelMask marks the pixels of img that are not the background.
func modelMask(img *image.NRGBA, bg color.NRGBA) []bool {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	m := make([]bool, w*h)
	for y := range h {
		for x := range w {
			m[y*w+x] = img.NRGBAAt(x, y) != bg
		}
	}
	return m
}

// checkFill asserts that the mask's pixels inside r fill ≥ 88 % of r's limiting dimension, centred,
// and returns the fill.
func checkFill(t *testing.T, mask []bool, w int, r image.Rectangle, what string) float64 {
	t.Helper()
	x0, y0, x1, y1 := r.Max.X, r.Max.Y, r.Min.X-1, r.Min.Y-1
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if mask[y*w+x] {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
		}
	}
	if !assert.GreaterOrEqual(t, x1, x0, "%s: nothing drawn", what) {
		return 0
	}
	fw, fh := float64(x1-x0+1)/float64(r.Dx()), float64(y1-y0+1)/float64(r.Dy())
	fill := max(fw, fh)
	assert.GreaterOrEqual(t, fill, 0.88, "%s: the silhouette fills %.0f%% × %.0f%% of %v", what, 100*fw, 100*fh, r)
	// Centred within a pixel or two.
	assert.InDelta(t, float64(r.Min.X+r.Max.X-1)/2, float64(x0+x1)/2, 2, "%s: centred horizontally", what)
	assert.InDelta(t, float64(r.Min.Y+r.Max.Y-1)/2, float64(y0+y1)/2, 2, "%s: centred vertically", what)
	return fill
}

// TestFramingFillsTheFrame: a single view's silhouette fills ≥ 88 % of the limiting dimension, centred,
// for every preset and a custom view, on generated and sample models.
func TestFramingFillsTheFrame(t *testing.T) {
	views := append(append([]View(nil), presets...), View{Name: "custom", Yaw: 20, Pitch: 25})
	for name, snap := range framingModels(t) {
		for _, size := range [][2]int{{400, 400}, {800, 450}, {300, 700}} {
			for _, v := range views {
				opt := DefaultOptions()
				opt.Width, opt.Height, opt.View, opt.Shadow = size[0], size[1], v, false
				img := render(t, snap, opt)
				checkFill(t, modelMask(img, img.NRGBAAt(0, 0)), size[0], img.Rect, fmt.Sprintf("%s %v %s", name, size, v.Name))
			}
		}
	}
}

// TestSheetOverlaysInReservedSpace: in contact sheets of several sizes, every panel's silhouette fills
// ≥ 88 % of its model area, and no label, gizmo or caption pixel touches the model, crosses a panel
// border or is clipped.
func TestSheetOverlaysInReservedSpace(t *testing.T) {
	iso := presets[6]
	all := []View{presets[0], presets[3], presets[4], iso, presets[2], presets[1]}
	sheets := []struct {
		w, h  int
		views []View
	}{
		{800, 600, all[:4]},
		{400, 300, []View{presets[0], iso}},
		{1200, 400, all},
		{240, 200, []View{iso}},
		{300, 900, all[:3]},
		{1920, 1080, append(all[:4:4], View{Name: "detail", Yaw: 200, Pitch: 30})},
	}
	corners, wholePanel, panels := 0, 0, 0
	defer func() {
		// Most silhouettes leave a corner free: those panels are framed on the whole panel.
		t.Logf("%d of %d panels framed on the whole panel, the overlays in a free corner; %d fill ≥ 88 %% of the whole panel", corners, panels, wholePanel)
		assert.Greater(t, corners, panels/2, "overlays in a free corner for most panels")
		assert.GreaterOrEqual(t, 10*wholePanel, 9*panels, "at least 90 %% of the panels filled to 88 %% of the whole panel")
	}()
	for name, snap := range framingModels(t) {
		for _, sh := range sheets {
			what := fmt.Sprintf("%s %dx%d", name, sh.w, sh.h)
			opt := DefaultOptions()
			opt.Width, opt.Height, opt.Views, opt.Shadow = sh.w, sh.h, sh.views, false
			opt.noOverlays = true
			bare := render(t, snap, opt)
			opt.noOverlays = false
			full := render(t, snap, opt)
			mask := modelMask(bare, bare.NRGBAAt(0, 0)) // the background may have adapted to the model
			m, err := NewRenderer().model(snap)
			require.NoError(t, err)
			l := layoutSheet(sh.w, sh.h, len(sh.views))
			var layouts []panelLayout
			for i, v := range sh.views {
				cam := newCamera(v)
				sil := m.silhouette(cam)
				p := layoutPanel(l.panels[i], v, sil, m.silhouetteMask(cam, sil), panelFontSize(l, i))
				layouts = append(layouts, p)
				fit := p.fit.Add(p.rect.Min)
				checkFill(t, mask, sh.w, fit, what+" "+v.Name)
				inner := image.Rect(p.rect.Min.X, p.rect.Min.Y, p.rect.Max.X-1, p.rect.Max.Y-1)
				if fit == inner {
					corners++
				}
				if bb := maskBounds(mask, sh.w, inner); max(float64(bb.Dx())/float64(inner.Dx()), float64(bb.Dy())/float64(inner.Dy())) >= 0.88 {
					wholePanel++
				}
				for _, b := range []image.Rectangle{p.labelBox, p.gizmo.box()} {
					assert.True(t, b.In(inner), "%s %s: overlay %v must lie inside the panel %v", what, v.Name, b, inner)
					assert.Zero(t, maskIn(mask, sh.w, b.Inset(-1)), "%s %s: overlay %v must stay off the model", what, v.Name, b)
				}
				panels++
			}
			text, size := captionFor(m, &Options{Width: sh.w}, l.caption.Dy(), l.fontSize)
			assert.Less(t, measureText(fontFace(size), text).w, float64(sh.w), "%s: caption fits", what)
			// Pixel by pixel: what the overlays changed lies in a panel's reserved space or the caption.
			bad, near := 0, 0
			for y := range sh.h {
				for x := range sh.w {
					if full.NRGBAAt(x, y) == bare.NRGBAAt(x, y) {
						continue
					}
					in := image.Pt(x, y).In(l.caption) && y > l.caption.Min.Y
					for _, p := range layouts {
						inner := image.Rect(p.rect.Min.X, p.rect.Min.Y, p.rect.Max.X-1, p.rect.Max.Y-1)
						in = in || image.Pt(x, y).In(inner)
					}
					if !in {
						bad++
					}
					for dy := -1; dy <= 1; dy++ {
						for dx := -1; dx <= 1; dx++ {
							if xx, yy := x+dx, y+dy; xx >= 0 && yy >= 0 && xx < sh.w && yy < sh.h && mask[yy*sh.w+xx] {
								near++
							}
						}
					}
				}
			}
			assert.Zero(t, bad, "%s: overlay pixels on a panel border or outside every panel", what)
			assert.Zero(t, near, "%s: overlay pixels touching the model", what)
		}
	}
}

// maskBounds is the bounding box of the mask's pixels in r.
func maskBounds(mask []bool, w int, r image.Rectangle) image.Rectangle {
	var b image.Rectangle
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if mask[y*w+x] {
				b = b.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return b
}

// maskIn counts the mask's pixels in r.
func maskIn(mask []bool, w int, r image.Rectangle) int {
	n := 0
	for y := max(r.Min.Y, 0); y < min(r.Max.Y, len(mask)/w); y++ {
		for x := max(r.Min.X, 0); x < min(r.Max.X, w); x++ {
			if mask[y*w+x] {
				n++
			}
		}
	}
	return n
}

// TestSheetPanelsClean: overlays are drawn at all (the no-overlay render differs from the full one).
func TestSheetOverlaysDrawn(t *testing.T) {
	opt := DefaultOptions()
	opt.Width, opt.Height, opt.Views = 400, 300, []View{presets[0], presets[6]}
	opt.noOverlays = true
	bare, err := Render(context.Background(), stairs(), opt)
	require.NoError(t, err)
	opt.noOverlays = false
	full, err := Render(context.Background(), stairs(), opt)
	require.NoError(t, err)
	assert.NotEqual(t, bare.Pix, full.Pix)
}
