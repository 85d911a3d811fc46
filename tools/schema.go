package tools

import (
	"maps"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/goxel-mcp/goxel-mcp/renderer"
)

// Property schemas shared by many tools, so every colour, background and
// radius argument is typed the same way (hosts and the MCP Inspector's
// --strict check flag a property without a validation keyword). The
// handlers stay more lenient than these schemas in one documented way only:
// numbers may also come as numeric strings ("12"), see params.go.

// hexColorPattern matches the string forms ParseColor reads: RRGGBB or
// RRGGBBAA, the '#' optional.
const hexColorPattern = "^#?([0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$"

// colorSchema is a colour: "#RRGGBB", "#RRGGBBAA", [r,g,b] or [r,g,b,a].
func colorSchema(description string) map[string]any {
	s := map[string]any{
		"oneOf": []any{
			map[string]any{"type": "string", "pattern": hexColorPattern, "description": `"#RRGGBB" or "#RRGGBBAA"`},
			map[string]any{
				"type": "array", "minItems": 3, "maxItems": 4, "description": "[r,g,b] or [r,g,b,a]",
				"items": map[string]any{"type": "integer", "minimum": 0, "maximum": 255},
			},
		},
	}
	if description != "" {
		s["description"] = description
	}
	return s
}

// backgroundSchema is a colour or "transparent".
func backgroundSchema(description string) map[string]any {
	s := colorSchema(description)
	s["oneOf"] = append(s["oneOf"].([]any), map[string]any{"type": "string", "enum": []any{"transparent"}})
	return s
}

// radiusSchema is one integer radius, or [rx, ry, rz] for an ellipsoid.
func radiusSchema(description string) map[string]any {
	s := map[string]any{
		"oneOf": []any{
			map[string]any{"type": "integer", "minimum": 0},
			map[string]any{"type": "array", "minItems": 3, "maxItems": 3, "items": map[string]any{"type": "integer", "minimum": 0}},
		},
	}
	if description != "" {
		s["description"] = description
	}
	return s
}

// withSchema adds a property with a ready-made schema; required adds it to
// the tool's required list.
func withSchema(name string, schema map[string]any, required bool) mcp.ToolOption {
	return func(t *mcp.Tool) {
		if t.InputSchema.Properties == nil {
			t.InputSchema.Properties = map[string]any{}
		}
		t.InputSchema.Properties[name] = schema
		if required {
			t.InputSchema.Required = append(t.InputSchema.Required, name)
		}
	}
}

// withColor adds a typed colour property.
func withColor(name, description string, required bool) mcp.ToolOption {
	return withSchema(name, colorSchema(description), required)
}

// typedProps gives the shared schema to every top-level property of a
// known kind that was declared without a type (mcp.WithAny), keeping its
// description: a tool added with WithAny("color", …) is typed all the same.
func typedProps(t *mcp.Tool) {
	for name, v := range t.InputSchema.Properties {
		p, ok := v.(map[string]any)
		if !ok || constrains(p) {
			continue
		}
		desc, _ := p["description"].(string)
		var s map[string]any
		switch {
		case name == "background":
			s = backgroundSchema(desc)
		case name == "radius":
			s = radiusSchema(desc)
		case name == "color" || name == "colour" || len(name) > 6 && name[len(name)-6:] == "_color":
			s = colorSchema(desc)
		default:
			continue
		}
		maps.Copy(p, s)
	}
}

// constrains reports whether a property schema has any validation keyword.
func constrains(p map[string]any) bool {
	for _, k := range []string{"type", "enum", "const", "oneOf", "anyOf", "allOf", "$ref", "properties", "items", "pattern"} {
		if _, ok := p[k]; ok {
			return true
		}
	}
	return false
}

// viewItemSchema is one panel of a contact sheet: a preset name or a
// custom camera.
func viewItemSchema() map[string]any {
	presets := []any{}
	for _, n := range renderer.PresetNames() {
		presets = append(presets, n)
	}
	return map[string]any{"anyOf": []any{
		map[string]any{"type": "string", "enum": presets},
		map[string]any{"type": "object", "properties": map[string]any{
			"yaw":   map[string]any{"type": "number", "description": "degrees around Z: 0 = front, 90 = right"},
			"pitch": map[string]any{"type": "number", "minimum": -90, "maximum": 90, "description": "degrees above the horizon"},
			"name":  map[string]any{"type": "string", "description": "the panel's label"},
		}},
	}}
}

// voxelItemsSchema is one item of a "voxels" list: [x,y,z], [x,y,z,colour]
// or [x,y,z,r,g,b(,a)], or an object with x, y, z (or position/pos) and
// color. remove_voxels takes the same forms and ignores the colour, so a
// list read from get_voxels_region can be passed back as it is.
func voxelItemsSchema() map[string]any {
	pos := func(desc string) map[string]any {
		return map[string]any{"type": "array", "items": map[string]any{"type": "integer"}, "minItems": 3, "maxItems": 3, "description": desc}
	}
	return map[string]any{"anyOf": []any{
		map[string]any{
			"type": "array", "minItems": 3, "maxItems": 7,
			"items": map[string]any{"anyOf": []any{map[string]any{"type": "integer"}, map[string]any{"type": "string"}}},
		},
		map[string]any{"type": "object", "properties": map[string]any{
			"x": map[string]any{"type": "integer"}, "y": map[string]any{"type": "integer"}, "z": map[string]any{"type": "integer"},
			"position": pos("[x, y, z], instead of x, y, z"), "pos": pos("the same as position"),
			"color": colorSchema("this voxel's colour"),
		}},
	}}
}
