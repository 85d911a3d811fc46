package tools

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/ops"
)

// edit is one editing call with its arguments read and checked: apply
// changes the scene (inside Project.Edit, which rolls back on error) and
// result reports what it did once apply has run.
type edit struct {
	label  string
	apply  func(ctx context.Context, s *voxel.Scene) error
	result func() *mcp.CallToolResult
}

// editParser reads one editing tool's arguments.
type editParser func(d Deps, a args) (edit, error)

// editHandler runs an editing tool as one undo step.
func (d Deps) editHandler(parse editParser) mcpserver.ToolHandlerFunc {
	return wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		e, err := parse(d, a)
		if err != nil {
			return nil, err
		}
		if _, err := d.Project.Edit(e.label, func(s *voxel.Scene) error { return e.apply(ctx, s) }); err != nil {
			return nil, err
		}
		return e.result(), nil
	})
}

// batchable are the tools apply_edits accepts, by name.
var batchable = map[string]editParser{
	"add_voxels":    addVoxelsEdit,
	"remove_voxels": removeVoxelsEdit,
	"paint_voxels":  paintVoxelsEdit,
	"fill_shape":    fillShapeEdit,
	"flood_fill":    floodFillEdit,
	"replace_color": replaceColorEdit,
	"copy_region":   translateEdit(true),
	"move_region":   translateEdit(false),
	"mirror_region": mirrorRegionEdit,
	"rotate_region": rotateRegionEdit,
}

// batchTools builds the tools whose arguments apply_edits operations take,
// so an operation's arguments are checked against that tool's own schema.
var batchTools = map[string]func(Deps) mcpserver.ServerTool{
	"add_voxels":    AddVoxels,
	"remove_voxels": RemoveVoxels,
	"paint_voxels":  PaintVoxels,
	"fill_shape":    FillShape,
	"flood_fill":    FloodFill,
	"replace_color": ReplaceColor,
	"copy_region":   CopyRegion,
	"move_region":   MoveRegion,
	"mirror_region": MirrorRegion,
	"rotate_region": RotateRegion,
}

// batchProps returns each batchable tool's declared arguments, by name.
func batchProps(d Deps) map[string]map[string]any {
	out := make(map[string]map[string]any, len(batchTools))
	for name, build := range batchTools {
		props, _ := inputProperties(build(d).Tool)
		out[name] = props
	}
	return out
}

func batchableNames() string {
	names := make([]string, 0, len(batchable))
	for n := range batchable {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// maxOperations bounds one apply_edits call.
const maxOperations = 1000

// ordinal gives 1st, 2nd, 3rd, 4th … for error messages.
func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return fmt.Sprint(n) + suffix
}

func opError(i int, tool string, err error) error {
	return fmt.Errorf("operations[%d] (the %s operation, %s) failed: %v; nothing was changed", i, ordinal(i+1), tool, err)
}

// ApplyEdits returns the apply_edits tool.
func ApplyEdits(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("apply_edits",
		mcp.WithDescription(`Apply several edits atomically, as one undo step: "operations" is a list of {"tool": NAME, "arguments": {...}}, NAME one of `+batchableNames()+`, arguments exactly as that tool takes them. Every operation is checked before any is applied, and they run in order; if any fails, nothing changes and the error names the failing operation's index (0-based). Returns each operation's summary and the net voxels added, removed and recoloured.
Example: {"operations":[{"tool":"fill_shape","arguments":{"shape":"box","from":[0,0,0],"to":[9,9,0],"color":"#808080"}},{"tool":"move_region","arguments":{"from":[4,0,1],"to":[5,0,3],"offset":[2,0,0]}}]}`),
		annotations(false, true, false),
		mcp.WithArray("operations", mcp.Required(), mcp.Description(fmt.Sprintf(`Up to %d items {"tool": NAME, "arguments": {...}}.`, maxOperations)),
			mcp.Items(map[string]any{"type": "object", "properties": map[string]any{
				"tool":      map[string]any{"type": "string"},
				"arguments": map[string]any{"type": "object"},
			}, "required": []string{"tool"}})),
	)
	opProps := batchProps(d)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		list, ok := a["operations"].([]any)
		if !ok {
			return nil, fmt.Errorf(`operations is required: a list of {"tool": NAME, "arguments": {...}}, got %s`, describe(a["operations"]))
		}
		if len(list) == 0 || len(list) > maxOperations {
			return nil, fmt.Errorf("operations must hold 1 to %d items, got %d", maxOperations, len(list))
		}
		edits := make([]edit, len(list))
		names := make([]string, len(list))
		for i, item := range list {
			op, ok := item.(map[string]any)
			if !ok {
				return nil, opError(i, "?", fmt.Errorf(`an operation must be {"tool": NAME, "arguments": {...}}, got %s`, describe(item)))
			}
			name, _ := op["tool"].(string)
			names[i] = name
			parse, ok := batchable[name]
			if !ok {
				return nil, opError(i, describe(op["tool"]), fmt.Errorf("tool must be one of %s", batchableNames()))
			}
			opArgs := args{}
			if raw, ok := op["arguments"]; ok && raw != nil {
				m, ok := raw.(map[string]any)
				if !ok {
					return nil, opError(i, name, fmt.Errorf("arguments must be an object, got %s", describe(raw)))
				}
				opArgs = args(m)
			}
			if opArgs.has(expectedRevisionProp) {
				return nil, opError(i, name, errors.New("expected_revision goes on apply_edits itself, not on an operation"))
			}
			if props := opProps[name]; props != nil {
				if msg := unknownArgs(opArgs, props, props, fmt.Sprintf("operations[%d].arguments.", i)); msg != "" {
					return nil, opError(i, name, fmt.Errorf("%s; %s takes %s", msg, name, strings.Join(sortedKeys(props), ", ")))
				}
			}
			e, err := parse(d, opArgs)
			if err != nil {
				return nil, opError(i, name, err)
			}
			edits[i] = e
		}
		var total ops.Result
		var box voxel.Box
		count := 0
		_, err := d.Project.Edit("apply_edits", func(s *voxel.Scene) error {
			before := ops.Capture(s)
			for i, e := range edits {
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("apply_edits was cancelled before operations[%d]; nothing was changed", i)
				}
				if err := e.apply(ctx, s); err != nil {
					return opError(i, names[i], err)
				}
			}
			total = ops.Diff(before, ops.Capture(s))
			box, count = s.Box(), s.Count()
			return nil
		})
		if err != nil {
			return nil, err
		}
		type opSummary struct {
			Tool    string `json:"tool"`
			Summary string `json:"summary"`
		}
		out := struct {
			Operations []opSummary `json:"operations"`
			Added      int         `json:"added"`
			Removed    int         `json:"removed"`
			Recolored  int         `json:"recolored"`
			Voxels     int         `json:"scene_voxels"`
			Box        *boxJS      `json:"bounding_box,omitempty"`
		}{Added: total.Added, Removed: total.Removed, Recolored: total.Recolored, Voxels: count, Box: boxJSON(box)}
		var lines []string
		for i, e := range edits {
			summary := firstLine(text0(e.result()))
			out.Operations = append(out.Operations, opSummary{names[i], summary})
			lines = append(lines, fmt.Sprintf("%d. %s: %s", i, names[i], summary))
		}
		msg := fmt.Sprintf("Applied %d operations as one undo step: %s; the scene has %d voxels.\n%s",
			len(edits), total, count, strings.Join(lines, "\n"))
		return structured(msg, out), nil
	})}
}

func text0(res *mcp.CallToolResult) string {
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			return tc.Text
		}
	}
	return ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
