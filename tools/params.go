package tools

import (
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// maxCoord bounds every voxel coordinate, so box volumes and block
// arithmetic never overflow: the scene budget's extent.
const maxCoord = voxel.MaxCoord

// args reads the arguments of one tool call. Every getter returns an error
// that names the argument, says what is allowed and what was given.
type args map[string]any

func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		if len(v) > 40 {
			v = v[:40] + "…"
		}
		return strconv.Quote(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case []any:
		return fmt.Sprintf("an array of %d items", len(v))
	case map[string]any:
		return "an object"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%T", v)
	}
	return string(b)
}

// toInt accepts 12, 12.0 and "12" and refuses 1.5, NaN, ±Inf and anything
// outside [lo, hi].
func toInt(name string, v any, lo, hi int) (int, error) {
	var f float64
	switch v := v.(type) {
	case float64:
		f = v
	case int:
		f = float64(v)
	case int64:
		f = float64(v)
	case json.Number:
		g, err := v.Float64()
		if err != nil {
			return 0, fmt.Errorf("%s must be an integer from %d to %d, got %s", name, lo, hi, v)
		}
		f = g
	case string:
		g, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0, fmt.Errorf("%s must be an integer from %d to %d, got %s", name, lo, hi, describe(v))
		}
		f = g
	default:
		return 0, fmt.Errorf("%s must be an integer from %d to %d, got %s", name, lo, hi, describe(v))
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return 0, fmt.Errorf("%s must be an integer from %d to %d, got %s", name, lo, hi, describe(v))
	}
	return int(f), nil
}

func (a args) has(name string) bool {
	v, ok := a[name]
	return ok && v != nil
}

func (a args) int(name string, def, lo, hi int) (int, error) {
	if !a.has(name) {
		return def, nil
	}
	return toInt(name, a[name], lo, hi)
}

func (a args) requireInt(name string, lo, hi int) (int, error) {
	if !a.has(name) {
		return 0, fmt.Errorf("%s is required: an integer from %d to %d", name, lo, hi)
	}
	return toInt(name, a[name], lo, hi)
}

func (a args) float(name string, def, lo, hi float64) (float64, error) {
	if !a.has(name) {
		return def, nil
	}
	var f float64
	switch v := a[name].(type) {
	case float64:
		f = v
	case string:
		g, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0, fmt.Errorf("%s must be a number from %g to %g, got %s", name, lo, hi, describe(v))
		}
		f = g
	default:
		return 0, fmt.Errorf("%s must be a number from %g to %g, got %s", name, lo, hi, describe(v))
	}
	if math.IsNaN(f) || f < lo || f > hi {
		return 0, fmt.Errorf("%s must be a number from %g to %g, got %s", name, lo, hi, describe(a[name]))
	}
	return f, nil
}

func (a args) bool(name string, def bool) (bool, error) {
	if !a.has(name) {
		return def, nil
	}
	switch v := a[name].(type) {
	case bool:
		return v, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "yes", "1":
			return true, nil
		case "false", "no", "0":
			return false, nil
		}
	}
	return false, fmt.Errorf("%s must be true or false, got %s", name, describe(a[name]))
}

func (a args) string(name, def string) (string, error) {
	if !a.has(name) {
		return def, nil
	}
	s, ok := a[name].(string)
	if !ok {
		return "", fmt.Errorf("%s must be a string, got %s", name, describe(a[name]))
	}
	return s, nil
}

func (a args) requireString(name string) (string, error) {
	if !a.has(name) {
		return "", fmt.Errorf("%s is required", name)
	}
	s, err := a.string(name, "")
	if err == nil && strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("%s must not be empty", name)
	}
	return s, err
}

func (a args) enum(name, def string, allowed ...string) (string, error) {
	s, err := a.string(name, def)
	if err != nil {
		return "", err
	}
	s = strings.ToLower(strings.TrimSpace(s))
	for _, v := range allowed {
		if s == v {
			return s, nil
		}
	}
	return "", fmt.Errorf("%s must be one of %s, got %s", name, strings.Join(allowed, ", "), describe(a[name]))
}

// toPos accepts [x, y, z] or {"x":…, "y":…, "z":…}.
func toPos(name string, v any) (voxel.Pos, error) {
	var xyz [3]any
	switch v := v.(type) {
	case []any:
		if len(v) != 3 {
			return voxel.Pos{}, fmt.Errorf("%s must be [x, y, z] (3 integers), got %s", name, describe(v))
		}
		copy(xyz[:], v)
	case map[string]any:
		for i, k := range []string{"x", "y", "z"} {
			c, ok := v[k]
			if !ok {
				return voxel.Pos{}, fmt.Errorf("%s needs %q: use [x, y, z] or {\"x\":0,\"y\":0,\"z\":0}", name, k)
			}
			xyz[i] = c
		}
	default:
		return voxel.Pos{}, fmt.Errorf("%s must be [x, y, z] (3 integers), got %s", name, describe(v))
	}
	var p [3]int
	for i, c := range xyz {
		if f, ok := c.(float64); ok && f == math.Trunc(f) && f >= -maxCoord && f <= maxCoord {
			p[i] = int(f) // the common case, without building an argument name
			continue
		}
		n, err := toInt(fmt.Sprintf("%s.%c", name, "xyz"[i]), c, -maxCoord, maxCoord)
		if err != nil {
			return voxel.Pos{}, err
		}
		p[i] = n
	}
	return voxel.Pos{X: p[0], Y: p[1], Z: p[2]}, nil
}

func (a args) pos(name string) (voxel.Pos, error) {
	if !a.has(name) {
		return voxel.Pos{}, fmt.Errorf("%s is required: [x, y, z] with integer coordinates", name)
	}
	return toPos(name, a[name])
}

// position reads a position given either as "position" ([x,y,z]) or as
// separate "x", "y" and "z" arguments.
func (a args) position() (voxel.Pos, error) {
	if a.has("position") {
		return toPos("position", a["position"])
	}
	if a.has("x") || a.has("y") || a.has("z") {
		return toPos("position", map[string]any{"x": a["x"], "y": a["y"], "z": a["z"]})
	}
	return voxel.Pos{}, fmt.Errorf("position is required: [x, y, z] with integer coordinates")
}

func (a args) color(name string, def *color.NRGBA) (color.NRGBA, error) {
	if !a.has(name) {
		if def != nil {
			return *def, nil
		}
		return color.NRGBA{}, fmt.Errorf("%s is required: \"#RRGGBB\", \"#RRGGBBAA\", [r,g,b] or [r,g,b,a] (0-255)", name)
	}
	return ParseColor(name, a[name])
}

// ParseColor reads a colour given as "#RRGGBB", "#RRGGBBAA" (the # is
// optional), [r,g,b] or [r,g,b,a] with components 0-255.
func ParseColor(name string, v any) (color.NRGBA, error) {
	bad := func() (color.NRGBA, error) {
		return color.NRGBA{}, fmt.Errorf("%s must be \"#RRGGBB\", \"#RRGGBBAA\", [r,g,b] or [r,g,b,a] with 0-255 components, got %s", name, describe(v))
	}
	switch v := v.(type) {
	case string:
		c, ok := parseHex(strings.TrimSpace(v))
		if !ok {
			return bad()
		}
		return c, nil
	case []any:
		if len(v) != 3 && len(v) != 4 {
			return bad()
		}
		c := [4]uint8{0, 0, 0, 255}
		for i, x := range v {
			n, err := toInt(fmt.Sprintf("%s[%d]", name, i), x, 0, 255)
			if err != nil {
				return color.NRGBA{}, err
			}
			c[i] = uint8(n)
		}
		return color.NRGBA{c[0], c[1], c[2], c[3]}, nil
	}
	return bad()
}

// FormatColor returns c as "#RRGGBBAA".
func FormatColor(c color.NRGBA) string {
	return fmt.Sprintf("#%02X%02X%02X%02X", c.R, c.G, c.B, c.A)
}

func posJSON(p voxel.Pos) [3]int { return [3]int{p.X, p.Y, p.Z} }
