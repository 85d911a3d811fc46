package tools

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

type voxelItem struct {
	pos   voxel.Pos
	color color.NRGBA
}

const voxelForms = `each item is [x,y,z], [x,y,z,"#RRGGBB"], [x,y,z,r,g,b] or {"x":…,"y":…,"z":…,"color":…}`

// voxelList reads the "voxels" array and the compact "data" text of an
// add/remove/paint call. withColor says whether colours are wanted; items
// without one take def (an error when def is nil).
func voxelList(a args, withColor bool, def *color.NRGBA, limit int) ([]voxelItem, error) {
	var items []voxelItem
	if a.has("voxels") {
		list, ok := a["voxels"].([]any)
		if !ok {
			return nil, fmt.Errorf("voxels must be an array; %s", voxelForms)
		}
		if len(list) > limit {
			return nil, fmt.Errorf("voxels has %d items, more than the limit of %d per call: split the batch, or use fill_shape for solids", len(list), limit)
		}
		items = make([]voxelItem, 0, len(list))
		for i, v := range list {
			if it, ok := quickItem(v, withColor, def); ok {
				items = append(items, it)
				continue
			}
			it, err := voxelItemOf(fmt.Sprintf("voxels[%d]", i), v, withColor, def)
			if err != nil {
				return nil, err
			}
			items = append(items, it)
		}
	}
	if a.has("data") {
		text, ok := a["data"].(string)
		if !ok {
			return nil, errors.New(`data must be a string of lines "x y z RRGGBB" (Goxel's text format)`)
		}
		more, err := parseData(text, withColor, def, limit-len(items), false)
		if err != nil {
			return nil, err
		}
		items = append(items, more...)
	}
	if a.has("runs") {
		text, ok := a["runs"].(string)
		if !ok {
			return nil, errors.New(`runs must be a string of lines "x y z length RRGGBB" (length voxels along +X)`)
		}
		more, err := parseData(text, withColor, def, limit-len(items), true)
		if err != nil {
			return nil, err
		}
		items = append(items, more...)
	}
	if !a.has("voxels") && !a.has("data") && !a.has("runs") {
		return nil, fmt.Errorf(`voxels is required: an array where %s; or give data as text lines "x y z RRGGBB"`, voxelForms)
	}
	return items, nil
}

// quickItem reads the common item forms [x,y,z] and [x,y,z,"#RRGGBB"]
// without building names for error messages; anything else (or anything
// wrong) goes through voxelItemOf, which explains the problem.
func quickItem(v any, withColor bool, def *color.NRGBA) (voxelItem, bool) {
	list, ok := v.([]any)
	if !ok || len(list) < 3 || len(list) > 4 {
		return voxelItem{}, false
	}
	var p [3]int
	for i := range 3 {
		f, ok := list[i].(float64)
		if !ok || f != math.Trunc(f) || f < -maxCoord || f > maxCoord {
			return voxelItem{}, false
		}
		p[i] = int(f)
	}
	it := voxelItem{pos: voxel.Pos{X: p[0], Y: p[1], Z: p[2]}}
	if !withColor {
		return it, true
	}
	if len(list) == 3 {
		if def == nil {
			return voxelItem{}, false
		}
		it.color = *def
		return it, true
	}
	s, ok := list[3].(string)
	if !ok {
		return voxelItem{}, false
	}
	if it.color, ok = voxel.ParseHex(s); !ok {
		return voxelItem{}, false
	}
	return it, true
}

func voxelItemOf(name string, v any, withColor bool, def *color.NRGBA) (voxelItem, error) {
	var it voxelItem
	var colorArg any
	switch v := v.(type) {
	case []any:
		if len(v) < 3 {
			return it, fmt.Errorf("%s must have at least x, y, z; %s", name, voxelForms)
		}
		p, err := toPos(name, v[:3])
		if err != nil {
			return it, err
		}
		it.pos = p
		switch rest := v[3:]; len(rest) {
		case 0:
		case 1:
			colorArg = rest[0]
		case 3, 4:
			colorArg = rest
		default:
			return it, fmt.Errorf("%s has %d items; %s", name, len(v), voxelForms)
		}
	case map[string]any:
		var p voxel.Pos
		var err error
		switch {
		case v["position"] != nil:
			p, err = toPos(name+".position", v["position"])
		case v["pos"] != nil:
			p, err = toPos(name+".pos", v["pos"])
		default:
			p, err = toPos(name, v)
		}
		if err != nil {
			return it, err
		}
		it.pos = p
		colorArg = v["color"]
	default:
		return it, fmt.Errorf("%s: %s; got %s", name, voxelForms, describe(v))
	}
	if !withColor {
		return it, nil
	}
	if colorArg == nil {
		if def == nil {
			return it, fmt.Errorf("%s has no colour and no default color was given: add \"color\" to the call or to the item", name)
		}
		it.color = *def
		return it, nil
	}
	c, err := ParseColor(name+".color", colorArg)
	if err != nil {
		return it, err
	}
	it.color = c
	return it, nil
}

// parseData reads lines "x y z [RRGGBB[AA]]" separated by newlines or ';',
// with spaces, tabs or commas between fields, an optional '#' before the
// colour and '#' starting a comment elsewhere. It scans bytes without
// allocating per line: big batches come this way.
//
// With runs set, each line is "x y z length [RRGGBB[AA]]": length voxels
// from (x, y, z) along +X, so rows of a solid cost one line.
func parseData(text string, withColor bool, def *color.NRGBA, limit int, runs bool) ([]voxelItem, error) {
	name := "data"
	extra := 0
	if runs {
		name, extra = "runs", 1
	}
	// Reserve no more than the limit allows, whatever the text claims; runs
	// are usually many voxels a line.
	lines := strings.Count(text, "\n") + 1
	if runs {
		lines *= 32
	}
	items := make([]voxelItem, 0, min(lines, max(limit, 0)))
	line := 0
	for len(text) > 0 {
		var ln string
		if i := strings.IndexAny(text, "\n;"); i >= 0 {
			ln, text = text[:i], text[i+1:]
		} else {
			ln, text = text, ""
		}
		line++
		var fields [5]string
		n := 0
		for j := 0; j < len(ln); {
			c := ln[j]
			if c == ' ' || c == '\t' || c == ',' || c == '\r' {
				j++
				continue
			}
			if c == '#' && n != 3+extra {
				break // a comment
			}
			k := j + 1
			for k < len(ln) && ln[k] != ' ' && ln[k] != '\t' && ln[k] != ',' && ln[k] != '\r' {
				k++
			}
			if n == len(fields) {
				return nil, dataError(name, line, ln, runs)
			}
			fields[n] = ln[j:k]
			n++
			j = k
		}
		if n == 0 {
			continue
		}
		if n != 3+extra && n != 4+extra {
			return nil, dataError(name, line, ln, runs)
		}
		var p [3]int
		for i := range 3 {
			v, err := strconv.Atoi(fields[i])
			if err != nil || v < -maxCoord || v > maxCoord {
				return nil, fmt.Errorf("%s line %d: %c must be an integer from %d to %d, got %q", name, line, "xyz"[i], -maxCoord, maxCoord, fields[i])
			}
			p[i] = v
		}
		it := voxelItem{pos: voxel.Pos{X: p[0], Y: p[1], Z: p[2]}}
		length := 1
		if runs {
			v, err := strconv.Atoi(fields[3])
			if err != nil || v < 1 || v > limit || p[0]+v-1 > maxCoord {
				return nil, fmt.Errorf("runs line %d: length must be an integer from 1 to %d, got %q", line, limit, fields[3])
			}
			length = v
		}
		if withColor {
			switch {
			case n == 4+extra:
				c, ok := parseHex(fields[3+extra])
				if !ok {
					return nil, fmt.Errorf("%s line %d: colour must be RRGGBB or RRGGBBAA (hex), got %q", name, line, fields[3+extra])
				}
				it.color = c
			case def != nil:
				it.color = *def
			default:
				return nil, fmt.Errorf("%s line %d has no colour and no default color was given", name, line)
			}
		}
		if len(items)+length > limit {
			return nil, fmt.Errorf("%s has more voxels than the limit of %d per call: split the batch, or use fill_shape for solids", name, limit)
		}
		for i := range length {
			items = append(items, voxelItem{pos: voxel.Pos{X: p[0] + i, Y: p[1], Z: p[2]}, color: it.color})
		}
	}
	return items, nil
}

func dataError(name string, line int, ln string, runs bool) error {
	form := "x y z RRGGBB"
	if runs {
		form = "x y z length RRGGBB"
	}
	return fmt.Errorf("%s line %d must be \"%s\", got %q", name, line, form, strings.TrimSpace(ln))
}

// parseHex reads "RRGGBB" or "RRGGBBAA", with or without a leading '#'.
func parseHex(s string) (color.NRGBA, bool) { return voxel.ParseHex(s) }
