package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/internal/autosave"
	"github.com/goxel-mcp/goxel-mcp/internal/roots"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// CreateProject returns the create_project tool.
func CreateProject(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("create_project",
		mcp.WithDescription(`Start a new, empty project with one layer, replacing the open scene. If the open scene has unsaved changes this is refused unless force=true (save_project first to keep them).
Example: {"force":true}`),
		annotations(false, true, false),
		mcp.WithBoolean("force", mcp.Description("Discard unsaved changes. Default false.")),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		force, err := a.bool("force", false)
		if err != nil {
			return nil, err
		}
		if err := refuseUnsaved(d, force, "create_project"); err != nil {
			return nil, err
		}
		d.Project.Replace(voxel.New(), "")
		d.forgetRenders()
		return structured("Created a new empty project with one layer (id 1).", statusOf(d)), nil
	})}
}

type status struct {
	Voxels       int              `json:"voxels"`
	Layers       int              `json:"layers"`
	CurrentLayer int              `json:"current_layer"`
	Box          *boxJS           `json:"bounding_box,omitempty"`
	Dirty        bool             `json:"dirty"`
	File         string           `json:"file,omitempty"`
	UndoSteps    int              `json:"undo_steps"`
	RedoSteps    int              `json:"redo_steps"`
	LayerList    []layerJS        `json:"layer_list"`
	Autosave     *autosave.Status `json:"autosave,omitempty"`
}

// statusWithDirs is get_status's result: the status and where files may go.
type statusWithDirs struct {
	status
	AllowedDirs []string `json:"allowed_dirs"` // absolute, symlinks resolved
}

func statusOf(d Deps) status {
	var st status
	d.Project.Locked(func(s *voxel.Scene, path string, dirty bool) {
		st = status{
			Voxels: s.Count(), Layers: len(s.Layers()), CurrentLayer: s.Current(), Box: boxJSON(s.Box()),
			Dirty: dirty, File: path, UndoSteps: s.UndoSteps(), RedoSteps: s.RedoSteps(), LayerList: layersJSON(s),
		}
	})
	if d.Autosave != nil {
		a := d.Autosave()
		st.Autosave = &a
	}
	return st
}

// GetStatus returns the get_status tool.
func GetStatus(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("get_status",
		mcp.WithDescription("Describe the open project: voxel and layer counts, current layer, bounding box and size, the file it was opened from or saved to, whether there are unsaved changes (dirty), the undo/redo depth, and allowed_dirs: the directories where files may be opened, saved, exported and rendered to."),
		annotations(true, false, true),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		d.clientRoots(ctx) // so allowed_dirs includes the client's roots
		st := statusOf(d)
		file := st.File
		if file == "" {
			file = "not saved yet"
		}
		size := "empty"
		if st.Box != nil {
			size = fmt.Sprintf("%d×%d×%d voxels from %v to %v", st.Box.Size[0], st.Box.Size[1], st.Box.Size[2], st.Box.Min, st.Box.Max)
		}
		msg := fmt.Sprintf("%d voxels in %d layers (current %d); %s; file: %s; unsaved changes: %v.",
			st.Voxels, st.Layers, st.CurrentLayer, size, file, st.Dirty)
		if st.Autosave != nil && st.Autosave.Warning != "" {
			msg += " Warning: " + st.Autosave.Warning + "."
		}
		switch {
		case st.Autosave == nil || !st.Autosave.Enabled:
			msg += " Autosave is off."
		case st.Autosave.LastError != "":
			msg += fmt.Sprintf(" Autosave in %s is failing: %s.", st.Autosave.Dir, st.Autosave.LastError)
		default:
			msg += fmt.Sprintf(" Autosaved in %s after every change; restored on restart.", st.Autosave.Dir)
		}
		out := statusWithDirs{status: st, AllowedDirs: []string{}}
		if d.Roots != nil {
			out.AllowedDirs = append(out.AllowedDirs, d.Roots.Dirs()...)
		}
		if len(out.AllowedDirs) == 0 {
			msg += " No directory is allowed for files: open_project, save_project, export_model and render output paths are refused; " + roots.HowToAllow + "."
		} else {
			msg += fmt.Sprintf(" Allowed directories for files (open, save, export, render output): %s; for another place, %s.",
				strings.Join(out.AllowedDirs, ", "), roots.HowToAllow)
		}
		return structured(msg, out), nil
	})}
}
