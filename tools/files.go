package tools

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/formats"
	"github.com/goxel-mcp/goxel-mcp/voxel/stl"
	"github.com/goxel-mcp/goxel-mcp/voxel/vox"
)

// projectExts are the formats a project can be saved in: those that can
// be opened again (the others are exports).
func projectExts() []string {
	var out []string
	for _, ext := range formats.Readable() {
		if c, err := formats.ForExt(ext); err == nil && c.CanWrite() {
			out = append(out, ext)
		}
	}
	return out
}

func (d Deps) formatLimits() formats.Limits {
	lim := formats.DefaultLimits
	lim.MaxBytes = d.Limits.MaxFileSize
	lim.MaxVoxels = d.Limits.MaxSceneVoxels
	return lim
}

func pathArg(ctx context.Context, a args, d Deps) (string, error) {
	d.clientRoots(ctx)
	p, err := a.requireString("path")
	if err != nil {
		return "", fmt.Errorf("%w: a file path inside the allowed directories", err)
	}
	if d.Roots == nil {
		return "", errors.New("file access is not available on this server")
	}
	return p, nil
}

// refuseUnsaved reports an error when replacing the scene would lose work.
func refuseUnsaved(d Deps, force bool, what string) error {
	var err error
	d.Project.Locked(func(s *voxel.Scene, path string, dirty bool) {
		if dirty && !force && s.Count() > 0 {
			where := "never saved"
			if path != "" {
				where = "last saved to " + path
			}
			err = fmt.Errorf("the open scene has %d voxels with unsaved changes (%s): call save_project first, or %s with force=true to discard them", s.Count(), where, what)
		}
	})
	return err
}

// OpenProject returns the open_project tool.
func OpenProject(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("open_project",
		mcp.WithDescription(`Open a .gox (Goxel), .vox (MagicaVoxel), .qb (Qubicle) or .txt (Goxel text: "x y z RRGGBB" lines) file, replacing the open scene; layers, names and visibility are kept. The path must be inside the allowed directories (the working directory, the render directory, --allow-dir). Refused when the open scene has unsaved changes unless force=true.
Example: {"path":"models/knight.vox"}`),
		annotations(false, true, true),
		mcp.WithString("path", mcp.Required(), mcp.Description("File to open (.gox, .vox, .txt)")),
		mcp.WithBoolean("force", mcp.Description("Discard unsaved changes. Default false.")),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		path, err := pathArg(ctx, a, d)
		if err != nil {
			return nil, err
		}
		force, err := a.bool("force", false)
		if err != nil {
			return nil, err
		}
		codec, err := formats.ForPath(path)
		if err != nil || !codec.CanRead() {
			return nil, fmt.Errorf("path must end in %s to open, got %q", strings.Join(formats.Readable(), ", "), filepath.Base(path))
		}
		if err := refuseUnsaved(d, force, "open_project"); err != nil {
			return nil, err
		}
		f, err := d.Roots.Open(path)
		if err != nil {
			return nil, fmt.Errorf("path: %w", err)
		}
		defer f.Close()
		lim := d.formatLimits()
		if fi, err := f.Stat(); err == nil && fi.Size() > lim.MaxBytes {
			return nil, fmt.Errorf("%s has %d bytes, more than the limit of %d", path, fi.Size(), lim.MaxBytes)
		}
		scene, err := formats.DecodeContext(ctx, f, codec.Ext, lim)
		if err != nil {
			return nil, fmt.Errorf("failed to open %s as %s: %v", path, codec.Name, err)
		}
		d.Project.Replace(scene, f.Name())
		d.forgetRenders()
		st := statusOf(d)
		size := "empty"
		if st.Box != nil {
			size = fmt.Sprintf("%d×%d×%d voxels", st.Box.Size[0], st.Box.Size[1], st.Box.Size[2])
		}
		return structured(fmt.Sprintf("Opened %s (%s): %d voxels in %d layers, %s.", f.Name(), codec.Name, st.Voxels, st.Layers, size), st), nil
	})}
}

// SaveProject returns the save_project tool.
func SaveProject(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("save_project",
		mcp.WithDescription(`Save the scene with all its layers as .gox (Goxel), .vox (MagicaVoxel; at most 255 colours, more are mapped to the nearest and reported) .qb (Qubicle) or .txt (no layers: the visible layers merged, hidden ones left out, and the result says so). Without path, saves to the file it was opened from or last saved to. The file is written atomically (a temporary file renamed into place) inside the allowed directories.
Example: {"path":"castle.gox"}`),
		annotations(false, true, true),
		mcp.WithString("path", mcp.Description("Target file (.gox, .vox, .txt, .qb). Default: the project's file.")),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		path, err := a.string("path", "")
		if err != nil {
			return nil, err
		}
		if d.Roots == nil {
			return nil, errors.New("file access is not available on this server")
		}
		d.clientRoots(ctx)
		var msg string
		var out map[string]any
		var saveErr error
		d.Project.mu.Lock()
		defer d.Project.mu.Unlock()
		if path == "" {
			path = d.Project.path
			if path == "" {
				return nil, errors.New("path is required: the project has never been saved (e.g. {\"path\":\"model.gox\"})")
			}
		}
		ext := strings.ToLower(filepath.Ext(path))
		if !contains(projectExts(), ext) {
			return nil, fmt.Errorf("path must end in %s to save a project (use export_model for meshes, .stl and .schem), got %q", strings.Join(projectExts(), ", "), filepath.Base(path))
		}
		s := d.Project.scene
		var report vox.Report
		real, err := d.Roots.WriteFile(path, 0o644, func(w io.Writer) error {
			if ext == ".vox" {
				report, saveErr = vox.EncodeReport(w, s)
				return saveErr
			}
			return formats.Encode(w, ext, s)
		})
		if err != nil {
			return nil, fmt.Errorf("failed to save: %w", err)
		}
		d.Project.markSaved(real)
		d.Project.notify()
		codec, _ := formats.ForExt(ext)
		out = writtenJSON(formats.ContentsOf(s, ext), real, ext)
		msg = WrittenSummary("Saved", formats.ContentsOf(s, ext), codec.Name, real)
		if report.RemappedColors > 0 {
			out["remapped_colors"], out["remapped_voxels"] = report.RemappedColors, report.RemappedVoxels
			msg += fmt.Sprintf(" MagicaVoxel holds 255 colours: %d of %d colours (%d voxels) were mapped to the nearest palette colour; save as .gox to keep them exactly.",
				report.RemappedColors, report.Colors, report.RemappedVoxels)
		}
		return structured(msg, out), nil
	})}
}

// ExportModel returns the export_model tool.
func ExportModel(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("export_model",
		mcp.WithDescription(`Export the scene by file extension: .obj (with vertex colours), .ply (binary, vertex colours), .gltf/.glb (vertex colours; Y up as glTF requires), .stl (binary, watertight, 1 mm per voxel, for 3D printing), .schem (Minecraft Sponge schematic v3; each colour becomes the nearest full block, the mapping is in the result), or .vox/.gox/.txt/.qb. Meshes merge coplanar same-colour faces; meshes, .stl, .schem and .txt hold the visible layers merged, .vox, .gox and .qb keep every layer (hidden ones stay hidden). The result counts what the file holds. Does not change the project's file or saved state. Written atomically inside the allowed directories.
Example: {"path":"castle.glb"}`),
		annotations(false, true, true),
		mcp.WithString("path", mcp.Required(), mcp.Description("Target file; the extension picks the format")),
		mcp.WithNumber("scale_mm", mcp.Description("For .stl only: millimetres per voxel. Default 1."), mcp.Min(0.001), mcp.Max(1000)),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		path, err := pathArg(ctx, a, d)
		if err != nil {
			return nil, err
		}
		codec, err := formats.ForPath(path)
		if err != nil || !codec.CanWrite() {
			return nil, fmt.Errorf("path must end in one of %s, got %q", strings.Join(formats.Writable(), ", "), filepath.Base(path))
		}
		scale, err := a.float("scale_mm", 1, 0.001, 1000)
		if err != nil {
			return nil, err
		}
		if a.has("scale_mm") && codec.Ext != ".stl" {
			return nil, fmt.Errorf("scale_mm applies to .stl exports only, not %s", codec.Ext)
		}
		var real, summary string
		var written formats.Contents
		var werr error
		d.Project.Read(func(s *voxel.Scene) {
			written = formats.ContentsOf(s, codec.Ext)
			real, werr = d.Roots.WriteFile(path, 0o644, func(w io.Writer) (err error) {
				if codec.Ext == ".stl" {
					var rep stl.Report
					rep, err = stl.EncodeReport(w, s.Snapshot(), stl.Options{Scale: scale})
					summary = rep.Summary()
					return err
				}
				summary, err = formats.EncodeSummary(w, codec.Ext, s)
				return err
			})
		})
		if werr != nil {
			return nil, fmt.Errorf("failed to export: %w", werr)
		}
		out := writtenJSON(written, real, codec.Ext)
		msg := WrittenSummary("Exported", written, codec.Name, real)
		if summary != "" {
			out["summary"] = summary
			msg += " " + summary
		}
		return structured(msg, out), nil
	})}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
