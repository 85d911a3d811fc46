package tools

import (
	"encoding/json"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// toolMeta is what hosts show and check beside a tool's name: its title,
// and the schema of the structuredContent it returns. One table for every
// tool, applied in All, so a tool's constructor stays about arguments and
// behaviour. A tool whose constructor declares an output schema keeps it.
type toolMeta struct {
	title  string
	output map[string]any // nil: the constructor's, or none
}

// Small JSON Schema builders for the table below. Objects list their
// required properties and allow others, so adding a field never breaks a
// client; every result of a scene tool also carries "revision" (guard).
type schema = map[string]any

func object(props schema, required ...string) schema {
	s := schema{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func integer(desc string) schema { return described(schema{"type": "integer"}, desc) }
func text(desc string) schema    { return described(schema{"type": "string"}, desc) }
func boolean(desc string) schema { return described(schema{"type": "boolean"}, desc) }
func number(desc string) schema  { return described(schema{"type": "number"}, desc) }
func arrayOf(items schema, desc string) schema {
	return described(schema{"type": "array", "items": items}, desc)
}

func described(s schema, desc string) schema {
	if desc != "" {
		s["description"] = desc
	}
	return s
}

func xyz(desc string) schema {
	return described(schema{"type": "array", "items": schema{"type": "integer"}, "minItems": 3, "maxItems": 3}, desc)
}

// hexColor is a colour as returned: "#RRGGBBAA".
func hexColor(desc string) schema {
	return described(schema{"type": "string", "pattern": "^#[0-9A-F]{8}$"}, desc)
}

func boxSchema(desc string) schema {
	return described(object(schema{"min": xyz(""), "max": xyz(""), "size": xyz("voxels along x, y, z")}, "min", "max", "size"), desc)
}

// voxelItem is [x, y, z, "#RRGGBBAA"].
var voxelItemSchema = schema{
	"type": "array", "minItems": 4, "maxItems": 4,
	"items": schema{"anyOf": []any{schema{"type": "integer"}, schema{"type": "string"}}},
}

var layerSchema = object(schema{
	"id": integer("stable layer id"), "name": text(""), "visible": boolean(""), "voxels": integer(""),
	"current": boolean("edits without a layer argument go here"), "bounding_box": boxSchema(""),
}, "id", "name", "visible", "voxels", "current")

var layersOutput = object(schema{"layers": arrayOf(layerSchema, "bottom first")}, "layers")

var statusOutput = object(schema{
	"voxels":        integer("voxels in all layers, hidden ones too"),
	"layers":        integer(""),
	"current_layer": integer(""),
	"bounding_box":  boxSchema("of all layers; absent when empty"),
	"dirty":         boolean("unsaved changes"),
	"file":          text("the file opened or last saved"),
	"undo_steps":    integer(""),
	"redo_steps":    integer(""),
	"layer_list":    arrayOf(layerSchema, ""),
	"autosave":      object(schema{"enabled": boolean(""), "dir": text("")}),
	"allowed_dirs":  arrayOf(text(""), "absolute directories where files may be opened, saved, exported and rendered to"),
}, "voxels", "layers", "current_layer", "dirty", "undo_steps", "redo_steps")

var editOutput = object(schema{
	"changed":      integer("voxels changed"),
	"unchanged":    integer("positions already as asked"),
	"layer":        integer(""),
	"scene_voxels": integer("voxels in the scene after the call"),
	"bounding_box": boxSchema("of the scene"),
}, "changed", "unchanged", "layer", "scene_voxels")

func withProps(base schema, props schema, required ...string) schema {
	out := schema{}
	for k, v := range base {
		out[k] = v
	}
	p := schema{}
	for k, v := range base["properties"].(schema) {
		p[k] = v
	}
	for k, v := range props {
		p[k] = v
	}
	out["properties"] = p
	if len(required) > 0 {
		req, _ := base["required"].([]string)
		out["required"] = append(append([]string{}, req...), required...)
	}
	return out
}

// writtenProps describe what a save or export wrote.
var writtenProps = schema{
	"path":            text("the file written"),
	"format":          text("the extension, without the dot"),
	"voxels":          integer("voxels written to the file"),
	"layers":          integer("layers written (1 for formats without layers)"),
	"hidden_voxels":   integer("voxels on hidden layers: written and kept hidden, or not written (see hidden_written)"),
	"hidden_layers":   integer(""),
	"hidden_written":  boolean("whether the hidden layers are in the file"),
	"summary":         text("format-specific facts (STL solid, Minecraft block mapping)"),
	"remapped_colors": integer("colours mapped to the nearest palette entry (.vox: at most 255 colours)"),
	"remapped_voxels": integer("voxels whose colour was mapped"),
}

// compactProps are the fields of the runs and count_only forms of
// get_voxels_region and find_voxels_by_color.
var compactProps = schema{
	"format":          text(`"list" or "runs"`),
	"runs":            text(`lines "x y z length RRGGBB", the form add_voxels takes`),
	"total_runs":      integer("runs of all pages"),
	"returned_voxels": integer("voxels in the runs of this page"),
	"truncated_by":    text(`"limit" or "max_bytes"`),
	"bounding_box":    boxSchema(""),
}

var fileSchema = object(schema{
	"path": text(""), "uri": text(""), "size": integer("bytes"), "format": text(""),
	"dimensions":    object(schema{"width": integer(""), "height": integer("")}, "width", "height"),
	"checksum":      text("sha256:<hex>"),
	"created_at":    integer("unix seconds"),
	"expires_at":    integer("unix seconds"),
	"ttl_remaining": integer("seconds"),
	"managed":       boolean("in the managed render directory"),
}, "path", "uri", "size", "format", "dimensions", "checksum", "created_at")

var historyOutput = object(schema{
	"undone":       text("what was undone, latest first"),
	"redone":       text("what was redone, in order"),
	"steps":        integer("steps undone or redone"),
	"requested":    integer("steps asked for"),
	"undo_steps":   integer("undo steps left"),
	"redo_steps":   integer("redo steps left"),
	"scene_voxels": integer(""),
}, "steps", "undo_steps", "redo_steps", "scene_voxels")

// changeProps are the net changes of a transform, batch or script.
var changeProps = schema{
	"added":        integer("voxels added"),
	"removed":      integer("voxels removed"),
	"recolored":    integer("voxels recoloured"),
	"scene_voxels": integer("voxels in the scene after the call"),
	"bounding_box": boxSchema("of the scene; absent when empty"),
}

var regionOutput = object(withPropsMap(changeProps, schema{
	"changed":          integer("voxels added, removed or recoloured"),
	"layer":            integer("the source layer"),
	"to_layer":         integer("the target layer"),
	"voxels_in_region": integer("voxels the transform moved or recoloured"),
	"result_region":    boxSchema("where the transformed voxels are now"),
}), "added", "removed", "recolored", "scene_voxels")

func withPropsMap(a, b schema) schema {
	out := schema{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

var partSchema = object(schema{
	"voxels":       integer(""),
	"bounding_box": boxSchema(""),
	"colors":       arrayOf(object(schema{"color": hexColor(""), "voxels": integer("")}, "color", "voxels"), "main colours, most used first"),
	"grounded":     boolean("touches the ground or the support"),
}, "voxels", "bounding_box")

var pointList = arrayOf(xyz(""), "")

var symmetrySchema = object(schema{
	"plane":                number("the mirror plane's coordinate (may be a half-integer)"),
	"score":                number("share of voxels whose mirror position is filled, 0 to 1"),
	"color_score":          number("share whose mirror voxel has the same colour"),
	"asymmetric":           arrayOf(xyz(""), "voxels without a mirror voxel (first few)"),
	"mirror":               pointList,
	"asymmetric_count":     integer(""),
	"color_mismatches":     arrayOf(object(schema{"at": xyz(""), "mirror": xyz(""), "color": hexColor(""), "mirror_color": hexColor("")}), ""),
	"color_mismatch_count": integer(""),
	"symmetric":            boolean(""),
	"color_symmetric":      boolean(""),
	"best_plane":           object(schema{"plane": number(""), "score": number(""), "asymmetric": pointList, "mirror": pointList, "asymmetric_count": integer("")}),
}, "score", "asymmetric")

var checkModelSchema = object(schema{
	"voxels":          integer("voxels checked"),
	"bounding_box":    boxSchema(""),
	"layer":           integer(""),
	"connectivity":    integer("6 or 26"),
	"ground_z":        integer("the ground level floating parts are measured against"),
	"part_count":      integer(""),
	"parts":           arrayOf(partSchema, "connected parts, largest first"),
	"truncated":       boolean(""),
	"floating_count":  integer(""),
	"floating_voxels": integer(""),
	"floating":        arrayOf(partSchema, "parts not connected to the ground"),
	"symmetry":        schema{"type": "object", "additionalProperties": symmetrySchema},
	"cavity_count":    integer(""),
	"cavities":        arrayOf(object(schema{"cells": integer(""), "bounding_box": boxSchema("")}, "cells"), "enclosed empty regions"),
	"elapsed_ms":      number(""),
}, "parts", "floating", "symmetry")

var sliceAxisSchema = object(schema{"axis": text(""), "from": integer(""), "to": integer(""), "step": integer("")})

var getSliceSchema = object(schema{
	"view":         text("slice or heightmap"),
	"axis":         text(""),
	"at":           integer(""),
	"rows":         arrayOf(text(""), "top row first, one character per cell, . for empty"),
	"legend":       schema{"type": "object", "additionalProperties": text("")},
	"columns":      sliceAxisSchema,
	"row_axis":     sliceAxisSchema,
	"width":        integer(""),
	"height":       integer(""),
	"filled_cells": integer(""),
	"downsampled":  boolean(""),
	"layer":        integer(""),
}, "rows", "legend")

var changeSchema = object(schema{"voxels": integer(""), "bounding_box": boxSchema("")}, "voxels")

var deltaSchema = object(schema{"added": changeSchema, "removed": changeSchema, "recolored": changeSchema}, "added", "removed", "recolored")

var diffSceneSchema = object(schema{
	"since_revision": integer(""),
	"visible":        deltaSchema,
	"layers": arrayOf(object(withPropsMap(deltaSchema["properties"].(schema), schema{
		"layer": integer(""), "name": text(""), "created": boolean(""), "deleted": boolean(""),
	}), "layer"), "per layer"),
	"truncated":      boolean(""),
	"added_runs":     text("runs form"),
	"removed_runs":   text("runs form"),
	"recolored_runs": text("runs form"),
	"runs_truncated": boolean(""),
}, "since_revision", "visible", "layers")

var metaTable = map[string]toolMeta{
	"check_model":   {"Check model", checkModelSchema},
	"get_slice":     {"Get slice", getSliceSchema},
	"diff_scene":    {"Diff scene", diffSceneSchema},
	"copy_region":   {"Copy region", regionOutput},
	"move_region":   {"Move region", regionOutput},
	"mirror_region": {"Mirror region", regionOutput},
	"rotate_region": {"Rotate region", regionOutput},
	"replace_color": {"Replace colour", regionOutput},
	"apply_edits": {"Apply edits", object(withPropsMap(changeProps, schema{
		"operations": arrayOf(object(schema{"tool": text(""), "summary": text("")}, "tool", "summary"), "what each operation did, in order"),
	}), "operations", "added", "removed", "recolored", "scene_voxels")},
	"run_script": {"Run script", object(withPropsMap(changeProps, schema{
		"output": text("what print() wrote (bounded)"),
		"steps":  integer("Starlark execution steps used"),
	}), "added", "removed", "recolored", "scene_voxels", "output", "steps")},

	"create_project": {"Create project", statusOutput},
	"open_project":   {"Open project", statusOutput},
	"save_project":   {"Save project", object(writtenProps, "path", "format", "voxels", "layers")},
	"export_model":   {"Export model", object(writtenProps, "path", "format", "voxels")},
	"get_status":     {"Get status", statusOutput},

	"add_voxels":    {"Add voxels", editOutput},
	"remove_voxels": {"Remove voxels", editOutput},
	"paint_voxels":  {"Paint voxels", withProps(editOutput, schema{"skipped_empty": integer("empty positions skipped")})},
	"get_voxel": {"Get voxel", object(schema{
		"position": xyz(""), "exists": boolean(""), "color": hexColor(""), "layer": integer("the layer holding it"),
	}, "position", "exists")},
	"get_voxels_region": {"Get voxels in a region", object(withPropsMap(schema{
		"voxels": arrayOf(voxelItemSchema, `[x, y, z, "#RRGGBBAA"] each`), "total": integer("voxels in the box"),
		"offset": integer(""), "returned": integer(""), "truncated": boolean(""), "next_offset": integer(""), "layer": integer(""),
	}, compactProps), "total")},
	"fill_shape": {"Fill shape", editOutput},
	"flood_fill": {"Flood fill", withProps(editOutput, schema{"mode": schema{"type": "string", "enum": []any{"fill", "recolour"}}})},
	"undo":       {"Undo", historyOutput},
	"redo":       {"Redo", historyOutput},

	"list_layers":          {"List layers", withProps(layersOutput, schema{"current": integer("the current layer")})},
	"create_layer":         {"Create layer", withProps(layersOutput, schema{"id": integer("the new layer's id"), "name": text("")}, "id")},
	"delete_layer":         {"Delete layer", layersOutput},
	"rename_layer":         {"Rename layer", layersOutput},
	"merge_layers":         {"Merge layers", layersOutput},
	"set_layer_visibility": {"Show or hide layer", layersOutput},
	"select_layer":         {"Select layer", layersOutput},

	"get_bounding_box": {"Get bounding box", object(schema{
		"empty": boolean(""), "voxels": integer(""), "layer": integer(""), "min": xyz(""), "max": xyz(""), "size": xyz(""),
	}, "empty", "voxels")},
	"get_color_histogram": {"Get colour histogram", object(schema{
		"total_voxels": integer(""), "distinct_colors": integer(""), "truncated": boolean(""),
		"colors": arrayOf(object(schema{"color": hexColor(""), "count": integer("")}, "color", "count"), "most used first"),
	}, "total_voxels", "distinct_colors", "colors")},
	"find_voxels_by_color": {"Find voxels by colour", object(withPropsMap(schema{
		"voxels": arrayOf(voxelItemSchema, `[x, y, z, "#RRGGBBAA"] each`), "total": integer("matching voxels"),
		"offset": integer(""), "returned": integer(""), "truncated": boolean(""), "next_offset": integer(""),
		"bounding_box": boxSchema("of all matches"), "layer": integer(""),
		"part_count": integer(`with group "parts": connected parts of the matches`),
		"parts":      arrayOf(partSchema, `with group "parts": the largest parts first`),
	}, compactProps), "total")},

	"view_model": {"View model", object(schema{
		"voxels": integer("voxels on visible layers"), "layers": integer(""), "bounding_box": boxSchema("of the visible voxels; absent when empty"),
		"view":   text("the viewer's starting view"),
		"viewer": object(schema{"uri": text("the viewer's ui:// resource"), "shown": boolean("whether this host announced MCP Apps")}, "uri", "shown"),
	}, "voxels", "layers", "view", "viewer")},
	"get_viewer_state": {"Viewer state", object(schema{
		"voxels": integer("voxels on visible layers"), "bounding_box": boxSchema("of the visible voxels; absent when empty"),
		"layers": arrayOf(object(schema{"id": integer(""), "name": text(""), "visible": boolean(""), "voxels": integer("")}, "id", "name", "visible", "voxels"), "bottom first"),
	}, "voxels", "layers")},
	"get_viewer_mesh": {"Viewer mesh", object(schema{
		"part": integer("this part, from 0"), "parts": integer("parts of the whole GLB"), "offset": integer("byte offset of this part"),
		"bytes": integer("bytes of the whole GLB"), "voxels": integer("visible voxels meshed"), "quads": integer("merged faces"),
		"triangles": integer(""),
	}, "part", "parts", "offset", "bytes", "voxels", "quads")},
	"render_scene":    {"Render scene", nil}, // renderOutputSchema, declared by the tool
	"get_render_info": {"Get render info", object(schema{"file": fileSchema}, "file")},
	"list_renders": {"List renders", object(schema{
		"count": integer("live renders"), "total_size": integer("bytes"), "renders": arrayOf(fileSchema, "newest first"),
		"directory": text(""),
	}, "count", "total_size", "renders")},
	"cleanup_render": {"Delete render", object(schema{
		"removed": text("the path removed"), "uri": text(""), "freed_bytes": integer(""),
	}, "removed", "freed_bytes")},
	"get_render_stats": {"Get render stats", object(schema{
		"file_transfer": boolean("false when renders are inline only"), "directory": text(""), "session": text(""),
		"count": integer(""), "total_size": integer("bytes"), "renders_made": integer(""), "cache_hits": integer(""),
		"cache_misses": integer(""), "adopted": integer(""), "evicted": integer(""), "expired": integer(""),
		"removed": integer(""), "temp_files_removed": integer(""), "bytes_freed": integer(""),
		"limits": object(schema{
			"ttl_seconds": integer(""), "max_size": integer(""), "max_files": integer(""),
			"max_file_size": integer(""), "cleanup_interval_seconds": integer(""),
		}),
	}, "file_transfer")},
}

// applyMeta sets the tool's title and output schema from metaTable, and
// declares "revision" in the output schema of every tool whose results
// carry one.
func applyMeta(st mcpserver.ServerTool) mcpserver.ServerTool {
	m := metaTable[st.Tool.Name]
	if m.title != "" {
		st.Tool.Title = m.title
		st.Tool.Annotations.Title = m.title
	}
	var out map[string]any
	switch {
	case st.Tool.RawOutputSchema != nil:
		if json.Unmarshal(st.Tool.RawOutputSchema, &out) != nil {
			return st
		}
	case st.Tool.OutputSchema.Type != "":
		b, err := json.Marshal(st.Tool.OutputSchema)
		if err != nil || json.Unmarshal(b, &out) != nil {
			return st
		}
		st.Tool.OutputSchema = mcp.ToolOutputSchema{}
	case m.output != nil:
		out = deepCopy(m.output)
	default:
		return st
	}
	if !sceneFree[st.Tool.Name] && !projectsTools[st.Tool.Name] {
		props, _ := out["properties"].(map[string]any)
		if props == nil {
			props = map[string]any{}
			out["properties"] = props
		}
		if props["revision"] == nil {
			props["revision"] = map[string]any{"type": "integer", "minimum": 1, "description": "the scene revision this result describes"}
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return st
	}
	st.Tool.RawOutputSchema = b
	return st
}

// deepCopy copies a schema built from maps and slices (through JSON, which
// also turns []string into []any).
func deepCopy(s schema) map[string]any {
	b, err := json.Marshal(s)
	if err != nil {
		return nil
	}
	var out map[string]any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}
