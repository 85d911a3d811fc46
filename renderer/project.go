package renderer

import (
	"image"
	"math"
	"strings"
)

// View is an orthographic camera direction. The camera stands at yaw degrees around Z from the front
// (0 = on -Y looking +Y, 90 = on +X looking -X) and pitch degrees above the horizon (90 = straight down).
type View struct {
	Name       string // label in a contact sheet; presets use their own name
	Yaw, Pitch float64
}

// isoPitch is the pitch of the true isometric view, atan(1/√2) in degrees.
const isoPitch = 35.264389682754654

var presets = []View{
	{Name: "front", Yaw: 0, Pitch: 0},
	{Name: "back", Yaw: 180, Pitch: 0},
	{Name: "left", Yaw: -90, Pitch: 0},
	{Name: "right", Yaw: 90, Pitch: 0},
	{Name: "top", Yaw: 0, Pitch: 90},
	{Name: "bottom", Yaw: 0, Pitch: -90},
	{Name: "isometric", Yaw: 45, Pitch: isoPitch},
}

// Preset returns the named view preset (front, back, left, right, top, bottom, isometric), named for
// where the camera stands. Names are matched case-insensitively; "iso" is accepted for isometric.
func Preset(name string) (View, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "iso" {
		name = "isometric"
	}
	for _, v := range presets {
		if v.Name == name {
			return v, true
		}
	}
	return View{}, false
}

// PresetNames returns the preset names in a fixed order.
func PresetNames() []string {
	names := make([]string, len(presets))
	for i, v := range presets {
		names[i] = v.Name
	}
	return names
}

// camera holds a view's orthonormal basis in world coordinates (Z up).
type camera struct {
	right, up, fwd [3]float64 // fwd points from the camera into the scene
}

func newCamera(v View) camera {
	yaw := v.Yaw * math.Pi / 180
	pitch := math.Max(-90, math.Min(90, v.Pitch)) * math.Pi / 180
	cy, sy := math.Cos(yaw), math.Sin(yaw)
	cp, sp := math.Cos(pitch), math.Sin(pitch)
	// Camera position direction: yaw 0 puts it on -Y, yaw 90 on +X; pitch lifts it towards +Z.
	eye := [3]float64{sy * cp, -cy * cp, sp}
	c := camera{
		right: [3]float64{cy, sy, 0},
		fwd:   [3]float64{-eye[0], -eye[1], -eye[2]},
	}
	// up = right × fwd. Explicit float64 conversions stop the compiler fusing multiply-adds, so every
	// platform gets the same basis bits.
	r, f := c.right, c.fwd
	c.up = [3]float64{
		float64(r[1]*f[2]) - float64(r[2]*f[1]),
		float64(r[2]*f[0]) - float64(r[0]*f[2]),
		float64(r[0]*f[1]) - float64(r[1]*f[0]),
	}
	// Snap values within 1e-12 of 0 or ±1 so presets have exactly axis-aligned bases.
	for _, vec := range []*[3]float64{&c.right, &c.up, &c.fwd} {
		for i, x := range vec {
			switch {
			case math.Abs(x) < 1e-12:
				vec[i] = 0
			case math.Abs(x-1) < 1e-12:
				vec[i] = 1
			case math.Abs(x+1) < 1e-12:
				vec[i] = -1
			}
		}
	}
	return c
}

// screen returns the screen position (x right, y down, unscaled) of world point p.
func (c camera) screen(p [3]float64) (float64, float64) {
	x := float64(p[0]*c.right[0]) + float64(p[1]*c.right[1]) + float64(p[2]*c.right[2])
	y := float64(p[0]*c.up[0]) + float64(p[1]*c.up[1]) + float64(p[2]*c.up[2])
	return x, -y
}

// facing reports whether faces of direction dir face the camera (their normal points against fwd).
func (c camera) facing(dir int) bool {
	f := c.fwd[dir>>1]
	if dir&1 == 1 {
		f = -f
	}
	return f < -1e-9
}

// subBits is the sub-pixel precision of projected vertices.
const subBits = 8

// projection maps model coordinates (box minimum at 0) to fixed-point screen coordinates of a panel:
// X = ox + x·ax.x + y·ay.x + z·az.x, in 1/256 pixel.
type projection struct {
	ox, oy     int64
	ax, ay, az [2]int64 // screen step of one voxel along X, Y and Z
	scale      float64  // pixels per voxel
}

// bounds is a screen-space rectangle at unit scale (one voxel = 1), y down.
type bounds struct{ minX, minY, maxX, maxY float64 }

// boxBounds returns the screen bounds of a box of the given size with its minimum at the origin.
func boxBounds(c camera, size [3]float64) bounds {
	b := bounds{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for i := range 8 {
		x, y := c.screen([3]float64{size[0] * float64(i&1), size[1] * float64(i>>1&1), size[2] * float64(i>>2&1)})
		b.minX, b.maxX = math.Min(b.minX, x), math.Max(b.maxX, x)
		b.minY, b.maxY = math.Min(b.minY, y), math.Max(b.maxY, y)
	}
	return b
}

// fitMargin is the share of the limiting dimension left free on each side of the silhouette: the model
// fills 92 % of it.
const fitMargin = 0.04

// fitScale is the scale at which fitView frames silhouette bounds b in fit, before any zoom.
func fitScale(b bounds, fit image.Rectangle) float64 {
	w, h := float64(fit.Dx()), float64(fit.Dy())
	margin := math.Max(1, fitMargin*math.Min(w, h))
	availW, availH := math.Max(1, w-2*margin), math.Max(1, h-2*margin)
	bw, bh := math.Max(b.maxX-b.minX, 1e-9), math.Max(b.maxY-b.minY, 1e-9)
	return math.Min(availW/bw, availH/bh)
}

// fitView fits the silhouette bounds b into the rectangle fit of a panel (panel coordinates) with a
// small margin, centred, then applies zoom about the centre.
func fitView(c camera, b bounds, fit image.Rectangle, zoom float64) projection {
	w, h := float64(fit.Dx()), float64(fit.Dy())
	scale := fitScale(b, fit)
	if zoom > 0 {
		scale *= zoom
	}
	cx, cy := (b.minX+b.maxX)/2, (b.minY+b.maxY)/2
	const one = 1 << subBits
	fix := func(v float64) int64 { return int64(math.Round(v * scale * one)) }
	var p projection
	p.scale = scale
	for axis, dst := range []*[2]int64{&p.ax, &p.ay, &p.az} {
		var unit [3]float64
		unit[axis] = 1
		x, y := c.screen(unit)
		dst[0], dst[1] = fix(x), fix(y)
	}
	p.ox = int64(math.Round((float64(fit.Min.X) + w/2 - cx*scale) * one))
	p.oy = int64(math.Round((float64(fit.Min.Y) + h/2 - cy*scale) * one))
	return p
}

// point returns the fixed-point screen position of model point (x, y, z).
func (p *projection) point(x, y, z int64) (int64, int64) {
	return p.ox + x*p.ax[0] + y*p.ay[0] + z*p.az[0], p.oy + x*p.ax[1] + y*p.ay[1] + z*p.az[1]
}
