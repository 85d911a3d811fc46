package script

import (
	"context"
	"fmt"
	"image/color"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"go.starlark.net/starlark"

	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/ops"
)

// maxCoord bounds every coordinate a script gives, as the tools do.
const maxCoord = 1 << 20

// runner is the state of one run shared by the built-ins.
type runner struct {
	ctx     context.Context
	s       *voxel.Scene
	lim     Limits
	thread  *starlark.Thread
	out     strings.Builder
	changes int // positions changed, counted per write

	mu      sync.Mutex
	stopErr error
	stopped atomic.Bool

	// the last colour value parsed, as set() in a loop repeats it
	lastColorVal starlark.Value
	lastColor    color.NRGBA
}

type builtinFunc = func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)

func (r *runner) builtins() starlark.StringDict {
	fns := map[string]builtinFunc{
		"set": r.set, "get": r.get, "remove": r.remove,
		"box": r.box, "sphere": r.sphere, "cylinder": r.cylinder, "cone": r.cone, "line": r.line, "plane": r.plane,
		"copy_region": r.copyRegion, "move_region": r.moveRegion, "mirror_region": r.mirrorRegion,
		"rotate_region": r.rotateRegion, "replace_color": r.replaceColor,
		"bounding_box": r.boundingBox, "count": r.count, "histogram": r.histogram,
		"layers": r.layers, "create_layer": r.createLayer, "select_layer": r.selectLayer,
		"current_layer": r.currentLayer, "set_layer_visibility": r.setLayerVisibility,
		"rename_layer": r.renameLayer, "delete_layer": r.deleteLayer,
		"noise": r.noise, "random": r.random, "color": r.color, "rgb": r.rgb, "mix": r.mix,
	}
	d := starlark.StringDict{}
	for name, fn := range fns {
		d[name] = starlark.NewBuiltin(name, fn)
	}
	return d
}

// --- argument helpers ---

func coord(v starlark.Value, what string) (int, error) {
	var n int64
	switch v := v.(type) {
	case starlark.Int:
		i, ok := v.Int64()
		if !ok {
			return 0, fmt.Errorf("%s is out of range (at most ±%d), got %v", what, maxCoord, v)
		}
		n = i
	case starlark.Float:
		f := math.Round(float64(v))
		if math.IsNaN(f) || math.Abs(f) > maxCoord {
			return 0, fmt.Errorf("%s must be a number within ±%d, got %v", what, maxCoord, v)
		}
		n = int64(f)
	default:
		return 0, fmt.Errorf("%s must be a number, got %s %v", what, v.Type(), v)
	}
	if n < -maxCoord || n > maxCoord {
		return 0, fmt.Errorf("%s is out of range (at most ±%d), got %d", what, maxCoord, n)
	}
	return int(n), nil
}

func number(v starlark.Value, what string) (float64, error) {
	switch v := v.(type) {
	case starlark.Int:
		f, _ := starlark.AsFloat(v)
		return f, nil
	case starlark.Float:
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return 0, fmt.Errorf("%s must be a finite number, got %v", what, v)
		}
		return float64(v), nil
	}
	return 0, fmt.Errorf("%s must be a number, got %s %v", what, v.Type(), v)
}

func pos(v starlark.Value, what string) (voxel.Pos, error) {
	seq, ok := v.(starlark.Indexable)
	if !ok || seq.Len() != 3 {
		return voxel.Pos{}, fmt.Errorf("%s must be [x, y, z], got %s %v", what, v.Type(), v)
	}
	var p [3]int
	for i := range 3 {
		n, err := coord(seq.Index(i), fmt.Sprintf("%s[%d]", what, i))
		if err != nil {
			return voxel.Pos{}, err
		}
		p[i] = n
	}
	return voxel.Pos{X: p[0], Y: p[1], Z: p[2]}, nil
}

// ParseColor reads a colour as scripts give it: "#RRGGBB", "#RRGGBBAA"
// (the # optional), or a list or tuple [r, g, b] or [r, g, b, a] of 0-255.
func ParseColor(v starlark.Value) (color.NRGBA, error) {
	bad := func() (color.NRGBA, error) {
		return color.NRGBA{}, fmt.Errorf(`a colour must be "#RRGGBB", "#RRGGBBAA", [r, g, b] or [r, g, b, a] with 0-255 components, got %s %v`, v.Type(), v)
	}
	switch v := v.(type) {
	case starlark.String:
		c, ok := voxel.ParseHex(strings.TrimSpace(string(v)))
		if !ok {
			return bad()
		}
		return c, nil
	case starlark.Indexable:
		if v.Len() != 3 && v.Len() != 4 {
			return bad()
		}
		c := [4]uint8{3: 255}
		for i := range v.Len() {
			n, err := starlark.AsInt32(v.Index(i))
			if err != nil || n < 0 || n > 255 {
				return bad()
			}
			c[i] = uint8(n)
		}
		return color.NRGBA{R: c[0], G: c[1], B: c[2], A: c[3]}, nil
	}
	return bad()
}

func (r *runner) colorArg(v starlark.Value, what string) (color.NRGBA, error) {
	if v == r.lastColorVal && v != nil {
		return r.lastColor, nil
	}
	c, err := ParseColor(v)
	if err != nil {
		return c, fmt.Errorf("%s: %w", what, err)
	}
	if _, ok := v.(starlark.String); ok {
		r.lastColorVal, r.lastColor = v, c
	}
	return c, nil
}

// paintArg reads a colour argument where None means "remove".
func (r *runner) paintArg(v starlark.Value, what string) (color.NRGBA, error) {
	if v == nil || v == starlark.None {
		return color.NRGBA{}, nil
	}
	c, err := r.colorArg(v, what)
	if err == nil && c.A == 0 {
		return c, fmt.Errorf("%s has alpha 0, which means no voxel: pass None to remove", what)
	}
	return c, err
}

// FormatColor returns c as "#RRGGBBAA".
func FormatColor(c color.NRGBA) string {
	return fmt.Sprintf("#%02X%02X%02X%02X", c.R, c.G, c.B, c.A)
}

func (r *runner) layerArg(v starlark.Value) (int, error) {
	if v == nil || v == starlark.None {
		if id := r.s.Current(); id != 0 {
			return id, nil
		}
		return 0, fmt.Errorf("the scene has no layer: call create_layer() first")
	}
	id, err := starlark.AsInt32(v)
	if err != nil {
		return 0, fmt.Errorf("layer must be a layer id (an integer), got %s %v", v.Type(), v)
	}
	if !r.s.HasLayer(id) {
		var ids []string
		for _, l := range r.s.Layers() {
			ids = append(ids, fmt.Sprint(l.ID))
		}
		return 0, fmt.Errorf("layer %d does not exist; existing layer ids: %s", id, strings.Join(ids, ", "))
	}
	return id, nil
}

func axisArg(v starlark.Value, def int) (int, error) {
	if v == nil || v == starlark.None {
		return def, nil
	}
	if s, ok := v.(starlark.String); ok {
		if i := strings.Index("xyz", strings.ToLower(string(s))); i >= 0 && len(s) == 1 {
			return i, nil
		}
	}
	return 0, fmt.Errorf(`axis must be "x", "y" or "z", got %v`, v)
}

// --- budget ---

// spend counts n changed positions against the limits.
func (r *runner) spend(n int) error {
	r.changes += n
	if r.changes > r.lim.MaxChanges {
		return &limitError{LimitChanges, fmt.Sprintf("the script changed more than %d voxels (limit %s): build less per call, or split it into several run_script calls", r.lim.MaxChanges, LimitChanges)}
	}
	if n > 4096 || r.changes&0xFFFF == 0 {
		return r.checkScene()
	}
	return nil
}

func (r *runner) checkScene() error {
	if n := r.s.Count(); n > r.lim.MaxSceneVoxels {
		return &limitError{LimitSceneVoxels, fmt.Sprintf("the scene would hold %d voxels, more than the limit of %d (%s)", n, r.lim.MaxSceneVoxels, LimitSceneVoxels)}
	}
	return nil
}

func (r *runner) checkVolume(name string, box voxel.Box) error {
	if v := box.Volume(); v > r.lim.MaxShapeVolume {
		sz := box.Size()
		return &limitError{LimitShapeVolume, fmt.Sprintf("%s covers %d×%d×%d = %d positions, more than the limit of %d (%s): make it smaller or split it", name, sz.X, sz.Y, sz.Z, v, r.lim.MaxShapeVolume, LimitShapeVolume)}
	}
	return nil
}

// interrupted returns the reason the run is being stopped, for long loops
// inside built-ins that the interpreter cannot interrupt.
func (r *runner) interrupted() error {
	if r.stopped.Load() {
		if err := r.stopReason(); err != nil {
			return err
		}
	}
	return nil
}

// --- voxels ---

func (r *runner) set(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var xv, yv, zv, cv, lv starlark.Value
	if len(args) == 4 && len(kw) == 0 {
		xv, yv, zv, cv = args[0], args[1], args[2], args[3]
	} else if err := starlark.UnpackArgs(b.Name(), args, kw, "x", &xv, "y", &yv, "z", &zv, "color", &cv, "layer?", &lv); err != nil {
		return nil, err
	}
	p, err := xyz(xv, yv, zv)
	if err != nil {
		return nil, err
	}
	c, err := r.paintArg(cv, "color")
	if err != nil {
		return nil, err
	}
	id, err := r.layerArg(lv)
	if err != nil {
		return nil, err
	}
	if r.s.Set(id, p, c) {
		if err := r.spend(1); err != nil {
			return nil, err
		}
		return starlark.True, nil
	}
	return starlark.False, nil
}

func xyz(xv, yv, zv starlark.Value) (voxel.Pos, error) {
	// the common case without building argument names
	if x, ok := xv.(starlark.Int); ok {
		if y, ok := yv.(starlark.Int); ok {
			if z, ok := zv.(starlark.Int); ok {
				xi, ok1 := x.Int64()
				yi, ok2 := y.Int64()
				zi, ok3 := z.Int64()
				if ok1 && ok2 && ok3 && xi >= -maxCoord && xi <= maxCoord && yi >= -maxCoord && yi <= maxCoord && zi >= -maxCoord && zi <= maxCoord {
					return voxel.Pos{X: int(xi), Y: int(yi), Z: int(zi)}, nil
				}
			}
		}
	}
	var p [3]int
	for i, v := range []starlark.Value{xv, yv, zv} {
		n, err := coord(v, string("xyz"[i]))
		if err != nil {
			return voxel.Pos{}, err
		}
		p[i] = n
	}
	return voxel.Pos{X: p[0], Y: p[1], Z: p[2]}, nil
}

func (r *runner) get(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var xv, yv, zv, lv starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kw, "x", &xv, "y", &yv, "z", &zv, "layer?", &lv); err != nil {
		return nil, err
	}
	p, err := xyz(xv, yv, zv)
	if err != nil {
		return nil, err
	}
	var c color.NRGBA
	if lv == nil || lv == starlark.None {
		c, _, _ = r.s.Lookup(p)
	} else {
		id, err := r.layerArg(lv)
		if err != nil {
			return nil, err
		}
		c = r.s.Get(id, p)
	}
	if c.A == 0 {
		return starlark.None, nil
	}
	return starlark.String(FormatColor(c)), nil
}

func (r *runner) remove(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var xv, yv, zv, lv starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kw, "x", &xv, "y", &yv, "z", &zv, "layer?", &lv); err != nil {
		return nil, err
	}
	p, err := xyz(xv, yv, zv)
	if err != nil {
		return nil, err
	}
	id, err := r.layerArg(lv)
	if err != nil {
		return nil, err
	}
	if r.s.Set(id, p, color.NRGBA{}) {
		return starlark.True, r.spend(1)
	}
	return starlark.False, nil
}

// --- shapes ---

// fill draws a shape with c (alpha 0 removes) and returns how many
// positions changed.
func (r *runner) fill(name string, sh voxel.Shape, c color.NRGBA, layer starlark.Value) (starlark.Value, error) {
	box, err := sh.Bounds()
	if err != nil {
		return nil, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "invalid shape: "))
	}
	if err := r.checkVolume(name+"()", box); err != nil {
		return nil, err
	}
	id, err := r.layerArg(layer)
	if err != nil {
		return nil, err
	}
	n := 0
	if sh.Kind == voxel.ShapeBox && !sh.Hollow {
		n = r.s.FillBox(id, box, c)
	} else {
		i := 0
		err = sh.Each(func(p voxel.Pos) bool {
			if i++; i&0xFFFF == 0 && r.interrupted() != nil {
				return false
			}
			if r.s.Set(id, p, c) {
				n++
			}
			return true
		})
		if err == nil {
			err = r.interrupted()
		}
		if err != nil {
			return nil, err
		}
	}
	return starlark.MakeInt(n), r.spend(n)
}

func (r *runner) box(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var av, bv, cv, lv starlark.Value
	var hollow bool
	if err := starlark.UnpackArgs(b.Name(), args, kw, "a", &av, "b", &bv, "color", &cv, "hollow?", &hollow, "layer?", &lv); err != nil {
		return nil, err
	}
	return r.fillCorners("box", voxel.Shape{Kind: voxel.ShapeBox, Hollow: hollow}, av, bv, cv, lv)
}

// fillCorners fills sh between the corners a and b (the shape's From and
// To) with the colour cv, on layer lv: box, plane and line share it.
func (r *runner) fillCorners(name string, sh voxel.Shape, av, bv, cv, lv starlark.Value) (starlark.Value, error) {
	var err error
	if sh.From, err = pos(av, "a"); err != nil {
		return nil, err
	}
	if sh.To, err = pos(bv, "b"); err != nil {
		return nil, err
	}
	c, err := r.paintArg(cv, "color")
	if err != nil {
		return nil, err
	}
	return r.fill(name, sh, c, lv)
}

func (r *runner) plane(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var av, bv, cv, axv, lv starlark.Value
	var hollow bool
	if err := starlark.UnpackArgs(b.Name(), args, kw, "a", &av, "b", &bv, "color", &cv, "axis?", &axv, "hollow?", &hollow, "layer?", &lv); err != nil {
		return nil, err
	}
	sh := voxel.Shape{Kind: voxel.ShapePlane, Hollow: hollow}
	var err error
	if sh.Axis, err = axisArg(axv, 2); err != nil {
		return nil, err
	}
	return r.fillCorners("plane", sh, av, bv, cv, lv)
}

func (r *runner) line(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var av, bv, cv, lv starlark.Value
	radius := 0
	if err := starlark.UnpackArgs(b.Name(), args, kw, "a", &av, "b", &bv, "color", &cv, "radius?", &radius, "layer?", &lv); err != nil {
		return nil, err
	}
	return r.fillCorners("line", voxel.Shape{Kind: voxel.ShapeLine, Radius: radius}, av, bv, cv, lv)
}

func (r *runner) sphere(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var cen, rad, cv, lv starlark.Value
	var hollow bool
	if err := starlark.UnpackArgs(b.Name(), args, kw, "center", &cen, "radius", &rad, "color", &cv, "hollow?", &hollow, "layer?", &lv); err != nil {
		return nil, err
	}
	sh := voxel.Shape{Kind: voxel.ShapeSphere, Hollow: hollow}
	var err error
	if sh.Center, err = pos(cen, "center"); err != nil {
		return nil, err
	}
	if seq, ok := rad.(starlark.Indexable); ok {
		if seq.Len() != 3 {
			return nil, fmt.Errorf("sphere: radius must be a number or [rx, ry, rz], got %v", rad)
		}
		for i := range 3 {
			if sh.Radii[i], err = coord(seq.Index(i), fmt.Sprintf("radius[%d]", i)); err != nil {
				return nil, err
			}
		}
	} else {
		n, err := coord(rad, "radius")
		if err != nil {
			return nil, err
		}
		sh.Radii = [3]int{n, n, n}
	}
	c, err := r.paintArg(cv, "color")
	if err != nil {
		return nil, err
	}
	return r.fill("sphere", sh, c, lv)
}

func (r *runner) cylinder(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	return r.round(voxel.ShapeCylinder, b, args, kw)
}

func (r *runner) cone(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	return r.round(voxel.ShapeCone, b, args, kw)
}

func (r *runner) round(kind voxel.ShapeKind, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var cen, rad, h, cv, axv, lv starlark.Value
	var hollow bool
	if err := starlark.UnpackArgs(b.Name(), args, kw, "center", &cen, "radius", &rad, "height", &h, "color", &cv, "axis?", &axv, "hollow?", &hollow, "layer?", &lv); err != nil {
		return nil, err
	}
	sh := voxel.Shape{Kind: kind, Hollow: hollow}
	var err error
	if sh.Center, err = pos(cen, "center"); err != nil {
		return nil, err
	}
	if sh.Radius, err = coord(rad, "radius"); err != nil {
		return nil, err
	}
	if sh.Height, err = coord(h, "height"); err != nil {
		return nil, err
	}
	if sh.Axis, err = axisArg(axv, 2); err != nil {
		return nil, err
	}
	c, err := r.paintArg(cv, "color")
	if err != nil {
		return nil, err
	}
	return r.fill(b.Name(), sh, c, lv)
}

// --- region transforms ---

func (r *runner) region(av, bv, lv starlark.Value) (ops.Region, error) {
	a, err := pos(av, "a")
	if err != nil {
		return ops.Region{}, err
	}
	b, err := pos(bv, "b")
	if err != nil {
		return ops.Region{}, err
	}
	id, err := r.layerArg(lv)
	return ops.Region{Layer: id, Box: voxel.BoxOf(a, b)}, err
}

// transformed reports a transform's change and returns its counts as a dict.
func (r *runner) transformed(res ops.Result, err error) (starlark.Value, error) {
	if err != nil {
		return nil, err
	}
	if err := r.spend(res.Changed()); err != nil {
		return nil, err
	}
	return resultDict(res), nil
}

func resultDict(res ops.Result) *starlark.Dict {
	d := starlark.NewDict(3)
	_ = d.SetKey(starlark.String("added"), starlark.MakeInt(res.Added)) // a fresh dict accepts string keys
	_ = d.SetKey(starlark.String("removed"), starlark.MakeInt(res.Removed))
	_ = d.SetKey(starlark.String("recolored"), starlark.MakeInt(res.Recolored))
	return d
}

func (r *runner) translate(b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple, keep bool) (starlark.Value, error) {
	var av, bv, off, lv, to starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kw, "a", &av, "b", &bv, "offset", &off, "layer?", &lv, "to_layer?", &to); err != nil {
		return nil, err
	}
	src, err := r.region(av, bv, lv)
	if err != nil {
		return nil, err
	}
	o, err := pos(off, "offset")
	if err != nil {
		return nil, err
	}
	dst := src.Layer
	if to != nil && to != starlark.None {
		if dst, err = r.layerArg(to); err != nil {
			return nil, err
		}
	}
	res, _, err := ops.Apply(r.s, src, dst, ops.Translation(o), keep)
	return r.transformed(res, err)
}

func (r *runner) copyRegion(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	return r.translate(b, args, kw, true)
}

func (r *runner) moveRegion(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	return r.translate(b, args, kw, false)
}

// doubled reads a coordinate that may be a half-integer, doubled.
func doubled(v starlark.Value, what string) (int, error) {
	f, err := number(v, what)
	if err != nil {
		return 0, err
	}
	if math.Abs(f) > maxCoord || f*2 != math.Trunc(f*2) {
		return 0, fmt.Errorf("%s must be a whole or half number (e.g. 4 or 4.5) within ±%d, got %v", what, maxCoord, v)
	}
	return int(f * 2), nil
}

// regionAxis reads the region (corners a, b and a layer) and the axis of a
// mirror or a rotation, def when none is given.
func (r *runner) regionAxis(av, bv, lv, axv starlark.Value, def int) (ops.Region, int, error) {
	src, err := r.region(av, bv, lv)
	if err != nil {
		return ops.Region{}, 0, err
	}
	axis, err := axisArg(axv, def)
	return src, axis, err
}

func (r *runner) mirrorRegion(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var av, bv, axv, at, lv starlark.Value
	var keep bool
	if err := starlark.UnpackArgs(b.Name(), args, kw, "a", &av, "b", &bv, "axis", &axv, "at?", &at, "keep_original?", &keep, "layer?", &lv); err != nil {
		return nil, err
	}
	src, axis, err := r.regionAxis(av, bv, lv, axv, 0)
	if err != nil {
		return nil, err
	}
	c2 := ops.Centre2(src.Box)
	at2 := [3]int{c2.X, c2.Y, c2.Z}[axis]
	if at != nil && at != starlark.None {
		if at2, err = doubled(at, "at"); err != nil {
			return nil, err
		}
	}
	res, _, err := ops.Mirror(r.s, src, axis, at2, keep)
	return r.transformed(res, err)
}

func (r *runner) rotateRegion(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var av, bv, axv, cen, lv starlark.Value
	turns := 1
	var keep bool
	if err := starlark.UnpackArgs(b.Name(), args, kw, "a", &av, "b", &bv, "axis?", &axv, "turns?", &turns, "center?", &cen, "keep_original?", &keep, "layer?", &lv); err != nil {
		return nil, err
	}
	src, axis, err := r.regionAxis(av, bv, lv, axv, 2)
	if err != nil {
		return nil, err
	}
	c2 := ops.Centre2(src.Box)
	if cen != nil && cen != starlark.None {
		seq, ok := cen.(starlark.Indexable)
		if !ok || seq.Len() != 3 {
			return nil, fmt.Errorf("center must be [x, y, z], got %v", cen)
		}
		var c [3]int
		for i := range 3 {
			if c[i], err = doubled(seq.Index(i), fmt.Sprintf("center[%d]", i)); err != nil {
				return nil, err
			}
		}
		c2 = voxel.Pos{X: c[0], Y: c[1], Z: c[2]}
	}
	res, _, err := ops.Rotate(r.s, src, axis, turns, c2, keep)
	return r.transformed(res, err)
}

func (r *runner) replaceColor(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var oldv, newv, av, bv, lv starlark.Value
	tol := 0
	if err := starlark.UnpackArgs(b.Name(), args, kw, "old", &oldv, "new", &newv, "a?", &av, "b?", &bv, "tolerance?", &tol, "layer?", &lv); err != nil {
		return nil, err
	}
	from, err := r.colorArg(oldv, "old")
	if err != nil {
		return nil, err
	}
	to, err := r.paintArg(newv, "new")
	if err != nil {
		return nil, err
	}
	if tol < 0 || tol > 255 {
		return nil, fmt.Errorf("tolerance must be 0-255, got %d", tol)
	}
	id, err := r.layerArg(lv)
	if err != nil {
		return nil, err
	}
	src := ops.Region{Layer: id}
	switch {
	case av == nil && bv == nil:
		info, _ := r.s.LayerInfo(id)
		src.Box = info.Box
	case av != nil && bv != nil:
		if src, err = r.region(av, bv, lv); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("replace_color: give both corners a and b, or neither for the whole layer")
	}
	res, err := ops.ReplaceColor(r.s, src, from, tol, to)
	return r.transformed(res, err)
}

// --- queries ---

func boxValue(b voxel.Box) starlark.Value {
	if b.Empty() {
		return starlark.None
	}
	l := func(p voxel.Pos) *starlark.List {
		return starlark.NewList([]starlark.Value{starlark.MakeInt(p.X), starlark.MakeInt(p.Y), starlark.MakeInt(p.Z)})
	}
	d := starlark.NewDict(3)
	_ = d.SetKey(starlark.String("min"), l(b.Min)) // a fresh dict accepts string keys
	_ = d.SetKey(starlark.String("max"), l(b.Max))
	_ = d.SetKey(starlark.String("size"), l(b.Size()))
	return d
}

func (r *runner) optionalLayer(b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (int, error) {
	var lv starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kw, "layer?", &lv); err != nil {
		return 0, err
	}
	if lv == nil || lv == starlark.None {
		return 0, nil
	}
	return r.layerArg(lv)
}

func (r *runner) boundingBox(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	id, err := r.optionalLayer(b, args, kw)
	if err != nil {
		return nil, err
	}
	if id == 0 {
		return boxValue(r.s.Box()), nil
	}
	info, _ := r.s.LayerInfo(id)
	return boxValue(info.Box), nil
}

func (r *runner) count(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	id, err := r.optionalLayer(b, args, kw)
	if err != nil {
		return nil, err
	}
	if id == 0 {
		return starlark.MakeInt(r.s.Count()), nil
	}
	info, _ := r.s.LayerInfo(id)
	return starlark.MakeInt(info.Count), nil
}

func (r *runner) histogram(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	id, err := r.optionalLayer(b, args, kw)
	if err != nil {
		return nil, err
	}
	var h []ops.ColorCount
	if id == 0 {
		h = ops.Histogram(r.s)
	} else {
		h = ops.Histogram(r.s, id)
	}
	d := starlark.NewDict(len(h))
	for _, e := range h {
		_ = d.SetKey(starlark.String(FormatColor(e.Color)), starlark.MakeInt(e.Count)) // string keys
	}
	return d, nil
}

// --- layers ---

func (r *runner) layers(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 0); err != nil {
		return nil, err
	}
	var out []starlark.Value
	for _, l := range r.s.Layers() {
		d := starlark.NewDict(5)
		_ = d.SetKey(starlark.String("id"), starlark.MakeInt(l.ID)) // string keys
		_ = d.SetKey(starlark.String("name"), starlark.String(l.Name))
		_ = d.SetKey(starlark.String("visible"), starlark.Bool(l.Visible))
		_ = d.SetKey(starlark.String("count"), starlark.MakeInt(l.Count))
		_ = d.SetKey(starlark.String("current"), starlark.Bool(l.ID == r.s.Current()))
		out = append(out, d)
	}
	return starlark.NewList(out), nil
}

const maxLayers = 256

func (r *runner) createLayer(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	name := ""
	if err := starlark.UnpackArgs(b.Name(), args, kw, "name?", &name); err != nil {
		return nil, err
	}
	if len(r.s.Layers()) >= maxLayers {
		return nil, fmt.Errorf("the scene has %d layers, the most a script may create up to", maxLayers)
	}
	if name == "" {
		name = fmt.Sprintf("Layer %d", len(r.s.Layers())+1)
	}
	id, err := r.s.TryAddLayer(name)
	if err != nil {
		return nil, err
	}
	return starlark.MakeInt(id), nil
}

func (r *runner) layerOnly(b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple, extra ...any) (int, error) {
	var lv starlark.Value
	pairs := append([]any{"layer", &lv}, extra...)
	if err := starlark.UnpackArgs(b.Name(), args, kw, pairs...); err != nil {
		return 0, err
	}
	return r.layerArg(lv)
}

func (r *runner) selectLayer(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	id, err := r.layerOnly(b, args, kw)
	if err != nil {
		return nil, err
	}
	return starlark.None, r.s.SelectLayer(id)
}

func (r *runner) currentLayer(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 0); err != nil {
		return nil, err
	}
	return starlark.MakeInt(r.s.Current()), nil
}

func (r *runner) setLayerVisibility(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var visible bool
	id, err := r.layerOnly(b, args, kw, "visible", &visible)
	if err != nil {
		return nil, err
	}
	return starlark.None, r.s.SetVisible(id, visible)
}

func (r *runner) renameLayer(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var name string
	id, err := r.layerOnly(b, args, kw, "name", &name)
	if err != nil {
		return nil, err
	}
	return starlark.None, r.s.RenameLayer(id, name)
}

func (r *runner) deleteLayer(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	id, err := r.layerOnly(b, args, kw)
	if err != nil {
		return nil, err
	}
	info, _ := r.s.LayerInfo(id)
	if err := r.s.DeleteLayer(id); err != nil {
		return nil, err
	}
	return starlark.None, r.spend(info.Count)
}

// --- noise, randomness, colours ---

func (r *runner) noise(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var xv, yv, zv starlark.Value
	var seed int64
	octaves := 1
	if err := starlark.UnpackArgs(b.Name(), args, kw, "x", &xv, "y", &yv, "z?", &zv, "seed?", &seed, "octaves?", &octaves); err != nil {
		return nil, err
	}
	x, err := number(xv, "x")
	if err != nil {
		return nil, err
	}
	y, err := number(yv, "y")
	if err != nil {
		return nil, err
	}
	z := 0.0
	if zv != nil && zv != starlark.None {
		if z, err = number(zv, "z"); err != nil {
			return nil, err
		}
	}
	if octaves < 1 || octaves > 16 {
		return nil, fmt.Errorf("octaves must be 1-16, got %d", octaves)
	}
	return starlark.Float(Noise(x, y, z, seed, octaves)), nil
}

func (r *runner) random(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var seed int64
	if err := starlark.UnpackArgs(b.Name(), args, kw, "seed?", &seed); err != nil {
		return nil, err
	}
	return newRNG(seed), nil
}

func (r *runner) color(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 1, &v); err != nil {
		return nil, err
	}
	c, err := ParseColor(v)
	if err != nil {
		return nil, err
	}
	return starlark.String(FormatColor(c)), nil
}

func (r *runner) rgb(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var cr, cg, cb starlark.Value
	var ca starlark.Value = starlark.MakeInt(255)
	if err := starlark.UnpackArgs(b.Name(), args, kw, "r", &cr, "g", &cg, "b", &cb, "a?", &ca); err != nil {
		return nil, err
	}
	var c [4]uint8
	for i, v := range []starlark.Value{cr, cg, cb, ca} {
		f, err := number(v, string("rgba"[i]))
		if err != nil {
			return nil, err
		}
		c[i] = uint8(math.Max(0, math.Min(255, math.Round(f))))
	}
	return starlark.String(FormatColor(color.NRGBA{R: c[0], G: c[1], B: c[2], A: c[3]})), nil
}

func (r *runner) mix(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var av, bv, tv starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kw, "a", &av, "b", &bv, "t", &tv); err != nil {
		return nil, err
	}
	ca, err := ParseColor(av)
	if err != nil {
		return nil, err
	}
	cb, err := ParseColor(bv)
	if err != nil {
		return nil, err
	}
	t, err := number(tv, "t")
	if err != nil {
		return nil, err
	}
	t = math.Max(0, math.Min(1, t))
	m := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + (float64(y)-float64(x))*t)) }
	return starlark.String(FormatColor(color.NRGBA{R: m(ca.R, cb.R), G: m(ca.G, cb.G), B: m(ca.B, cb.B), A: m(ca.A, cb.A)})), nil
}

// toStarlark converts JSON-like Go values to Starlark values.
func toStarlark(v any, depth int) (starlark.Value, error) {
	if depth > 32 {
		return nil, fmt.Errorf("nested more than 32 levels deep")
	}
	switch v := v.(type) {
	case nil:
		return starlark.None, nil
	case bool:
		return starlark.Bool(v), nil
	case string:
		return starlark.String(v), nil
	case int:
		return starlark.MakeInt(v), nil
	case int64:
		return starlark.MakeInt64(v), nil
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return starlark.MakeInt64(int64(v)), nil
		}
		return starlark.Float(v), nil
	case []any:
		out := make([]starlark.Value, len(v))
		for i, e := range v {
			sv, err := toStarlark(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = sv
		}
		return starlark.NewList(out), nil
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		d := starlark.NewDict(len(v))
		for _, k := range keys {
			sv, err := toStarlark(v[k], depth+1)
			if err != nil {
				return nil, err
			}
			_ = d.SetKey(starlark.String(k), sv) // string keys
		}
		return d, nil
	}
	return nil, fmt.Errorf("unsupported value of type %T", v)
}
