package renderer

import (
	"fmt"
	"image"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSilhouetteMaskCoversModel: every pixel a single view draws of the model lies on a set cell
// of the view's silhouette mask (the mask may be larger, never smaller), and the mask is not just
// the silhouette's box: some cells are clear on a model that does not fill its box.
func TestSilhouetteMaskCoversModel(t *testing.T) {
	views := append(append([]View(nil), presets...), View{Name: "custom", Yaw: 200, Pitch: -30})
	for name, snap := range framingModels(t) {
		m, err := NewRenderer().model(snap)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range views {
			what := fmt.Sprintf("%s %s", name, v.Name)
			opt := DefaultOptions()
			opt.Width, opt.Height, opt.View, opt.Shadow = 320, 240, v, false
			img := render(t, snap, opt)
			bg := img.NRGBAAt(0, 0)
			cam := newCamera(v)
			sil := m.silhouette(cam)
			mask := m.silhouetteMask(cam, sil)
			frame := image.Rect(0, 0, opt.Width, opt.Height)
			sc := fitScale(sil, frame)
			cx, cy := (sil.minX+sil.maxX)/2, (sil.minY+sil.maxY)/2
			missed := 0
			for y := range opt.Height {
				for x := range opt.Width {
					if img.NRGBAAt(x, y) == bg {
						continue
					}
					// The pixel's square, in unit-scale screen coordinates.
					ux0, uy0 := (float64(x)-float64(opt.Width)/2)/sc+cx, (float64(y)-float64(opt.Height)/2)/sc+cy
					if !mask.any(ux0, uy0, ux0+1/sc, uy0+1/sc) {
						missed++
					}
				}
			}
			assert.Zero(t, missed, "%s: model pixels on clear cells", what)
			if name == "stairs" && v.Name == "front" {
				assert.False(t, mask.any(sil.maxX-0.1*(sil.maxX-sil.minX), sil.minY, sil.maxX, sil.minY+0.1*(sil.maxY-sil.minY)),
					"%s: the empty corner above the low end of the stairs is clear", what)
			}
		}
	}
}
