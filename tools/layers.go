package tools

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

type layerJS struct {
	ID      int    `json:"id"`
	Name    string `json:"name"`
	Visible bool   `json:"visible"`
	Voxels  int    `json:"voxels"`
	Current bool   `json:"current"`
	Box     *boxJS `json:"bounding_box,omitempty"`
}

func layersJSON(s *voxel.Scene) []layerJS {
	var out []layerJS
	for _, l := range s.Layers() {
		out = append(out, layerJS{ID: l.ID, Name: l.Name, Visible: l.Visible, Voxels: l.Count, Current: l.ID == s.Current(), Box: boxJSON(l.Box)})
	}
	return out
}

// checkLayerName refuses a name longer than the scene budget allows, so
// that a huge name costs neither time nor a huge reply.
func checkLayerName(s *voxel.Scene, name string) error {
	if max := s.Budget().MaxLayerName; len(name) > max {
		return fmt.Errorf("name must be at most %d bytes, got %d: give a shorter name", max, len(name))
	}
	return nil
}

// layerID reads a required layer id argument and checks the layer exists.
func layerID(a args, s *voxel.Scene, name string) (int, error) {
	id, err := a.requireInt(name, 1, 1<<30)
	if err != nil {
		return 0, err
	}
	if !s.HasLayer(id) {
		return 0, unknownLayer(s, id)
	}
	return id, nil
}

func layerChange(d Deps, label string, fn func(s *voxel.Scene) (string, error)) (*mcp.CallToolResult, error) {
	var msg string
	var layers []layerJS
	_, err := d.Project.Edit(label, func(s *voxel.Scene) error {
		var err error
		msg, err = fn(s)
		layers = layersJSON(s)
		return err
	})
	if err != nil {
		return nil, err
	}
	return structured(msg, map[string]any{"layers": layers}), nil
}

// layerSummary lists the layers in words, one short clause each, so the
// summary alone answers "which layers are there".
func layerSummary(layers []layerJS, current int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s, bottom first:", len(layers), plural(len(layers), "layer", "layers"))
	for i, l := range layers {
		if i > 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " %d %q %s %s", l.ID, l.Name, Grouped(l.Voxels), plural(l.Voxels, "voxel", "voxels"))
		if !l.Visible {
			b.WriteString(", hidden")
		}
		if l.ID == current {
			b.WriteString(", current")
		}
	}
	return b.String() + "."
}

// ListLayers returns the list_layers tool.
func ListLayers(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("list_layers",
		mcp.WithDescription("List the layers, bottom first: id (stable integer), name, visibility, voxel count, bounding box and which one is current (edits go there by default)."),
		annotations(true, false, true),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var layers []layerJS
		var current int
		d.Project.Read(func(s *voxel.Scene) { layers, current = layersJSON(s), s.Current() })
		return structured(layerSummary(layers, current), map[string]any{"layers": layers, "current": current}), nil
	})}
}

// CreateLayer returns the create_layer tool.
func CreateLayer(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("create_layer",
		mcp.WithDescription(`Create an empty visible layer on top and make it current. Returns its id, which never changes and is never reused.
Example: {"name":"roof"}`),
		annotations(false, false, false),
		mcp.WithString("name", mcp.Description("Default: \"Layer N\". At most 255 bytes.")),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		name, err := a.string("name", "")
		if err != nil {
			return nil, err
		}
		var id int
		var layers []layerJS
		_, err = d.Project.Edit("create_layer", func(s *voxel.Scene) error {
			if err := checkLayerName(s, name); err != nil {
				return err
			}
			if strings.TrimSpace(name) == "" {
				name = fmt.Sprintf("Layer %d", len(s.Layers())+1)
			}
			if id, err = s.TryAddLayer(name); err != nil {
				return fmt.Errorf("%w: delete or merge layers first (see list_layers)", err)
			}
			layers = layersJSON(s)
			return nil
		})
		if err != nil {
			return nil, err
		}
		return structured(fmt.Sprintf("Created layer %d %q; it is now the current layer.", id, name), map[string]any{"id": id, "name": name, "layers": layers}), nil
	})}
}

// DeleteLayer returns the delete_layer tool.
func DeleteLayer(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("delete_layer",
		mcp.WithDescription("Delete a layer and its voxels (undo brings it back). The last layer cannot be deleted."),
		annotations(false, true, true),
		mcp.WithInteger("id", mcp.Required(), mcp.Description("Layer id"), mcp.Min(1)),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return layerChange(d, "delete_layer", func(s *voxel.Scene) (string, error) {
			id, err := layerID(a, s, "id")
			if err != nil {
				return "", err
			}
			info, _ := s.LayerInfo(id)
			if err := s.DeleteLayer(id); errors.Is(err, voxel.ErrLastLayer) {
				return "", errors.New("cannot delete the last layer: a scene always has one; clear it with fill_shape mode \"remove\" or create_project instead")
			} else if err != nil {
				return "", err
			}
			return fmt.Sprintf("Deleted layer %d %q (%d voxels); current layer is %d.", id, info.Name, info.Count, s.Current()), nil
		})
	})}
}

// RenameLayer returns the rename_layer tool.
func RenameLayer(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("rename_layer",
		mcp.WithDescription("Rename a layer. Its id stays the same."),
		annotations(false, false, true),
		mcp.WithInteger("id", mcp.Required(), mcp.Description("Layer id"), mcp.Min(1)),
		mcp.WithString("name", mcp.Required(), mcp.Description("New name, at most 255 bytes")),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		name, err := a.requireString("name")
		if err != nil {
			return nil, err
		}
		return layerChange(d, "rename_layer", func(s *voxel.Scene) (string, error) {
			id, err := layerID(a, s, "id")
			if err != nil {
				return "", err
			}
			if err := checkLayerName(s, name); err != nil {
				return "", err
			}
			return fmt.Sprintf("Layer %d is now %q.", id, name), s.RenameLayer(id, name)
		})
	})}
}

// MergeLayers returns the merge_layers tool.
func MergeLayers(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("merge_layers",
		mcp.WithDescription(`Merge layer "source" into layer "target": source's voxels overwrite target's where both have one, then source is deleted.
Example: {"source":3,"target":1}`),
		annotations(false, true, false),
		mcp.WithInteger("source", mcp.Required(), mcp.Description("Layer merged and removed"), mcp.Min(1)),
		mcp.WithInteger("target", mcp.Required(), mcp.Description("Layer that receives the voxels"), mcp.Min(1)),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return layerChange(d, "merge_layers", func(s *voxel.Scene) (string, error) {
			src, err := layerID(a, s, "source")
			if err != nil {
				return "", err
			}
			dst, err := layerID(a, s, "target")
			if err != nil {
				return "", err
			}
			if src == dst {
				return "", errors.New("source and target are the same layer: give two different layer ids")
			}
			n, err := s.MergeLayers(src, dst)
			if err != nil {
				return "", err
			}
			info, _ := s.LayerInfo(dst)
			return fmt.Sprintf("Merged layer %d into layer %d: %d voxels changed; layer %d now has %d voxels.", src, dst, n, dst, info.Count), nil
		})
	})}
}

// SetLayerVisibility returns the set_layer_visibility tool.
func SetLayerVisibility(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("set_layer_visibility",
		mcp.WithDescription("Show or hide a layer. Hidden layers are kept and saved but not rendered."),
		annotations(false, false, true),
		mcp.WithInteger("id", mcp.Required(), mcp.Description("Layer id"), mcp.Min(1)),
		mcp.WithBoolean("visible", mcp.Required()),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if !a.has("visible") {
			return nil, errors.New("visible is required: true or false")
		}
		visible, err := a.bool("visible", true)
		if err != nil {
			return nil, err
		}
		return layerChange(d, "set_layer_visibility", func(s *voxel.Scene) (string, error) {
			id, err := layerID(a, s, "id")
			if err != nil {
				return "", err
			}
			state := "visible"
			if !visible {
				state = "hidden"
			}
			return fmt.Sprintf("Layer %d is %s.", id, state), s.SetVisible(id, visible)
		})
	})}
}

// SelectLayer returns the select_layer tool.
func SelectLayer(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("select_layer",
		mcp.WithDescription("Make a layer current: edits without a \"layer\" argument go there."),
		annotations(false, false, true),
		mcp.WithInteger("id", mcp.Required(), mcp.Description("Layer id"), mcp.Min(1)),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return layerChange(d, "select_layer", func(s *voxel.Scene) (string, error) {
			id, err := layerID(a, s, "id")
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("Layer %d is current.", id), s.SelectLayer(id)
		})
	})}
}
