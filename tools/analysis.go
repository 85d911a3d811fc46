package tools

import (
	"cmp"
	"context"
	"fmt"
	"image/color"
	"slices"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// eachSelected visits the voxels of the "layer" argument, or of every
// visible layer merged when it is absent.
func eachSelected(a args, s *voxel.Scene, fn func(voxel.Pos, color.NRGBA) bool) (layer int, err error) {
	if a.has("layer") {
		id, err := targetLayer(a, s)
		if err != nil {
			return 0, err
		}
		s.Each(id, fn)
		return id, nil
	}
	box := s.Box()
	eachVisibleIn(s, box, fn)
	return 0, nil
}

// GetBoundingBox returns the get_bounding_box tool.
func GetBoundingBox(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("get_bounding_box",
		mcp.WithDescription("The inclusive bounding box (min, max, size in voxels) of one layer, or of all layers (hidden ones too) when layer is omitted; empty when there are no voxels."),
		annotations(true, false, true),
		mcp.WithInteger("layer", mcp.Description("Layer id. Default: all layers."), mcp.Min(1)),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var box voxel.Box
		var count, layer int
		var lerr error
		d.Project.Read(func(s *voxel.Scene) {
			if a.has("layer") {
				id, err := targetLayer(a, s)
				if err != nil {
					lerr = err
					return
				}
				info, _ := s.LayerInfo(id)
				box, count, layer = info.Box, info.Count, id
				return
			}
			box, count = s.Box(), s.Count()
		})
		if lerr != nil {
			return nil, lerr
		}
		out := map[string]any{"empty": box.Empty(), "voxels": count}
		if layer != 0 {
			out["layer"] = layer
		}
		if b := boxJSON(box); b != nil {
			out["min"], out["max"], out["size"] = b.Min, b.Max, b.Size
		}
		if box.Empty() {
			return structured("No voxels: the bounding box is empty.", out), nil
		}
		sz := box.Size()
		return structured(fmt.Sprintf("Bounding box %v, size %d×%d×%d (x×y×z), %d voxels.", box, sz.X, sz.Y, sz.Z, count), out), nil
	})}
}

// GetColorHistogram returns the get_color_histogram tool.
func GetColorHistogram(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("get_color_histogram",
		mcp.WithDescription("Count voxels per colour, most used first, for one layer or all visible layers merged. Returns the distinct colour count and up to \"limit\" entries (default 64)."),
		annotations(true, false, true),
		mcp.WithInteger("layer", mcp.Description("Layer id. Default: visible layers merged."), mcp.Min(1)),
		mcp.WithInteger("limit", mcp.Description("Entries to return. Default 64."), mcp.Min(1), mcp.Max(4096)),
		maxBytesProp,
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		limit, err := a.int("limit", 64, 1, 4096)
		if err != nil {
			return nil, err
		}
		budget, err := maxBytes(a)
		if err != nil {
			return nil, err
		}
		counts := map[color.NRGBA]int{}
		total := 0
		var lerr error
		d.Project.Read(func(s *voxel.Scene) {
			_, lerr = eachSelected(a, s, func(_ voxel.Pos, c color.NRGBA) bool {
				counts[c]++
				total++
				return true
			})
		})
		if lerr != nil {
			return nil, lerr
		}
		type entry struct {
			Color string `json:"color"`
			Count int    `json:"count"`
		}
		entries := make([]entry, 0, len(counts))
		for c, n := range counts {
			entries = append(entries, entry{FormatColor(c), n})
		}
		slices.SortFunc(entries, func(a, b entry) int {
			if c := cmp.Compare(b.Count, a.Count); c != 0 {
				return c
			}
			return cmp.Compare(a.Color, b.Color)
		})
		distinct := len(entries)
		entries = entries[:min(limit, len(entries))]
		out := map[string]any{"total_voxels": total, "distinct_colors": distinct, "colors": entries, "truncated": distinct > len(entries)}
		summary := func() string {
			msg := fmt.Sprintf("%d voxels in %d colours.", total, distinct)
			if len(entries) > 0 {
				msg += fmt.Sprintf(" Most used: %s (%d).", entries[0].Color, entries[0].Count)
			}
			if len(entries) < distinct {
				msg += fmt.Sprintf(" Listed the %d most used.", len(entries))
			}
			return msg
		}
		return fitted(budget, summary, out, func() bool {
			if len(entries) <= 1 {
				return false
			}
			entries = entries[:len(entries)*4/5]
			out["colors"], out["truncated"] = entries, true
			return true
		}), nil
	})}
}

// FindVoxelsByColor returns the find_voxels_by_color tool.
func FindVoxelsByColor(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("find_voxels_by_color",
		mcp.WithDescription(`Find the voxels of a colour (exact, or within "tolerance" per RGBA channel), in one layer or all visible layers merged. Returns positions one page at a time (offset/limit, within max_bytes, default 16 KB) with the total count and bounding box of all matches; format "runs" gives lines "x y z length RRGGBB" (add_voxels' runs form, far smaller); count_only just the count; group "parts" the matches' connected parts (voxels, bounding box, largest first) instead of positions.
Example: {"color":"#FF0000","tolerance":8,"group":"parts"}`),
		annotations(true, false, true),
		mcp.WithAny("color", mcp.Required(), mcp.Description(colorHelp)),
		mcp.WithInteger("tolerance", mcp.Description("Largest difference per channel, 0-255. Default 0 (exact)."), mcp.Min(0), mcp.Max(255)),
		mcp.WithInteger("layer", mcp.Description("Layer id. Default: visible layers merged."), mcp.Min(1)),
		mcp.WithInteger("offset", mcp.Min(0)),
		mcp.WithInteger("limit", mcp.Description(fmt.Sprintf("Default %d.", defaultPageSize)), mcp.Min(1)),
		formatProp, countOnlyProp, maxBytesProp,
		mcp.WithString("group", mcp.Enum("none", "parts"), mcp.Description(`"parts": return the connected parts of the matches (6-connected) with voxel counts and bounding boxes instead of positions. Default none.`)),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		want, err := a.color("color", nil)
		if err != nil {
			return nil, err
		}
		tol, err := a.int("tolerance", 0, 0, 255)
		if err != nil {
			return nil, err
		}
		offset, limit, err := page(a, d)
		if err != nil {
			return nil, err
		}
		form, err := readForm(a)
		if err != nil {
			return nil, err
		}
		group, err := a.enum("group", "none", "none", "parts")
		if err != nil {
			return nil, err
		}
		near := func(x, y uint8) bool { return max(x, y)-min(x, y) <= uint8(tol) }
		if form.runs || form.countOnly || group == "parts" {
			match := func(c color.NRGBA) bool {
				return near(c.R, want.R) && near(c.G, want.G) && near(c.B, want.B) && near(c.A, want.A)
			}
			what := fmt.Sprintf("match %s (tolerance %d)", FormatColor(want), tol)
			return d.compactFind(a, match, what, form, group == "parts", offset, limit)
		}
		budget := itemBudget{room: form.maxBytes - summaryReserve}
		positions := [][4]any{}
		total := 0
		box := voxel.EmptyBox
		var lerr error
		d.Project.Read(func(s *voxel.Scene) {
			_, lerr = eachSelected(a, s, func(p voxel.Pos, c color.NRGBA) bool {
				if near(c.R, want.R) && near(c.G, want.G) && near(c.B, want.B) && near(c.A, want.A) {
					if total >= offset && len(positions) < limit && budget.take(p) {
						positions = append(positions, [4]any{p.X, p.Y, p.Z, FormatColor(c)})
					}
					total++
					box = box.Extend(p)
				}
				return true
			})
		})
		if lerr != nil {
			return nil, lerr
		}
		out := map[string]any{"total": total, "offset": offset, "returned": len(positions), "voxels": positions,
			"truncated": offset+len(positions) < total}
		if b := boxJSON(box); b != nil {
			out["bounding_box"] = b
		}
		msg := fmt.Sprintf("%d voxels match %s (tolerance %d); returned %d from offset %d.", total, FormatColor(want), tol, len(positions), offset)
		if offset+len(positions) < total {
			out["next_offset"] = offset + len(positions)
			out["truncated_by"] = budget.reason()
			msg += fmt.Sprintf(" More remain (truncated by %s): call again with offset %d, or use format \"runs\" or group \"parts\".", budget.reason(), offset+len(positions))
		}
		return structured(msg, out), nil
	})}
}
