package renderer

import (
	"context"
	"fmt"
	"image"
	"math"
	"strings"

	"github.com/fogleman/gg"
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
	capH := min(int(math.Round(fs*2)), h/3)
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

// renderSheet renders one labelled panel per view, with an axis gizmo each, and a caption.
func renderSheet(ctx context.Context, m *model, opt *Options, frame target, img *image.NRGBA) error {
	l := layoutSheet(opt.Width, opt.Height, len(opt.Views))
	for i, v := range opt.Views {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := renderPanel(ctx, m, opt, v, frame, img, l.panels[i]); err != nil {
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
	face := fontFace(l.fontSize)
	for i, v := range opt.Views {
		r := l.panels[i]
		dc.SetFontFace(face)
		setColour(dc, ink)
		dc.DrawStringAnchored(panelLabel(v), float64(r.Min.X)+l.fontSize*0.6, float64(r.Min.Y)+l.fontSize*0.5, 0, 1)
		drawGizmo(dc, newCamera(v), r, l.fontSize)
	}
	if l.caption.Dy() > 0 {
		dc.SetFontFace(fontFace(l.fontSize * 0.8))
		setColour(dc, ink)
		dc.DrawStringAnchored(caption(m, opt), float64(opt.Width)/2, float64(l.caption.Min.Y+l.caption.Max.Y)/2, 0.5, 0.35)
	}
	if opt.Background.A != 0xff {
		unpremultiply(frame)
	}
	return nil
}
