package renderer

import (
	"context"
	"fmt"
	"image"
	"math"
	"strings"

	"github.com/fogleman/gg"
	"golang.org/x/image/font"
)

// sheetLayout places n panels in a grid above a caption strip, choosing the column count that gives the
// largest panels.
type sheetLayout struct {
	panels   []image.Rectangle
	caption  image.Rectangle
	fontSize float64
}

func layoutSheet(w, h, n int) sheetLayout {
	fs := math.Max(9, math.Min(36, float64(min(w, h))/28))
	capH := min(int(math.Round(fs*1.8)), h/3)
	area := max(h-capH, 1)
	bestCols, best := 1, -1.0
	for cols := 1; cols <= n; cols++ {
		rows := (n + cols - 1) / cols
		s := math.Min(float64(w)/float64(cols), float64(area)/float64(rows))
		if s > best+1e-9 {
			bestCols, best = cols, s
		}
	}
	cols := bestCols
	rows := (n + cols - 1) / cols
	l := sheetLayout{caption: image.Rect(0, area, w, h), fontSize: fs}
	for i := range n {
		c, r := i%cols, i/cols
		l.panels = append(l.panels, image.Rect(c*w/cols, r*area/rows, (c+1)*w/cols, (r+1)*area/rows))
	}
	return l
}

// panelFontSize is the size of a panel's label: the sheet's, but at most a twentieth of the panel's
// shorter side, so that in a sheet of many panels the label and gizmo stay small beside the model.
func panelFontSize(l sheetLayout, i int) float64 {
	r := l.panels[i]
	return math.Max(9, math.Min(l.fontSize, float64(min(r.Dx(), r.Dy()))/20))
}

// textInk is the ink box of a string drawn with its baseline origin at (0, 0): x from 0 to w, y from
// -ascent to descent.
type textInk struct{ w, ascent, descent float64 }

func measureText(face font.Face, s string) textInk {
	b, _ := font.BoundString(face, s)
	return textInk{
		w:       float64(b.Max.X-min(b.Min.X, 0)) / 64,
		ascent:  float64(-b.Min.Y) / 64,
		descent: math.Max(0, float64(b.Max.Y)/64),
	}
}

// panelLayout is where a sheet panel's parts go: the model area and the overlays, in reserved space
// beside or above it (never over the model, always inside the panel).
type panelLayout struct {
	rect      image.Rectangle // the panel, in frame coordinates
	fit       image.Rectangle // the model area, in panel coordinates
	label     string
	labelSize float64
	labelDot  image.Point     // baseline origin of the label, frame coordinates
	labelBox  image.Rectangle // the label's ink, frame coordinates
	gizmo     gizmoLayout
}

// gizmoLayout is an axis gizmo: axes of length axis from centre c, letters of size fontSize just
// beyond their tips; everything stays within radius of c.
type gizmoLayout struct {
	cx, cy, axis, fontSize, radius float64
}

func (g gizmoLayout) box() image.Rectangle {
	return image.Rect(int(math.Floor(g.cx-g.radius)), int(math.Floor(g.cy-g.radius)),
		int(math.Ceil(g.cx+g.radius)), int(math.Ceil(g.cy+g.radius)))
}

func newGizmo(fs float64) gizmoLayout {
	g := gizmoLayout{axis: math.Max(8, math.Min(40, 0.9*fs)), fontSize: math.Max(8, 0.6*fs)}
	// Letters are centred 0.25 em beyond the tip; a capital's ink reaches 0.5 em from its centre
	// (measured for Go Bold: X, Y, Z are at most 0.67 em wide and 0.73 em tall).
	g.radius = g.axis + 0.25*g.fontSize + 0.55*g.fontSize + 1
	return g
}

// layoutPanel places the label and the axis gizmo of a panel where they leave the silhouette sil
// (unit-scale bounds) the largest scale: in a corner the model leaves free (mask, when given, says
// where the model is), with the model framed on the whole panel, shrunk only as far as it must be
// to clear the corner; or in a strip reserved on the top or the left side of the panel. Either way
// nothing of the overlays lies on the model, and everything stays inside the panel.
func layoutPanel(rect image.Rectangle, v View, sil bounds, mask *silMask, fs float64) panelLayout {
	// The last column and row of a panel may hold the separator to the next panel.
	inner := image.Rect(0, 0, max(rect.Dx()-1, 1), max(rect.Dy()-1, 1))
	pad := math.Max(2, math.Round(fs*0.35))
	p := panelLayout{rect: rect, label: panelLabel(v), labelSize: fs}
	// The label shrinks until it fits the panel's width.
	ink := measureText(fontFace(p.labelSize), p.label)
	for ink.w > float64(inner.Dx())-2*pad && p.labelSize > 6 {
		p.labelSize = math.Max(6, p.labelSize*0.85)
		ink = measureText(fontFace(p.labelSize), p.label)
	}
	g := newGizmo(fs)
	gd := 2 * g.radius
	labelH := ink.ascent + ink.descent
	ox, oy := float64(rect.Min.X), float64(rect.Min.Y)

	// A label and its gizmo side by side (row) or the gizmo under the label (stacked), their top
	// left corner at (bx, by) in panel coordinates.
	rowH := math.Max(labelH, gd)
	type block struct{ w, h float64 }
	row := block{3*pad + ink.w + gd, 2*pad + rowH}
	stacked := block{2*pad + math.Max(ink.w, gd), 3*pad + labelH + gd}
	place := func(b block, bx, by float64) {
		if b == row {
			p.labelDot = image.Pt(int(ox+bx+pad), int(math.Ceil(oy+by+pad+(rowH-labelH)/2+ink.ascent)))
			g.cx, g.cy = ox+bx+2*pad+ink.w+g.radius, oy+by+pad+rowH/2
		} else {
			p.labelDot = image.Pt(int(ox+bx+pad), int(math.Ceil(oy+by+pad+ink.ascent)))
			g.cx, g.cy = ox+bx+pad+g.radius, oy+by+2*pad+labelH+g.radius
		}
	}

	// The strip: on the top or the left side, whichever leaves the larger scale.
	topH := int(math.Ceil(2*pad + rowH))
	sideW := int(math.Ceil(stacked.w))
	top := image.Rect(0, min(topH, inner.Dy()-1), inner.Dx(), inner.Dy())
	side := image.Rect(min(sideW, inner.Dx()-1), 0, inner.Dx(), inner.Dy())
	useSide := fitScale(sil, side) > fitScale(sil, top) && stacked.h <= float64(inner.Dy())
	switch {
	case useSide:
		p.fit = side
		place(stacked, 0, 0)
	case row.w <= float64(inner.Dx()):
		p.fit = top
		place(row, 0, 0)
	default:
		// No room beside the label: the gizmo goes under it, in a taller strip.
		p.fit = image.Rect(0, min(int(math.Ceil(stacked.h)), inner.Dy()-1), inner.Dx(), inner.Dy())
		place(stacked, 0, 0)
	}
	best := fitScale(sil, p.fit)

	// The corners, top ones first: a corner wins over the strip when the model is (nearly) as large.
	if mask != nil {
		W, H := float64(inner.Dx()), float64(inner.Dy())
		cx, cy := (sil.minX+sil.maxX)/2, (sil.minY+sil.maxY)/2
		centred := func(k float64) image.Rectangle {
			w, h := int(math.Round(W*k)), int(math.Round(H*k))
			x0, y0 := (inner.Dx()-w)/2, (inner.Dy()-h)/2
			return image.Rect(x0, y0, x0+w, y0+h)
		}
		// free: with the model framed in fit, no part of it within gap pixels of the block at (bx, by).
		gap := math.Max(2, pad/2)
		free := func(fit image.Rectangle, b block, bx, by float64) bool {
			sc := fitScale(sil, fit)
			mx, my := float64(fit.Min.X)+float64(fit.Dx())/2, float64(fit.Min.Y)+float64(fit.Dy())/2
			ux := func(px float64) float64 { return (px-mx)/sc + cx }
			uy := func(py float64) float64 { return (py-my)/sc + cy }
			return !mask.any(ux(bx-gap), uy(by-gap), ux(bx+b.w+gap), uy(by+b.h+gap))
		}
		var chosen *image.Rectangle
		var chosenBlock block
		var chosenX, chosenY float64
		for _, b := range []block{row, stacked} {
			if b.w > W || b.h > H {
				continue
			}
			for _, c := range [][2]float64{{0, 0}, {W - b.w, 0}, {0, H - b.h}, {W - b.w, H - b.h}} {
				k := 1.0
				if !free(centred(k), b, c[0], c[1]) {
					lo, hi := 0.5, 1.0
					if !free(centred(lo), b, c[0], c[1]) {
						continue
					}
					for range 12 {
						if mid := (lo + hi) / 2; free(centred(mid), b, c[0], c[1]) {
							lo = mid
						} else {
							hi = mid
						}
					}
					k = lo
				}
				fit := centred(k)
				if sc := fitScale(sil, fit); sc > best*1.005 || (chosen == nil && sc >= best*0.995) {
					best, chosen, chosenBlock, chosenX, chosenY = sc, &fit, b, c[0], c[1]
				}
			}
		}
		if chosen != nil {
			p.fit = *chosen
			place(chosenBlock, chosenX, chosenY)
		}
	}
	p.gizmo = g
	p.labelBox = image.Rect(p.labelDot.X, p.labelDot.Y-int(math.Ceil(ink.ascent)), p.labelDot.X+int(math.Ceil(ink.w)), p.labelDot.Y+int(math.Ceil(ink.descent)))
	return p
}

// panelLabel is a view's name as shown on its panel: presets in capitals (ISO for isometric), custom
// views by name or by their angles.
func panelLabel(v View) string {
	if p, ok := Preset(v.Name); ok && p.Yaw == v.Yaw && p.Pitch == v.Pitch {
		if p.Name == "isometric" {
			return "ISO"
		}
		return strings.ToUpper(p.Name)
	}
	if v.Name != "" && !strings.EqualFold(v.Name, "custom") {
		return strings.ToUpper(v.Name)
	}
	return fmt.Sprintf("YAW %g° PITCH %g°", v.Yaw, v.Pitch)
}

// caption describes the model for the sheet's caption strip: what is
// drawn, and what hidden layers leave out.
func caption(m *model, opt *Options) string {
	hidden := ""
	if opt != nil && opt.HiddenVoxels > 0 {
		layers := "layers"
		if opt.HiddenLayers == 1 {
			layers = "layer"
		}
		hidden = fmt.Sprintf("; %s more on %d hidden %s", thousands(opt.HiddenVoxels), opt.HiddenLayers, layers)
	}
	if m.box.Empty() {
		return "empty scene: 0 voxels drawn" + hidden
	}
	if hidden == "" {
		return fmt.Sprintf("%d × %d × %d voxels (X × Y × Z), %s voxels in all", m.size.X, m.size.Y, m.size.Z, thousands(m.count))
	}
	return fmt.Sprintf("%d × %d × %d voxels (X × Y × Z), %s voxels drawn%s", m.size.X, m.size.Y, m.size.Z, thousands(m.count), hidden)
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// captionFor returns the caption text and font size that fit width w in the caption strip.
func captionFor(m *model, opt *Options, h int, fs float64) (string, float64) {
	w := opt.Width
	text := caption(m, opt)
	size := math.Min(fs*0.8, float64(h)*0.7)
	for size > 6 && measureText(fontFace(size), text).w > float64(w)-fs {
		size *= 0.9
	}
	if measureText(fontFace(size), text).w > float64(w)-4 && !m.box.Empty() {
		text = fmt.Sprintf("%d×%d×%d, %s voxels", m.size.X, m.size.Y, m.size.Z, thousands(m.count))
		if opt.HiddenVoxels > 0 {
			text = fmt.Sprintf("%d×%d×%d, %s drawn, %s hidden", m.size.X, m.size.Y, m.size.Z, thousands(m.count), thousands(opt.HiddenVoxels))
		}
	}
	return text, size
}

// renderSheet renders one labelled panel per view, with an axis gizmo each, and a caption.
func renderSheet(ctx context.Context, m *model, opt *Options, frame target, img *image.NRGBA) error {
	l := layoutSheet(opt.Width, opt.Height, len(opt.Views))
	panels := make([]panelLayout, len(opt.Views))
	for i, v := range opt.Views {
		if err := ctx.Err(); err != nil {
			return err
		}
		cam := newCamera(v)
		sil := boxBounds(cam, [3]float64{1, 1, 1})
		var mask *silMask
		if !m.box.Empty() {
			sil = m.silhouette(cam)
			if opt.Zoom <= 0 || opt.Zoom == 1 {
				mask = m.silhouetteMask(cam, sil)
			}
		}
		panels[i] = layoutPanel(l.panels[i], v, sil, mask, panelFontSize(l, i))
		if err := renderPanel(ctx, m, opt, v, frame, img, l.panels[i], panels[i].fit, nil); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dc := gg.NewContextForRGBA(rgbaView(img))
	ink := inkFor(opt.Background, 255)
	// Separators between panels and above the caption.
	setColour(dc, inkFor(opt.Background, 60))
	dc.SetLineWidth(1)
	for _, r := range l.panels {
		if r.Max.X < opt.Width {
			dc.DrawLine(float64(r.Max.X)-0.5, float64(r.Min.Y), float64(r.Max.X)-0.5, float64(r.Max.Y))
		}
		if r.Max.Y < l.caption.Min.Y {
			dc.DrawLine(float64(r.Min.X), float64(r.Max.Y)-0.5, float64(r.Max.X), float64(r.Max.Y)-0.5)
		}
	}
	if l.caption.Dy() > 0 {
		dc.DrawLine(0, float64(l.caption.Min.Y)+0.5, float64(opt.Width), float64(l.caption.Min.Y)+0.5)
	}
	dc.Stroke()
	if !opt.noOverlays {
		for i, v := range opt.Views {
			p := panels[i]
			dc.SetFontFace(fontFace(p.labelSize))
			setColour(dc, ink)
			dc.DrawString(p.label, float64(p.labelDot.X), float64(p.labelDot.Y))
			drawGizmo(dc, newCamera(v), p.gizmo)
		}
		if l.caption.Dy() > 2 {
			text, size := captionFor(m, opt, l.caption.Dy(), l.fontSize)
			face := fontFace(size)
			ti := measureText(face, text)
			dc.SetFontFace(face)
			setColour(dc, ink)
			mid := float64(l.caption.Min.Y+l.caption.Max.Y) / 2
			dc.DrawString(text, math.Round((float64(opt.Width)-ti.w)/2), math.Round(mid+(ti.ascent-ti.descent)/2))
		}
	}
	if opt.Background.A != 0xff {
		unpremultiply(frame)
	}
	return nil
}
