package tools

import (
	"errors"
	"fmt"
	"image/color"
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
		more, err := parseData(text, withColor, def, limit-len(items))
		if err != nil {
			return nil, err
		}
		items = append(items, more...)
	}
	if !a.has("voxels") && !a.has("data") {
		return nil, fmt.Errorf(`voxels is required: an array where %s; or give data as text lines "x y z RRGGBB"`, voxelForms)
	}
	return items, nil
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
// with spaces, tabs or commas between fields and '#' starting a comment.
func parseData(text string, withColor bool, def *color.NRGBA, limit int) ([]voxelItem, error) {
	items := make([]voxelItem, 0, strings.Count(text, "\n")+1)
	line := 0
	for len(text) > 0 {
		var ln string
		if i := strings.IndexAny(text, "\n;"); i >= 0 {
			ln, text = text[:i], text[i+1:]
		} else {
			ln, text = text, ""
		}
		line++
		if i := strings.IndexByte(ln, '#'); i >= 0 && !isColorHash(ln, i) {
			ln = ln[:i]
		}
		fields := strings.FieldsFunc(ln, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == '\r' })
		if len(fields) == 0 {
			continue
		}
		name := fmt.Sprintf("data line %d", line)
		if len(fields) != 3 && len(fields) != 4 {
			return nil, fmt.Errorf("%s must be \"x y z RRGGBB\", got %q", name, strings.TrimSpace(ln))
		}
		var p [3]int
		for i := range 3 {
			n, err := strconv.Atoi(fields[i])
			if err != nil || n < -maxCoord || n > maxCoord {
				return nil, fmt.Errorf("%s: %c must be an integer from %d to %d, got %q", name, "xyz"[i], -maxCoord, maxCoord, fields[i])
			}
			p[i] = n
		}
		it := voxelItem{pos: voxel.Pos{X: p[0], Y: p[1], Z: p[2]}}
		if withColor {
			switch {
			case len(fields) == 4:
				c, err := ParseColor(name+" colour", fields[3])
				if err != nil {
					return nil, err
				}
				it.color = c
			case def != nil:
				it.color = *def
			default:
				return nil, fmt.Errorf("%s has no colour and no default color was given", name)
			}
		}
		if len(items) >= limit {
			return nil, fmt.Errorf("data has more voxels than the limit per call: split the batch, or use fill_shape for solids")
		}
		items = append(items, it)
	}
	return items, nil
}

// isColorHash reports whether the '#' at i starts a colour like #FF0000
// rather than a comment: it follows a field separator after three numbers.
func isColorHash(ln string, i int) bool {
	return len(strings.Fields(strings.ReplaceAll(ln[:i], ",", " "))) == 3
}
