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

const colorHelp = `Colours: "#RRGGBB", "#RRGGBBAA", [r,g,b] or [r,g,b,a] (0-255).`

// targetLayer reads the optional "layer" argument, defaulting to the
// current layer, and checks it exists.
func targetLayer(a args, s *voxel.Scene) (int, error) {
	id, err := a.int("layer", s.Current(), 1, 1<<30)
	if err != nil {
		return 0, err
	}
	if !s.HasLayer(id) {
		return 0, unknownLayer(s, id)
	}
	return id, nil
}

func unknownLayer(s *voxel.Scene, id int) error {
	ids := ""
	for i, l := range s.Layers() {
		if i > 0 {
			ids += ", "
		}
		ids += fmt.Sprint(l.ID)
	}
	return fmt.Errorf("layer %d does not exist; existing layer ids: %s (see list_layers)", id, ids)
}

// checkSceneSize refuses an edit that left the scene over the voxel limit
// or that the scene budget refused part of; Project.Edit then rolls it back.
func checkSceneSize(d Deps, s *voxel.Scene) error {
	if err := s.Err(); err != nil {
		return budgetError(err)
	}
	if n := s.Count(); n > d.Limits.MaxSceneVoxels {
		return fmt.Errorf("the scene would hold %d voxels, more than the limit of %d; nothing was changed", n, d.Limits.MaxSceneVoxels)
	}
	return nil
}

type editResult struct {
	Changed   int    `json:"changed"`
	Unchanged int    `json:"unchanged"`
	Layer     int    `json:"layer"`
	Voxels    int    `json:"scene_voxels"`
	Box       *boxJS `json:"bounding_box,omitempty"`
}

type boxJS struct {
	Min  [3]int `json:"min"`
	Max  [3]int `json:"max"`
	Size [3]int `json:"size"`
}

func boxJSON(b voxel.Box) *boxJS {
	if b.Empty() {
		return nil
	}
	return &boxJS{Min: posJSON(b.Min), Max: posJSON(b.Max), Size: posJSON(b.Size())}
}

func editSummary(verb string, r editResult) string {
	return fmt.Sprintf("%s %d voxels on layer %d (%d already as asked); the scene has %d voxels.", verb, r.Changed, r.Layer, r.Unchanged, r.Voxels)
}

// coloredVoxels reads the voxel list of add_voxels and paint_voxels, with
// the optional default "color".
func coloredVoxels(a args, d Deps) ([]voxelItem, error) {
	var def *color.NRGBA
	if a.has("color") {
		c, err := a.color("color", nil)
		if err != nil {
			return nil, err
		}
		def = &c
	}
	return voxelList(a, true, def, d.Limits.MaxVoxelsPerCall)
}

// budgetError is what a tool says when the scene budget refused part of
// an edit: the limit, and that the edit was rolled back.
func budgetError(err error) error {
	return fmt.Errorf("%w; nothing was changed", err)
}

// setAll sets each position to c (or the item's own colour) and counts
// what changed in r. A batch that adds voxels is first checked against the
// scene budget's blocks, so a sparse batch is refused before any of its
// blocks is made; a refusal is kept in the scene (s.Err), which
// checkSceneSize and Project.Edit report, and the edit is rolled back.
func setAll(s *voxel.Scene, layer int, r *editResult, n int, at func(i int) (voxel.Pos, color.NRGBA)) {
	if n > 0 {
		if _, c := at(0); c.A != 0 {
			if err := s.CheckBlocks(layer, n, func(i int) voxel.Pos { p, _ := at(i); return p }); err != nil {
				return
			}
		}
	}
	for i := range n {
		p, c := at(i)
		if s.Set(layer, p, c) {
			r.Changed++
		} else if s.Err() != nil {
			return
		} else {
			r.Unchanged++
		}
	}
	r.Voxels = s.Count()
	r.Box = boxJSON(s.Box())
}

// page reads the "offset" and "limit" arguments of a paginated tool.
func page(a args, d Deps) (offset, limit int, err error) {
	if offset, err = a.int("offset", 0, 0, 1<<40); err != nil {
		return 0, 0, err
	}
	limit, err = a.int("limit", defaultPageSize, 1, d.Limits.MaxPageSize)
	return offset, limit, err
}

// AddVoxels returns the add_voxels tool.
func AddVoxels(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("add_voxels",
		mcp.WithDescription(`Add or overwrite many voxels in one call (up to the per-call limit, 1,048,576 by default), each with its own colour. Coordinates are integers, Z is up. `+colorHelp+`
Give "voxels" as an array of [x,y,z], [x,y,z,"#RRGGBB"], [x,y,z,r,g,b] or {"x":0,"y":0,"z":0,"color":"#FF0000"}, and/or "data" as compact text lines "x y z RRGGBB" (Goxel's .txt format), and/or "runs" as lines "x y z length RRGGBB" (length voxels along +X: fastest for big batches). Items without a colour use "color".
For boxes, spheres, cylinders, cones, lines and planes use fill_shape instead. One call is one undo step.
Example: {"voxels":[[0,0,0,"#FF0000"],[1,0,0]],"color":"#00FF00"}`),
		annotations(false, true, true),
		mcp.WithArray("voxels", mcp.Description(`Voxels to add: [x,y,z], [x,y,z,"#RRGGBB"], [x,y,z,r,g,b(,a)] or {"x","y","z","color"}.`), mcp.Items(voxelItemsSchema())),
		mcp.WithString("data", mcp.Description(`Compact alternative: lines "x y z RRGGBB" separated by newlines or ';'.`)),
		mcp.WithString("runs", mcp.Description(`Run-length alternative: lines "x y z length RRGGBB", length voxels from x,y,z along +X.`)),
		withColor("color", "Default colour for items without one. "+colorHelp, false),
		layerProp("where to add"),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: d.editHandler(addVoxelsEdit)}
}

// addVoxelsEdit reads add_voxels' arguments.
func addVoxelsEdit(d Deps, a args) (edit, error) {
	items, err := coloredVoxels(a, d)
	if err != nil {
		return edit{}, err
	}
	for i, it := range items {
		if it.color.A == 0 {
			return edit{}, fmt.Errorf("voxel %d has alpha 0, which means no voxel: use remove_voxels to delete, or give alpha 1-255", i)
		}
	}
	var r editResult
	return edit{"add_voxels", func(_ context.Context, s *voxel.Scene) error {
		id, err := targetLayer(a, s)
		if err != nil {
			return err
		}
		r.Layer = id
		setAll(s, id, &r, len(items), func(i int) (voxel.Pos, color.NRGBA) { return items[i].pos, items[i].color })
		return checkSceneSize(d, s)
	}, func() *mcp.CallToolResult { return structured(editSummary("Added", r), r) }}, nil
}

// RemoveVoxels returns the remove_voxels tool.
func RemoveVoxels(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("remove_voxels",
		mcp.WithDescription(`Remove voxels at the given positions from one layer. Give "voxels" as an array of [x,y,z] (or {"x","y","z"}), and/or "data" as text lines "x y z", and/or "runs" as lines "x y z length" (along +X). Positions without a voxel are counted as unchanged. To clear a box or sphere use fill_shape with mode "remove". One call is one undo step.
Example: {"voxels":[[0,0,0],[1,0,0]]}`),
		annotations(false, true, true),
		mcp.WithArray("voxels", mcp.Description("Positions to clear: [x,y,z] or {\"x\",\"y\",\"z\"}."), mcp.Items(voxelItemsSchema())),
		mcp.WithString("data", mcp.Description(`Compact alternative: lines "x y z" separated by newlines or ';'.`)),
		mcp.WithString("runs", mcp.Description(`Run-length alternative: lines "x y z length" along +X.`)),
		layerProp("where to remove"),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: d.editHandler(removeVoxelsEdit)}
}

// removeVoxelsEdit reads remove_voxels' arguments.
func removeVoxelsEdit(d Deps, a args) (edit, error) {
	items, err := voxelList(a, false, nil, d.Limits.MaxVoxelsPerCall)
	if err != nil {
		return edit{}, err
	}
	var r editResult
	return edit{"remove_voxels", func(_ context.Context, s *voxel.Scene) error {
		id, err := targetLayer(a, s)
		if err != nil {
			return err
		}
		r.Layer = id
		setAll(s, id, &r, len(items), func(i int) (voxel.Pos, color.NRGBA) { return items[i].pos, color.NRGBA{} })
		return nil
	}, func() *mcp.CallToolResult { return structured(editSummary("Removed", r), r) }}, nil
}

// PaintVoxels returns the paint_voxels tool.
func PaintVoxels(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("paint_voxels",
		mcp.WithDescription(`Recolour existing voxels; empty positions are skipped, never filled. Same input forms as add_voxels: "voxels" ([x,y,z] or [x,y,z,"#RRGGBB"] …), "data" lines and/or "runs" lines, with "color" for items without their own. `+colorHelp+` To recolour a connected region use flood_fill; a box or sphere, fill_shape with mode "paint". One call is one undo step.
Example: {"voxels":[[0,0,0],[1,0,0]],"color":"#0000FF"}`),
		annotations(false, true, true),
		mcp.WithArray("voxels", mcp.Description(`Voxels to recolour: [x,y,z], [x,y,z,"#RRGGBB"] or {"x","y","z","color"}.`), mcp.Items(voxelItemsSchema())),
		mcp.WithString("data", mcp.Description(`Compact alternative: lines "x y z RRGGBB".`)),
		mcp.WithString("runs", mcp.Description(`Run-length alternative: lines "x y z length RRGGBB", length voxels from x,y,z along +X.`)),
		withColor("color", "Colour for items without one. "+colorHelp, false),
		layerProp("where to paint"),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: d.editHandler(paintVoxelsEdit)}
}

// paintVoxelsEdit reads paint_voxels' arguments.
func paintVoxelsEdit(d Deps, a args) (edit, error) {
	items, err := coloredVoxels(a, d)
	if err != nil {
		return edit{}, err
	}
	var r editResult
	skipped := 0
	return edit{"paint_voxels", func(_ context.Context, s *voxel.Scene) error {
		id, err := targetLayer(a, s)
		if err != nil {
			return err
		}
		r.Layer = id
		for _, it := range items {
			switch {
			case s.Get(id, it.pos).A == 0:
				skipped++
			case s.Recolor(id, it.pos, it.color):
				r.Changed++
			default:
				r.Unchanged++
			}
		}
		r.Voxels = s.Count()
		return nil
	}, func() *mcp.CallToolResult {
		out := struct {
			editResult
			SkippedEmpty int `json:"skipped_empty"`
		}{r, skipped}
		return structured(fmt.Sprintf("Painted %d voxels on layer %d; %d already had that colour, %d positions were empty and skipped.",
			r.Changed, r.Layer, r.Unchanged, skipped), out)
	}}, nil
}

// GetVoxel returns the get_voxel tool.
func GetVoxel(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("get_voxel",
		mcp.WithDescription(`Read one voxel: whether it exists, its colour as "#RRGGBBAA" and its layer. Without "layer" it returns the top-most voxel over all layers.
Example: {"position":[0,0,0]} or {"x":0,"y":0,"z":0}`),
		annotations(true, false, true),
		mcp.WithArray("position", mcp.Description("[x, y, z]"), mcp.WithIntegerItems()),
		mcp.WithInteger("x"), mcp.WithInteger("y"), mcp.WithInteger("z"),
		mcp.WithInteger("layer", mcp.Description("Layer id to read. Default: the top-most voxel of any layer."), mcp.Min(1)),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		p, err := a.position()
		if err != nil {
			return nil, err
		}
		type out struct {
			Position [3]int `json:"position"`
			Exists   bool   `json:"exists"`
			Color    string `json:"color,omitempty"`
			Layer    int    `json:"layer,omitempty"`
		}
		var o out
		var lerr error
		d.Project.Read(func(s *voxel.Scene) {
			o.Position = posJSON(p)
			if a.has("layer") {
				id, err := targetLayer(a, s)
				if err != nil {
					lerr = err
					return
				}
				if c := s.Get(id, p); c.A != 0 {
					o.Exists, o.Color, o.Layer = true, FormatColor(c), id
				}
				return
			}
			if c, id, ok := s.Lookup(p); ok {
				o.Exists, o.Color, o.Layer = true, FormatColor(c), id
			}
		})
		if lerr != nil {
			return nil, lerr
		}
		if !o.Exists {
			return structured(fmt.Sprintf("No voxel at %v.", p), o), nil
		}
		return structured(fmt.Sprintf("Voxel at %v: %s on layer %d.", p, o.Color, o.Layer), o), nil
	})}
}

const defaultPageSize = 1000

// GetVoxelsRegion returns the get_voxels_region tool.
func GetVoxelsRegion(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("get_voxels_region",
		mcp.WithDescription(`List the voxels inside a box (corners inclusive), one page at a time, as [x,y,z,"#RRGGBBAA"] items or compact runs. Items cost ~24 bytes a voxel; format "runs" gives lines "x y z length RRGGBB" (the form add_voxels takes: a solid row is one line), or only the count with count_only. Without "layer" it lists the visible voxels of all visible layers merged (upper layers win). The order is stable, so pages with offset/limit line up (offset counts runs in runs form); each page stays within max_bytes (default 16 KB, ~5k tokens) and "truncated", "truncated_by" and "next_offset" say when more remain.
Example: {"from":[-8,-8,0],"to":[7,7,15],"format":"runs"}`),
		annotations(true, false, true),
		mcp.WithArray("from", mcp.Required(), mcp.Description("[x, y, z] corner"), mcp.WithIntegerItems()),
		mcp.WithArray("to", mcp.Required(), mcp.Description("[x, y, z] opposite corner"), mcp.WithIntegerItems()),
		mcp.WithInteger("layer", mcp.Description("Layer id. Default: all visible layers merged."), mcp.Min(1)),
		mcp.WithInteger("offset", mcp.Description("Voxels to skip. Default 0."), mcp.Min(0)),
		mcp.WithInteger("limit", mcp.Description(fmt.Sprintf("Voxels (runs in runs form) per page. Default %d, at most %d.", defaultPageSize, d.Limits.MaxPageSize)), mcp.Min(1), mcp.Max(d.Limits.MaxPageSize)),
		formatProp, countOnlyProp, maxBytesProp,
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		form, err := readForm(a)
		if err != nil {
			return nil, err
		}
		from, err := a.pos("from")
		if err != nil {
			return nil, err
		}
		to, err := a.pos("to")
		if err != nil {
			return nil, err
		}
		offset, limit, err := page(a, d)
		if err != nil {
			return nil, err
		}
		box := voxel.BoxOf(from, to)
		if form.runs || form.countOnly {
			return d.compactRegion(a, box, form, offset, limit)
		}
		type out struct {
			Voxels     [][4]any `json:"voxels"`
			Total      int      `json:"total"`
			Offset     int      `json:"offset"`
			Returned   int      `json:"returned"`
			Truncated  bool     `json:"truncated"`
			NextOffset *int     `json:"next_offset,omitempty"`
			Reason     string   `json:"truncated_by,omitempty"`
			Layer      int      `json:"layer,omitempty"`
		}
		o := out{Voxels: [][4]any{}, Offset: offset}
		page := itemBudget{room: form.maxBytes - summaryReserve}
		visit := func(p voxel.Pos, c color.NRGBA) bool {
			if o.Total >= offset && len(o.Voxels) < limit && page.take(p) {
				o.Voxels = append(o.Voxels, [4]any{p.X, p.Y, p.Z, FormatColor(c)})
			}
			o.Total++
			return true
		}
		var lerr error
		d.Project.Read(func(s *voxel.Scene) {
			if a.has("layer") {
				id, err := targetLayer(a, s)
				if err != nil {
					lerr = err
					return
				}
				o.Layer = id
				s.EachIn(id, box, visit)
				return
			}
			eachVisibleIn(s, box, visit)
		})
		if lerr != nil {
			return nil, lerr
		}
		o.Returned = len(o.Voxels)
		if offset+o.Returned < o.Total {
			o.Truncated = true
			n := offset + o.Returned
			o.NextOffset = &n
			o.Reason = page.reason()
		}
		msg := fmt.Sprintf("%d voxels in %v; returned %d from offset %d.", o.Total, box, o.Returned, offset)
		if o.Truncated {
			msg += fmt.Sprintf(" More remain (truncated by %s): call again with offset %d, or use format \"runs\" (smaller).", o.Reason, *o.NextOffset)
		}
		return structured(msg, o), nil
	})}
}

// eachVisibleIn visits the merged visible voxels inside box in a stable
// order. It merges layers per position: upper visible layers win.
func eachVisibleIn(s *voxel.Scene, box voxel.Box, fn func(voxel.Pos, color.NRGBA) bool) {
	var visible []int
	for _, l := range s.Layers() {
		if l.Visible && l.Count > 0 {
			visible = append(visible, l.ID)
		}
	}
	if len(visible) == 1 {
		s.EachIn(visible[0], box, fn)
		return
	}
	seen := map[voxel.Pos]color.NRGBA{}
	var order []voxel.Pos
	for _, id := range visible {
		s.EachIn(id, box, func(p voxel.Pos, c color.NRGBA) bool {
			if _, ok := seen[p]; !ok {
				order = append(order, p)
			}
			seen[p] = c
			return true
		})
	}
	sortPositions(order)
	for _, p := range order {
		if !fn(p, seen[p]) {
			return
		}
	}
}

// maxHistorySteps bounds the steps of one undo or redo call: the history
// keeps at most voxel.DefaultHistoryLimits.MaxSteps anyway.
const maxHistorySteps = 100

func stepsProp(what string) mcp.ToolOption {
	return mcp.WithInteger("steps", mcp.Description(fmt.Sprintf("How many changes to %s, 1-%d. Default 1; fewer are %s when the history is shorter (the result says how many).", what, maxHistorySteps, what+"ne")),
		mcp.Min(1), mcp.Max(maxHistorySteps))
}

// Undo returns the undo tool.
func Undo(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("undo",
		mcp.WithDescription(`Undo the last change to the scene (one tool call that edited voxels or layers), or the last "steps" changes. Returns what was undone, how many steps, and how many remain. redo reverses it.
Example: {"steps":3}`),
		annotations(false, true, false),
		stepsProp("undo"),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return history(d, a, true)
	})}
}

// Redo returns the redo tool.
func Redo(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("redo",
		mcp.WithDescription(`Redo the last undone change, or the last "steps" undone changes. Any new edit after an undo clears the redo history.
Example: {"steps":2}`),
		annotations(false, true, false),
		stepsProp("redo"),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return history(d, a, false)
	})}
}

func history(d Deps, a args, undo bool) (*mcp.CallToolResult, error) {
	steps, err := a.int("steps", 1, 1, maxHistorySteps)
	if err != nil {
		return nil, err
	}
	type out struct {
		Undone    string `json:"undone,omitempty"`
		Redone    string `json:"redone,omitempty"`
		Steps     int    `json:"steps"`
		Requested int    `json:"requested"`
		UndoSteps int    `json:"undo_steps"`
		RedoSteps int    `json:"redo_steps"`
		Voxels    int    `json:"scene_voxels"`
	}
	o := out{Requested: steps}
	var labels []string
	err = d.Project.Do(func(s *voxel.Scene) error {
		var err error
		for range steps {
			var label string
			if undo {
				label, err = s.Undo()
			} else {
				label, err = s.Redo()
			}
			if err != nil {
				break
			}
			labels = append(labels, label)
		}
		o.UndoSteps, o.RedoSteps, o.Voxels = s.UndoSteps(), s.RedoSteps(), s.Count()
		if len(labels) > 0 {
			return nil // a shorter history than asked is reported, not refused
		}
		return err
	})
	switch {
	case errors.Is(err, voxel.ErrNothingToUndo):
		return nil, errors.New("nothing to undo: the history is empty")
	case errors.Is(err, voxel.ErrNothingToRedo):
		return nil, errors.New("nothing to redo: redo works only right after undo")
	case err != nil:
		return nil, err
	}
	o.Steps = len(labels)
	verb, done := "Undid", strings.Join(labels, ", ")
	if undo {
		o.Undone = done
	} else {
		verb, o.Redone = "Redid", done
	}
	msg := fmt.Sprintf("%s %d step", verb, o.Steps)
	if o.Steps != 1 {
		msg += "s"
	}
	msg += " (" + done + ")"
	if o.Steps < steps {
		msg += fmt.Sprintf(", not %d: the history held only %d", steps, o.Steps)
	}
	return structured(fmt.Sprintf("%s; %d undo and %d redo steps left; the scene has %d voxels.", msg, o.UndoSteps, o.RedoSteps, o.Voxels), o), nil
}
