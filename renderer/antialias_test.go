package renderer

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// TestSilhouettesAntialiased: a 1920×1080 render (and the other sizes users ask for) has intermediate
// colours along its silhouettes: colours that a render without anti-aliasing never has, next to the
// background, and spread along the whole outline rather than in one spot.
func TestSilhouettesAntialiased(t *testing.T) {
	for _, c := range []struct {
		name string
		snap *voxel.Snapshot
		w, h int
	}{
		{"reference", referenceScene(), 1920, 1080},
		{"stairs", stairs(), 1920, 1080},
		{"stairs", stairs(), 801, 601},
		{"cube", sidedCube(6, voxel.Pos{}), 3840, 2160},
	} {
		opt := DefaultOptions()
		opt.Width, opt.Height = c.w, c.h
		opt.noAA = true
		hard := render(t, c.snap, opt)
		opt.noAA = false
		soft := render(t, c.snap, opt)
		keep(t, "aa_"+c.name, soft)
		plain := map[uint32]bool{}
		for _, p := range pixels(hard.Pix) {
			plain[p] = true
		}
		bg := packNRGBA(opt.Background)
		sp := pixels(soft.Pix)
		blended, rows := 0, map[int]bool{}
		for y := 1; y < c.h-1; y++ {
			for x := 1; x < c.w-1; x++ {
				p := sp[y*c.w+x]
				if plain[p] {
					continue
				}
				nearBg := false
				for _, q := range []uint32{sp[y*c.w+x-1], sp[y*c.w+x+1], sp[(y-1)*c.w+x], sp[(y+1)*c.w+x]} {
					nearBg = nearBg || q == bg || !plain[q]
				}
				if nearBg {
					blended++
					rows[y*10/c.h] = true
				}
			}
		}
		t.Logf("%s %dx%d: %d blended silhouette pixels", c.name, c.w, c.h, blended)
		assert.Greater(t, blended, 500, "%s %dx%d: intermediate colours along the silhouette", c.name, c.w, c.h)
		assert.GreaterOrEqual(t, len(rows), 6, "%s: blends all along the outline (tenths of the height)", c.name)
	}
}
