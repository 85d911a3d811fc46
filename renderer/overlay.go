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
	for x := x0; x <= x1; x += step {
		ax, ay := pt(x, y0)
		bx, by := pt(x, y1)
		dc.DrawLine(ax, ay, bx, by)
	}
	for y := y0; y <= y1; y += step {
		ax, ay := pt(x0, y)
		bx, by := pt(x1, y)
		dc.DrawLine(ax, ay, bx, by)
	}
	dc.Stroke()
}

func floorTo(v, step int) int {
	if v >= 0 {
		return v / step * step
	}
	return -((-v + step - 1) / step * step)
}

// gizmoColours are the axis colours: X red, Y green, Z blue.
var gizmoColours = [3]color.NRGBA{{225, 45, 45, 255}, {30, 165, 60, 255}, {45, 95, 235, 255}}

// drawGizmo draws the X, Y and Z axes as seen from cam in the lower left corner of rect.
func drawGizmo(dc *gg.Context, cam camera, rect image.Rectangle, fontSize float64) {
	l := math.Max(12, math.Min(60, 0.08*float64(min(rect.Dx(), rect.Dy()))))
	cx := float64(rect.Min.X) + l*0.5 + fontSize*0.8
	cy := float64(rect.Max.Y) - l*0.5 - fontSize*0.8
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
	dc.SetFontFace(fontFace(math.Max(8, fontSize*0.75)))
	dc.SetLineCap(gg.LineCapRound)
	dc.SetLineWidth(math.Max(1.5, l/14))
	for _, a := range axes {
		setColour(dc, gizmoColours[a.i])
		ex, ey := cx+a.x*l, cy+a.y*l
		if a.length < 0.05 {
			// Pointing at or away from the camera: a dot.
			dc.DrawCircle(cx, cy, math.Max(2, l/8))
			dc.Fill()
		} else {
			dc.DrawLine(cx, cy, ex, ey)
			dc.Stroke()
		}
		name := string(rune('X' + a.i))
		tx, ty := cx+a.x*(l+fontSize*0.55), cy+a.y*(l+fontSize*0.55)
		if a.length < 0.05 {
			tx, ty = cx+fontSize*0.6, cy-fontSize*0.6
		}
		dc.DrawStringAnchored(name, tx, ty, 0.5, 0.35)
	}
}
