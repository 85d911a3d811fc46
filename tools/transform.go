package tools

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"math"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/ops"
)

// regionResult is what every region tool reports.
type regionResult struct {
	Added     int    `json:"added"`
	Removed   int    `json:"removed"`
	Recolored int    `json:"recolored"`
	Changed   int    `json:"changed"`
	Layer     int    `json:"layer,omitempty"`
	ToLayer   int    `json:"to_layer,omitempty"`
	Moved     int    `json:"voxels_in_region"`
	Region    *boxJS `json:"result_region,omitempty"` // where the transformed voxels are now
	Voxels    int    `json:"scene_voxels"`
	Box       *boxJS `json:"bounding_box,omitempty"`
}

// run is the body every region edit shares: it counts the voxels of box
// in the source layer, applies op and records what changed; the scene must
// stay within the server's size limit.
func (r *regionResult) run(d Deps, s *voxel.Scene, src int, box voxel.Box, op func(ops.Region) (ops.Result, voxel.Box, error)) error {
	r.Layer = src
	r.Moved = countVoxels(s, src, box)
	res, out, err := op(ops.Region{Layer: src, Box: box})
	if err != nil {
		return err
	}
	r.Region = boxJSON(out)
	r.set(res, s)
	return checkSceneSize(d, s)
}

func (r *regionResult) set(res ops.Result, s *voxel.Scene) {
	r.Added, r.Removed, r.Recolored, r.Changed = res.Added, res.Removed, res.Recolored, res.Changed()
	r.Voxels = s.Count()
	r.Box = boxJSON(s.Box())
}

func (r regionResult) summary(verb string) string {
	msg := fmt.Sprintf("%s %d voxels: %d added, %d removed, %d recoloured", verb, r.Moved, r.Added, r.Removed, r.Recolored)
	if r.Region != nil {
		msg += fmt.Sprintf("; they now span %v..%v", r.Region.Min, r.Region.Max)
	}
	return msg + fmt.Sprintf("; the scene has %d voxels.", r.Voxels)
}

// boxArg reads the inclusive box "from"/"to".
func boxArg(a args) (voxel.Box, error) {
	from, err := a.pos("from")
	if err != nil {
		return voxel.EmptyBox, err
	}
	to, err := a.pos("to")
	if err != nil {
		return voxel.EmptyBox, err
	}
	return voxel.BoxOf(from, to), nil
}

// halfArg reads a number that may be a half-integer, doubled.
func halfArg(name string, v any) (int, error) {
	f, err := args{name: v}.float(name, 0, -maxCoord, maxCoord)
	if err != nil {
		return 0, err
	}
	if f*2 != math.Trunc(f*2) {
		return 0, fmt.Errorf("%s must be a whole or half number (e.g. 4 or 4.5), got %s", name, describe(v))
	}
	return int(f * 2), nil
}

func axisArg(a args, name, def string) (int, error) {
	ax, err := a.enum(name, def, axisNames...)
	if err != nil {
		return 0, err
	}
	return strings.Index("xyz", ax), nil
}

// countVoxels returns how many voxels of the layer lie in box.
func countVoxels(s *voxel.Scene, layer int, box voxel.Box) int {
	n := 0
	s.EachIn(layer, box, func(voxel.Pos, color.NRGBA) bool { n++; return true })
	return n
}

const regionHelp = `"from" and "to" are the inclusive corners of the box, as in fill_shape; "layer" is the source layer (default: the current one).`

// translateEdit reads copy_region's and move_region's arguments.
func translateEdit(keep bool) editParser {
	return func(d Deps, a args) (edit, error) {
		box, err := boxArg(a)
		if err != nil {
			return edit{}, err
		}
		var off voxel.Pos
		switch {
		case a.has("offset") && a.has("destination"):
			return edit{}, errors.New(`give either "offset" ([dx, dy, dz]) or "destination" (where the box's minimum corner goes), not both`)
		case a.has("offset"):
			if off, err = a.pos("offset"); err != nil {
				return edit{}, err
			}
		case a.has("destination"):
			dst, err := a.pos("destination")
			if err != nil {
				return edit{}, err
			}
			off = voxel.Pos{X: dst.X - box.Min.X, Y: dst.Y - box.Min.Y, Z: dst.Z - box.Min.Z}
		default:
			return edit{}, errors.New(`offset is required: [dx, dy, dz], how far to shift the region (or give destination: where its minimum corner goes)`)
		}
		name, verb := "copy_region", "Copied"
		if !keep {
			name, verb = "move_region", "Moved"
		}
		var r regionResult
		return edit{name, func(_ context.Context, s *voxel.Scene) error {
			src, err := targetLayer(a, s)
			if err != nil {
				return err
			}
			dst := src
			if a.has("to_layer") {
				if dst, err = targetLayer(args{"layer": a["to_layer"]}, s); err != nil {
					return fmt.Errorf("to_layer: %w", err)
				}
			}
			r.ToLayer = dst
			return r.run(d, s, src, box, func(reg ops.Region) (ops.Result, voxel.Box, error) {
				return ops.Apply(s, reg, dst, ops.Translation(off), keep)
			})
		}, func() *mcp.CallToolResult { return structured(r.summary(verb), r) }}, nil
	}
}

// CopyRegion returns the copy_region tool.
func CopyRegion(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("copy_region",
		mcp.WithDescription(`Copy the voxels of a box by an offset, optionally into another layer; the copy overwrites what is there and the original stays. `+regionHelp+` Empty positions of the box are not copied. Use it to repeat a part (windows, towers, trees). One call is one undo step.
Example: {"from":[0,0,0],"to":[9,9,20],"offset":[30,0,0]}`),
		annotations(false, true, true),
		mcp.WithArray("from", mcp.Required(), mcp.Description("[x, y, z] corner"), mcp.WithIntegerItems()),
		mcp.WithArray("to", mcp.Required(), mcp.Description("[x, y, z] opposite corner"), mcp.WithIntegerItems()),
		mcp.WithArray("offset", mcp.Description("[dx, dy, dz] shift of the copy"), mcp.WithIntegerItems()),
		mcp.WithArray("destination", mcp.Description("Alternative to offset: [x, y, z] where the box's minimum corner goes"), mcp.WithIntegerItems()),
		layerProp("to copy from"),
		mcp.WithInteger("to_layer", mcp.Description("Layer id to copy into. Default: the source layer."), mcp.Min(1)),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: d.editHandler(translateEdit(true))}
}

// MoveRegion returns the move_region tool.
func MoveRegion(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("move_region",
		mcp.WithDescription(`Move the voxels of a box by an offset, optionally into another layer: they leave their old places (except where moved voxels land) and overwrite what is at the new ones. `+regionHelp+` Use it to fix a misplaced part (a door, a window) in one call. One call is one undo step.
Example: {"from":[4,0,1],"to":[6,0,5],"offset":[-3,0,0]}`),
		annotations(false, true, false),
		mcp.WithArray("from", mcp.Required(), mcp.Description("[x, y, z] corner"), mcp.WithIntegerItems()),
		mcp.WithArray("to", mcp.Required(), mcp.Description("[x, y, z] opposite corner"), mcp.WithIntegerItems()),
		mcp.WithArray("offset", mcp.Description("[dx, dy, dz] shift"), mcp.WithIntegerItems()),
		mcp.WithArray("destination", mcp.Description("Alternative to offset: [x, y, z] where the box's minimum corner goes"), mcp.WithIntegerItems()),
		layerProp("to move from"),
		mcp.WithInteger("to_layer", mcp.Description("Layer id to move into. Default: the source layer."), mcp.Min(1)),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: d.editHandler(translateEdit(false))}
}

func mirrorRegionEdit(d Deps, a args) (edit, error) {
	box, err := boxArg(a)
	if err != nil {
		return edit{}, err
	}
	if !a.has("axis") {
		return edit{}, errors.New(`axis is required: "x", "y" or "z", the axis the mirror plane is perpendicular to`)
	}
	axis, err := axisArg(a, "axis", "x")
	if err != nil {
		return edit{}, err
	}
	c2 := ops.Centre2(box)
	at2 := [3]int{c2.X, c2.Y, c2.Z}[axis]
	if a.has("at") {
		if at2, err = halfArg("at", a["at"]); err != nil {
			return edit{}, err
		}
	}
	keep, err := a.bool("keep_original", false)
	if err != nil {
		return edit{}, err
	}
	var r regionResult
	return edit{"mirror_region", func(_ context.Context, s *voxel.Scene) error {
		id, err := targetLayer(a, s)
		if err != nil {
			return err
		}
		return r.run(d, s, id, box, func(reg ops.Region) (ops.Result, voxel.Box, error) {
			return ops.Mirror(s, reg, axis, at2, keep)
		})
	}, func() *mcp.CallToolResult {
		verb := fmt.Sprintf("Mirrored about %s = %g", axisNames[axis], float64(at2)/2)
		if keep {
			verb += " (originals kept)"
		}
		return structured(r.summary(verb), r)
	}}, nil
}

// MirrorRegion returns the mirror_region tool.
func MirrorRegion(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("mirror_region",
		mcp.WithDescription(`Mirror the voxels of a box about a plane perpendicular to axis x, y or z at coordinate "at" (a whole or half number: 0 mirrors x onto -x, -0.5 mirrors x=0 onto x=-1; default the box's centre, which flips the box in place). keep_original=true keeps the originals and adds the mirror image: build half a model, then mirror it to get an exactly symmetric one. `+regionHelp+` One call is one undo step.
Example: {"from":[0,-10,0],"to":[12,10,30],"axis":"x","at":-0.5,"keep_original":true}`),
		annotations(false, true, false),
		mcp.WithArray("from", mcp.Required(), mcp.Description("[x, y, z] corner"), mcp.WithIntegerItems()),
		mcp.WithArray("to", mcp.Required(), mcp.Description("[x, y, z] opposite corner"), mcp.WithIntegerItems()),
		mcp.WithString("axis", mcp.Required(), mcp.Enum("x", "y", "z"), mcp.Description("The axis the mirror plane is perpendicular to")),
		mcp.WithNumber("at", mcp.Description("The plane's coordinate on that axis; may end in .5. Default: the box's centre.")),
		mcp.WithBoolean("keep_original", mcp.Description("Keep the original voxels too. Default false.")),
		layerProp("to mirror"),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: d.editHandler(mirrorRegionEdit)}
}

func rotateRegionEdit(d Deps, a args) (edit, error) {
	box, err := boxArg(a)
	if err != nil {
		return edit{}, err
	}
	axis, err := axisArg(a, "axis", "z")
	if err != nil {
		return edit{}, err
	}
	turns, err := a.int("turns", 1, -1000, 1000)
	if err != nil {
		return edit{}, err
	}
	if a.has("angle") {
		if a.has("turns") {
			return edit{}, errors.New(`give either "turns" (quarter turns) or "angle" (degrees), not both`)
		}
		deg, err := a.int("angle", 90, -3600, 3600)
		if err != nil || deg%90 != 0 {
			return edit{}, fmt.Errorf("angle must be a multiple of 90 degrees (90, 180, 270, -90), got %s", describe(a["angle"]))
		}
		turns = deg / 90
	}
	c2 := ops.Centre2(box)
	if a.has("center") {
		list, ok := a["center"].([]any)
		if !ok || len(list) != 3 {
			return edit{}, fmt.Errorf("center must be [x, y, z] (whole or half numbers), got %s", describe(a["center"]))
		}
		var c [3]int
		for i, v := range list {
			if c[i], err = halfArg(fmt.Sprintf("center[%d]", i), v); err != nil {
				return edit{}, err
			}
		}
		c2 = voxel.Pos{X: c[0], Y: c[1], Z: c[2]}
	}
	keep, err := a.bool("keep_original", false)
	if err != nil {
		return edit{}, err
	}
	var r regionResult
	return edit{"rotate_region", func(_ context.Context, s *voxel.Scene) error {
		id, err := targetLayer(a, s)
		if err != nil {
			return err
		}
		return r.run(d, s, id, box, func(reg ops.Region) (ops.Result, voxel.Box, error) {
			return ops.Rotate(s, reg, axis, turns, c2, keep)
		})
	}, func() *mcp.CallToolResult {
		return structured(r.summary(fmt.Sprintf("Rotated %d° about %s through %s", ((turns%4)+4)%4*90, axisNames[axis], half3(c2))), r)
	}}, nil
}

func half3(c2 voxel.Pos) string {
	return fmt.Sprintf("[%g,%g,%g]", float64(c2.X)/2, float64(c2.Y)/2, float64(c2.Z)/2)
}

// RotateRegion returns the rotate_region tool.
func RotateRegion(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("rotate_region",
		mcp.WithDescription(`Rotate the voxels of a box by quarter turns about an axis (x, y or z; default z), counter-clockwise when looking from +axis towards the origin (about z, +x turns towards +y). The centre defaults to the box's centre; give "center" ([x,y,z], whole or half numbers) to turn about another point. The voxels leave their old places unless keep_original=true. `+regionHelp+` One call is one undo step.
Example: {"from":[0,0,0],"to":[9,4,6],"axis":"z","turns":1}`),
		annotations(false, true, false),
		mcp.WithArray("from", mcp.Required(), mcp.Description("[x, y, z] corner"), mcp.WithIntegerItems()),
		mcp.WithArray("to", mcp.Required(), mcp.Description("[x, y, z] opposite corner"), mcp.WithIntegerItems()),
		mcp.WithString("axis", mcp.Enum("x", "y", "z"), mcp.Description("Default z")),
		mcp.WithInteger("turns", mcp.Description("Quarter turns, negative for clockwise. Default 1.")),
		mcp.WithInteger("angle", mcp.Description("Alternative to turns: degrees, a multiple of 90.")),
		mcp.WithArray("center", mcp.Description("[x, y, z] point on the rotation axis. Default: the box's centre."), mcp.WithNumberItems()),
		mcp.WithBoolean("keep_original", mcp.Description("Keep the original voxels too. Default false.")),
		layerProp("to rotate"),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: d.editHandler(rotateRegionEdit)}
}

func replaceColorEdit(d Deps, a args) (edit, error) {
	old, err := a.color("old_color", nil)
	if err != nil {
		return edit{}, err
	}
	nc, err := a.color("new_color", nil)
	if err != nil {
		return edit{}, err
	}
	if nc.A == 0 {
		return edit{}, errors.New("new_color has alpha 0, which means no voxel: give alpha 1-255 (to delete voxels use remove_voxels or fill_shape mode remove)")
	}
	tol, err := a.int("tolerance", 0, 0, 255)
	if err != nil {
		return edit{}, err
	}
	box := voxel.EmptyBox
	hasBox := a.has("from") || a.has("to")
	if hasBox {
		if box, err = boxArg(a); err != nil {
			return edit{}, err
		}
	}
	var r regionResult
	return edit{"replace_color", func(_ context.Context, s *voxel.Scene) error {
		var layers []int
		if a.has("layer") {
			id, err := targetLayer(a, s)
			if err != nil {
				return err
			}
			layers, r.Layer = []int{id}, id
		} else {
			for _, l := range s.Layers() {
				layers = append(layers, l.ID)
			}
		}
		var total ops.Result
		for _, id := range layers {
			b := box
			if !hasBox {
				info, _ := s.LayerInfo(id)
				b = info.Box
			}
			res, err := ops.ReplaceColor(s, ops.Region{Layer: id, Box: b}, old, tol, nc)
			if err != nil {
				return err
			}
			total.Add(res)
		}
		r.Moved = total.Recolored
		r.set(total, s)
		return nil
	}, func() *mcp.CallToolResult {
		where := "every layer"
		if r.Layer != 0 {
			where = fmt.Sprintf("layer %d", r.Layer)
		}
		if hasBox {
			where += " in " + box.String()
		}
		return structured(fmt.Sprintf("Recoloured %d voxels within %d of %s to %s on %s; the scene has %d voxels.",
			r.Recolored, tol, FormatColor(old), FormatColor(nc), where, r.Voxels), r)
	}}, nil
}

// ReplaceColor returns the replace_color tool.
func ReplaceColor(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("replace_color",
		mcp.WithDescription(`Recolour every voxel whose colour is within "tolerance" (per RGBA channel, default 0: exact) of old_color to new_color, in one layer or every layer (default), optionally only inside the box from/to. `+colorHelp+` One call is one undo step.
Example: {"old_color":"#808080","new_color":"#A05030","tolerance":10}`),
		annotations(false, true, true),
		mcp.WithAny("old_color", mcp.Required(), mcp.Description("The colour to replace. "+colorHelp)),
		mcp.WithAny("new_color", mcp.Required(), mcp.Description("The colour to give them.")),
		mcp.WithInteger("tolerance", mcp.Description("Largest difference per channel, 0-255. Default 0."), mcp.Min(0), mcp.Max(255)),
		mcp.WithArray("from", mcp.Description("[x, y, z] corner of an optional box"), mcp.WithIntegerItems()),
		mcp.WithArray("to", mcp.Description("[x, y, z] opposite corner"), mcp.WithIntegerItems()),
		mcp.WithInteger("layer", mcp.Description("Layer id. Default: every layer."), mcp.Min(1)),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: d.editHandler(replaceColorEdit)}
}
