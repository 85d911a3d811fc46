package renderer

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/pngx"
	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// checkIndexed fails unless ix describes img exactly, as pngx.Options.Indexed requires: strips from
// row 0 in order, palettes of at most 256 colours without repeats, and every pixel the colour its
// index names.
func checkIndexed(t *testing.T, img *image.NRGBA, ix *pngx.Indexed) {
	t.Helper()
	w, h := img.Rect.Dx(), img.Rect.Dy()
	require.NotEmpty(t, ix.Start)
	require.Equal(t, 0, ix.Start[0])
	for i, y0 := range ix.Start {
		y1 := h
		if i+1 < len(ix.Start) {
			y1 = ix.Start[i+1]
		}
		require.Less(t, y0, y1)
		pal := ix.Palettes[i]
		require.LessOrEqual(t, len(pal), 256)
		seen := map[uint32]bool{}
		for _, c := range pal {
			require.False(t, seen[c], "strip %d: colour %08x twice", i, c)
			seen[c] = true
		}
		require.Len(t, ix.Idx[i], (y1-y0)*w)
		for y := y0; y < y1; y++ {
			for x := range w {
				k := int(ix.Idx[i][(y-y0)*w+x])
				if k >= len(pal) {
					t.Fatalf("strip %d pixel (%d,%d): index %d of %d colours", i, x, y, k, len(pal))
				}
				p := img.Pix[y*img.Stride+4*x:]
				got := uint32(p[0]) | uint32(p[1])<<8 | uint32(p[2])<<16 | uint32(p[3])<<24
				if pal[k] != got {
					t.Fatalf("strip %d pixel (%d,%d) is %08x, its index names %08x", i, x, y, got, pal[k])
				}
			}
		}
	}
}

// TestRenderIndexed: the colours the anti-aliasing pass hands the PNG encoder are the frame's, for
// the looks and sizes users ask for, and the PNG made with them decodes to the frame.
func TestRenderIndexed(t *testing.T) {
	scenes := map[string]*voxel.Snapshot{"reference": referenceScene(), "white": oneColour(color.NRGBA{250, 250, 250, 255})}
	for _, f := range []string{"monu10.vox", "chr_knight.vox"} {
		if _, ok := testmodels.Lookup("magicavoxel/" + f); ok {
			scenes[f] = loadModel(t, "magicavoxel/"+f)
		}
	}
	r := NewRenderer()
	ctx := context.Background()
	for name, snap := range scenes {
		sizes := [][2]int{{301, 301}, {400, 400}, {700, 130}}
		if name == "reference" {
			sizes = append(sizes, [2]int{1920, 1080})
		}
		for _, sz := range sizes {
			for v, mod := range []func(*Options){
				func(o *Options) {},
				func(o *Options) { o.Background = color.NRGBA{} },
				func(o *Options) { o.Grid = true },
				func(o *Options) { o.View = View{Name: "front"} },
				func(o *Options) { o.Background = color.NRGBA{10, 20, 30, 255} },
			} {
				t.Run(fmt.Sprintf("%s/%dx%d/%d", name, sz[0], sz[1], v), func(t *testing.T) {
					opt := DefaultOptions()
					opt.Width, opt.Height = sz[0], sz[1]
					mod(&opt)
					img, ix, err := r.RenderIndexed(ctx, snap, opt)
					require.NoError(t, err)
					defer Release(img)
					defer ReleaseIndexed(ix)
					if name == "reference" || name == "white" {
						require.NotNil(t, ix, "a render of a few colours is described")
					}
					if ix == nil {
						return // more than 256 colours: nothing to check
					}
					checkIndexed(t, img, ix)
					want, err := r.Render(ctx, snap, opt)
					require.NoError(t, err)
					defer Release(want)
					assert.Equal(t, want.Pix, img.Pix, "the same pixels as Render")
					var buf bytes.Buffer
					require.NoError(t, pngx.Encode(&buf, img, &pngx.Options{Indexed: ix}))
					dec, err := png.Decode(&buf)
					require.NoError(t, err)
					pd, paletted := dec.(*image.Paletted)
					require.True(t, paletted)
					pal := make([]color.NRGBA, len(pd.Palette))
					for i, c := range pd.Palette {
						pal[i] = color.NRGBAModel.Convert(c).(color.NRGBA)
					}
					for y := range sz[1] {
						for x := range sz[0] {
							want := img.NRGBAAt(x, y)
							if got := pal[pd.Pix[y*pd.Stride+x]]; got != want && (want.A != 0 || got.A != 0) {
								t.Fatalf("PNG pixel (%d,%d) is %v, the frame's %v", x, y, got, want)
							}
						}
					}
				})
			}
		}
	}
	// No description where the pass does not see the final frame, or sees too many colours.
	for name, mod := range map[string]func(*Options){
		"supersampled":  func(o *Options) { o.Width, o.Height = 200, 200 },
		"contact sheet": func(o *Options) { o.Views = []View{{Name: "front"}, {Name: "top"}} },
	} {
		opt := DefaultOptions()
		opt.Width, opt.Height = 400, 400
		mod(&opt)
		img, ix, err := r.RenderIndexed(ctx, referenceScene(), opt)
		require.NoError(t, err)
		assert.Nil(t, ix, name)
		Release(img)
	}
}

// oneColour is a stepped pyramid with a hole through it, all in c: a one-colour scan.
func oneColour(c color.NRGBA) *voxel.Snapshot {
	s := voxel.New()
	l := s.Current()
	for z := range 12 {
		for y := z; y < 24-z; y++ {
			for x := z; x < 24-z; x++ {
				if x < 10 || x > 13 || z > 4 {
					s.Set(l, voxel.Pos{X: x, Y: y, Z: z}, c)
				}
			}
		}
	}
	return s.Snapshot()
}
