package renderer

import (
	"image"
	"image/color"
	"math"
	"sort"
	"sync"

	"github.com/fogleman/gg"
	"github.com/golang/freetype/truetype"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
)

// Overlays (grid, labels, axis gizmo, captions) are drawn with gg. gg anti-aliases each shape on its
// own and costs O(canvas height) per fill, which is fine for a few dozen shapes but not for faces.

var (
	fontOnce sync.Once
	fontTTF  *truetype.Font
)

// fontFace returns Go Bold at size px. The font is embedded (golang.org/x/image/font/gofont), so no file
// is read.
func fontFace(size float64) font.Face {
	fontOnce.Do(func() {
		f, err := truetype.Parse(gobold.TTF)
		if err != nil {
			panic("renderer: embedded Go font does not parse: " + err.Error())
		}
		fontTTF = f
	})
	return truetype.NewFace(fontTTF, &truetype.Options{Size: size, Hinting: font.HintingFull})
}

// rgbaView shares img's pixels as an *image.RGBA for gg. The frame holds straight alpha, but its pixels
// are either opaque or 0,0,0,0, where straight and premultiplied agree; unpremultiply repairs the
// partial-alpha pixels gg leaves on a transparent background.
func rgbaView(img *image.NRGBA) *image.RGBA {
	return &image.RGBA{Pix: img.Pix, Stride: img.Stride, Rect: img.Rect}
}

// inkFor returns a text or line colour that reads on bg.
func inkFor(bg color.NRGBA, alpha uint8) color.NRGBA {
	if bg.A == 0 || int(bg.R)*299+int(bg.G)*587+int(bg.B)*114 > 128*1000 {
		return color.NRGBA{40, 42, 48, alpha}
	}
	return color.NRGBA{230, 232, 236, alpha}
}

func setColour(dc *gg.Context, c color.NRGBA) {
	dc.SetRGBA255(int(c.R), int(c.G), int(c.B), int(c.A))
}

// drawGrid draws a ground grid (the plane under the model) into buf, which holds one panel at ss×.
func drawGrid(buf *image.RGBA, proj *projection, m *model, ss int, bg color.NRGBA) {
	dc := gg.NewContextForRGBA(buf)
	ox, oy := float64(buf.Rect.Min.X), float64(buf.Rect.Min.Y)
	// A line every step voxels, with steps at least 8 output pixels apart.
	step := 1
	for float64(step)*proj.scale/float64(ss) < 8 && step < 1<<20 {
		step *= 2
	}
	sz := m.size
	ext := max(sz.X, sz.Y)/4 + step
	x0, x1 := floorTo(-ext, step), floorTo(sz.X+ext+step-1, step)
	y0, y1 := floorTo(-ext, step), floorTo(sz.Y+ext+step-1, step)
	pt := func(x, y int) (float64, float64) {
		px, py := proj.point(int64(x), int64(y), 0)
		return ox + float64(px)/(1<<subBits), oy + float64(py)/(1<<subBits)
	}
	setColour(dc, inkFor(bg, 70))
	dc.SetLineWidth(float64(ss))
	// Lines are clipped to the panel first: gg's rasteriser walks a line's whole length, however far
	// outside the image it runs.
	clip := [4]float64{ox - 2, oy - 2, ox + float64(buf.Rect.Dx()) + 2, oy + float64(buf.Rect.Dy()) + 2}
	line := func(ax, ay, bx, by float64) {
		if ax, ay, bx, by, ok := clipLine(ax, ay, bx, by, clip); ok {
			dc.DrawLine(ax, ay, bx, by)
		}
	}
	for x := x0; x <= x1; x += step {
		ax, ay := pt(x, y0)
		bx, by := pt(x, y1)
		line(ax, ay, bx, by)
	}
	for y := y0; y <= y1; y += step {
		ax, ay := pt(x0, y)
		bx, by := pt(x1, y)
		line(ax, ay, bx, by)
	}
	dc.Stroke()
}

// clipLine clips the segment a-b to the rectangle r (minX, minY, maxX, maxY), Liang-Barsky style.
func clipLine(ax, ay, bx, by float64, r [4]float64) (float64, float64, float64, float64, bool) {
	t0, t1 := 0.0, 1.0
	dx, dy := bx-ax, by-ay
	for _, c := range [4][2]float64{{-dx, ax - r[0]}, {dx, r[2] - ax}, {-dy, ay - r[1]}, {dy, r[3] - ay}} {
		p, q := c[0], c[1]
		if p == 0 {
			if q < 0 {
				return 0, 0, 0, 0, false
			}
			continue
		}
		t := q / p
		if p < 0 {
			t0 = math.Max(t0, t)
		} else {
			t1 = math.Min(t1, t)
		}
		if t0 > t1 {
			return 0, 0, 0, 0, false
		}
	}
	return ax + t0*dx, ay + t0*dy, ax + t1*dx, ay + t1*dy, true
}

func floorTo(v, step int) int {
	if v >= 0 {
		return v / step * step
	}
	return -((-v + step - 1) / step * step)
}

// gizmoColours are the axis colours: X red, Y green, Z blue.
var gizmoColours = [3]color.NRGBA{{225, 45, 45, 255}, {30, 165, 60, 255}, {45, 95, 235, 255}}

// drawGizmo draws the X, Y and Z axes as seen from cam, laid out by g.
func drawGizmo(dc *gg.Context, cam camera, g gizmoLayout) {
	type axisDraw struct {
		i      int
		x, y   float64
		depth  float64
		length float64
	}
	var axes []axisDraw
	for i := range 3 {
		var u [3]float64
		u[i] = 1
		x, y := cam.screen(u)
		axes = append(axes, axisDraw{i, x, y, cam.fwd[i], math.Hypot(x, y)})
	}
	// Far axes first so near ones draw over them.
	sort.SliceStable(axes, func(a, b int) bool { return axes[a].depth > axes[b].depth })
	face := fontFace(g.fontSize)
	dc.SetFontFace(face)
	dc.SetLineCap(gg.LineCapRound)
	dc.SetLineWidth(math.Max(1.5, g.axis/12))
	l := g.axis
	reach := l + 0.25*g.fontSize + 0.5*g.fontSize // letter centres
	for _, a := range axes {
		setColour(dc, gizmoColours[a.i])
		dx, dy := a.x, a.y
		if a.length < 0.05 {
			// Pointing at or away from the camera: a dot, its letter up and to the right.
			dc.DrawCircle(g.cx, g.cy, math.Max(2, l/8))
			dc.Fill()
			dx, dy = 0.5, -0.5
		} else {
			dc.DrawLine(g.cx, g.cy, g.cx+a.x*l, g.cy+a.y*l)
			dc.Stroke()
			dx, dy = dx/a.length*math.Min(1, a.length+0.35), dy/a.length*math.Min(1, a.length+0.35)
		}
		name := string(rune('X' + a.i))
		ink := measureText(face, name)
		tx, ty := g.cx+dx*reach, g.cy+dy*reach
		dc.DrawString(name, math.Round(tx-ink.w/2), math.Round(ty+(ink.ascent-ink.descent)/2))
	}
}

// isGridInk reports whether c is the background bg mixed with up to the grid's share of ink (what gg
// leaves on grid lines), so that anti-aliasing treats grid lines as background.
func isGridInk(c, bg, ink uint32) bool {
	if c>>24 != bg>>24 {
		return false
	}
	lo, hi := -1.0, 2.0
	for sh := uint32(0); sh < 24; sh += 8 {
		b, i, v := float64(bg>>sh&0xff), float64(ink>>sh&0xff), float64(c>>sh&0xff)
		if math.Abs(i-b) < 8 {
			if math.Abs(v-b) > 3 {
				return false
			}
			continue
		}
		k := (v - b) / (i - b)
		lo, hi = math.Max(lo, k-0.03), math.Min(hi, k+0.03)
	}
	return lo <= hi && hi >= 0 && lo <= 0.3
}
