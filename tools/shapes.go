package tools

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

var axisNames = []string{"x", "y", "z"}

// shapeArg builds a voxel.Shape from fill_shape's arguments.
func shapeArg(a args) (voxel.Shape, error) {
	kind, err := a.enum("shape", "", "box", "sphere", "ellipsoid", "cylinder", "cone", "line", "plane")
	if err != nil {
		return voxel.Shape{}, err
	}
	sh := voxel.Shape{Kind: voxel.ShapeKind(kind)}
	if kind == "ellipsoid" {
		sh.Kind = voxel.ShapeSphere
	}
	if sh.Hollow, err = a.bool("hollow", false); err != nil {
		return sh, err
	}
	axis, err := a.enum("axis", "z", axisNames...)
	if err != nil {
		return sh, err
	}
	sh.Axis = strings.Index("xyz", axis)
	switch sh.Kind {
	case voxel.ShapeBox, voxel.ShapeLine, voxel.ShapePlane:
		if sh.From, err = a.pos("from"); err != nil {
			return sh, err
		}
		if sh.To, err = a.pos("to"); err != nil {
			return sh, err
		}
		if sh.Kind == voxel.ShapeLine {
			sh.Radius, err = a.int("radius", 0, 0, maxCoord)
		}
	case voxel.ShapeSphere:
		if sh.Center, err = a.pos("center"); err != nil {
			return sh, err
		}
		sh.Radii, err = radiiArg(a)
	case voxel.ShapeCylinder, voxel.ShapeCone:
		if sh.Center, err = a.pos("center"); err != nil {
			return sh, err
		}
		if sh.Radius, err = a.requireInt("radius", 0, maxCoord); err != nil {
			return sh, err
		}
		sh.Height, err = a.requireInt("height", 1, 2*maxCoord)
	}
	return sh, err
}

// radiiArg reads "radius" as one integer or [rx, ry, rz].
func radiiArg(a args) ([3]int, error) {
	if !a.has("radius") {
		return [3]int{}, errors.New("radius is required: an integer, or [rx, ry, rz] for an ellipsoid")
	}
	if list, ok := a["radius"].([]any); ok {
		if len(list) != 3 {
			return [3]int{}, fmt.Errorf("radius must be an integer or [rx, ry, rz], got %s", describe(list))
		}
		var r [3]int
		for i, v := range list {
			n, err := toInt(fmt.Sprintf("radius[%d]", i), v, 0, maxCoord)
			if err != nil {
				return r, err
			}
			r[i] = n
		}
		return r, nil
	}
	n, err := toInt("radius", a["radius"], 0, maxCoord)
	return [3]int{n, n, n}, err
}

// FillShape returns the fill_shape tool.
func FillShape(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("fill_shape",
		mcp.WithDescription(`Fill, clear or paint a solid shape in one call; the fastest way to build. Z is up; all coordinates are integer voxels.
Shapes and their arguments:
- box: from, to (opposite corners, inclusive)
- sphere / ellipsoid: center, radius (integer, or [rx,ry,rz]); includes voxels with x²+y²+z² ≤ r²
- cylinder, cone: center (centre of the base), radius, height, axis (x|y|z, default z; grows toward +axis; a cone narrows to a point)
- line: from, to, radius (0 = one voxel thick)
- plane: from, to, axis (the normal; the plane lies at from's coordinate on that axis)
hollow=true keeps a one-voxel shell (a plane: its border). mode: add (default, needs color), remove, paint (recolour existing voxels only). `+colorHelp+` One call is one undo step.
Example: {"shape":"sphere","center":[0,0,0],"radius":20,"color":"#3080FF"}`),
		annotations(false, true, true),
		mcp.WithString("shape", mcp.Required(), mcp.Enum("box", "sphere", "ellipsoid", "cylinder", "cone", "line", "plane")),
		mcp.WithArray("from", mcp.Description("[x,y,z] for box, line, plane"), mcp.WithIntegerItems()),
		mcp.WithArray("to", mcp.Description("[x,y,z] for box, line, plane"), mcp.WithIntegerItems()),
		mcp.WithArray("center", mcp.Description("[x,y,z] for sphere, cylinder, cone"), mcp.WithIntegerItems()),
		mcp.WithAny("radius", mcp.Description("Integer; [rx,ry,rz] for an ellipsoid")),
		mcp.WithInteger("height", mcp.Description("Voxels along axis, for cylinder and cone"), mcp.Min(1)),
		mcp.WithString("axis", mcp.Enum("x", "y", "z"), mcp.Description("Default z")),
		mcp.WithBoolean("hollow", mcp.Description("Only the one-voxel shell. Default false.")),
		mcp.WithString("mode", mcp.Enum("add", "remove", "paint"), mcp.Description("Default add")),
		mcp.WithAny("color", mcp.Description(colorHelp)),
		layerProp("where to draw"),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		sh, err := shapeArg(a)
		if err != nil {
			return nil, err
		}
		mode, err := a.enum("mode", "add", "add", "remove", "paint")
		if err != nil {
			return nil, err
		}
		var c color.NRGBA
		if mode != "remove" {
			if c, err = a.color("color", nil); err != nil {
				return nil, err
			}
			if c.A == 0 {
				return nil, errors.New(`color has alpha 0, which means no voxel: use mode "remove" to clear`)
			}
		}
		box, err := sh.Bounds()
		if err != nil {
			return nil, errors.New(strings.TrimPrefix(err.Error(), "invalid shape: "))
		}
		if v := box.Volume(); v > d.Limits.MaxShapeVolume {
			s := box.Size()
			return nil, fmt.Errorf("the shape's bounding box is %d×%d×%d = %d voxels, more than the limit of %d: make it smaller or split it into several calls", s.X, s.Y, s.Z, v, d.Limits.MaxShapeVolume)
		}
		var r editResult
		_, err = d.Project.Edit("fill_shape "+string(sh.Kind), func(s *voxel.Scene) error {
			id, err := targetLayer(a, s)
			if err != nil {
				return err
			}
			r.Layer = id
			if sh.Kind == voxel.ShapeBox && !sh.Hollow && mode != "paint" {
				fill := c
				if mode == "remove" {
					fill = color.NRGBA{}
				}
				r.Changed = s.FillBox(id, box, fill)
				r.Unchanged = int(box.Volume()) - r.Changed
				r.Voxels = s.Count()
				r.Box = boxJSON(s.Box())
				return checkSceneSize(d, s)
			}
			n := 0
			err = sh.Each(func(p voxel.Pos) bool {
				if n++; n&0xFFFF == 0 && ctx.Err() != nil {
					return false
				}
				var ok bool
				switch mode {
				case "add":
					ok = s.Set(id, p, c)
				case "remove":
					ok = s.Set(id, p, color.NRGBA{})
				case "paint":
					ok = s.Recolor(id, p, c)
				}
				if ok {
					r.Changed++
				} else {
					r.Unchanged++
				}
				return true
			})
			if err == nil {
				err = ctx.Err()
			}
			if err != nil {
				return err
			}
			r.Voxels = s.Count()
			r.Box = boxJSON(s.Box())
			return checkSceneSize(d, s)
		})
		if err != nil {
			return nil, err
		}
		verb := map[string]string{"add": "Filled", "remove": "Cleared", "paint": "Painted"}[mode]
		kind := string(sh.Kind)
		if sh.Hollow {
			kind = "hollow " + kind
		}
		return structured(fmt.Sprintf("%s %s %v: %d voxels changed, %d unchanged, on layer %d; the scene has %d voxels.",
			verb, kind, box, r.Changed, r.Unchanged, r.Layer, r.Voxels), r), nil
	})}
}

// FloodFill returns the flood_fill tool.
func FloodFill(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("flood_fill",
		mcp.WithDescription(`6-connected flood fill from a start position on one layer. If the start holds a voxel, every connected voxel of that exact colour is recoloured. If it is empty, the connected empty region is filled, which must be enclosed by voxels of the layer (an open region is refused, nothing changes). At most "limit" voxels (default and maximum: the configured flood limit, 1,048,576); over that nothing changes. `+colorHelp+` One call is one undo step.
Example: {"position":[0,0,5],"color":"#FFFF00"}`),
		annotations(false, true, true),
		mcp.WithArray("position", mcp.Required(), mcp.Description("[x, y, z] start"), mcp.WithIntegerItems()),
		mcp.WithAny("color", mcp.Required(), mcp.Description(colorHelp)),
		mcp.WithInteger("limit", mcp.Description("Most voxels to change"), mcp.Min(1)),
		layerProp("to fill"),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		start, err := a.position()
		if err != nil {
			return nil, err
		}
		c, err := a.color("color", nil)
		if err != nil {
			return nil, err
		}
		if c.A == 0 {
			return nil, errors.New("color has alpha 0, which means no voxel: give alpha 1-255")
		}
		limit, err := a.int("limit", d.Limits.MaxFloodFill, 1, d.Limits.MaxFloodFill)
		if err != nil {
			return nil, err
		}
		var r editResult
		mode := "recolour"
		_, err = d.Project.Edit("flood_fill", func(s *voxel.Scene) error {
			id, err := targetLayer(a, s)
			if err != nil {
				return err
			}
			r.Layer = id
			if s.Get(id, start).A == 0 {
				mode = "fill"
			}
			info, _ := s.LayerInfo(id)
			region, err := s.FloodRegion(id, start, limit, info.Box)
			switch {
			case errors.Is(err, voxel.ErrFloodLimit):
				return fmt.Errorf("the region from %v has more than %d voxels (limit); nothing was changed: raise limit (at most %d) or fill a smaller part", start, limit, d.Limits.MaxFloodFill)
			case errors.Is(err, voxel.ErrNotEnclosed):
				return fmt.Errorf("the empty region at %v is not enclosed by voxels of layer %d (it reaches the layer's bounding box %v); nothing was changed: close the walls first, or use fill_shape", start, id, info.Box)
			case err != nil:
				return err
			}
			setAll(s, id, &r, len(region), func(i int) (voxel.Pos, color.NRGBA) { return region[i], c })
			return checkSceneSize(d, s)
		})
		if err != nil {
			return nil, err
		}
		out := struct {
			editResult
			Mode string `json:"mode"`
		}{r, mode}
		return structured(fmt.Sprintf("Flood %s from %v: %d voxels changed on layer %d; the scene has %d voxels.", mode, start, r.Changed, r.Layer, r.Voxels), out), nil
	})}
}
