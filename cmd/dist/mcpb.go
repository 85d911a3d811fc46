package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"strings"

	"github.com/goxel-mcp/goxel-mcp/internal/pngx"
	"github.com/goxel-mcp/goxel-mcp/renderer"
	"github.com/goxel-mcp/goxel-mcp/tools"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// manifestVersion is the .mcpb manifest version we write (MANIFEST.md of
// modelcontextprotocol/mcpb; `mcpb validate` of @anthropic-ai/mcpb 2.1
// checks it).
const manifestVersion = "0.3"

// ServerName is our name in the MCP Registry and the OCI label.
const ServerName = "io.github.goxel-mcp/goxel-mcp"

const description = "Build voxel models and see them: edit scenes, render them in-process and check the work."

type manifestTool struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// manifestTools lists the server's tools with the first sentence of each
// description, from the same registration list the server uses.
func manifestTools() ([]manifestTool, error) {
	var out []manifestTool
	for _, st := range tools.All(tools.Deps{Project: tools.NewProject(), Limits: tools.DefaultLimits}) {
		if !tools.ModelVisible(st.Tool) {
			continue // the viewer app's own tools
		}
		d := st.Tool.Description
		if i := strings.Index(d, ". "); i > 0 {
			d = d[:i+1]
		}
		if i := strings.IndexByte(d, '\n'); i > 0 {
			d = d[:i]
		}
		out = append(out, manifestTool{Name: st.Tool.Name, Description: d})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no tools registered")
	}
	return out, nil
}

// manifest is the bundle's manifest.json for one target. The allowed
// directories are passed as arguments after `serve` (each selected
// directory becomes one argument, as MANIFEST.md's array expansion says),
// which is the same as GOXEL_ALLOW_DIRS.
func (b *builder) manifest(t target, toolList []manifestTool) map[string]any {
	return map[string]any{
		"manifest_version": manifestVersion,
		"name":             "goxel-mcp",
		"display_name":     "Goxel MCP: voxel models",
		"version":          b.version,
		"description":      description,
		"long_description": "goxel-mcp lets Claude build voxel models (MagicaVoxel .vox, Goxel .gox, Qubicle, meshes) and render them so it can check its own work. Renders are kept as files in the render directory and expire after an hour. Files are only read and written inside the folders you choose here.",
		"author":           map[string]any{"name": "The goxel-mcp authors", "url": "https://github.com/goxel-mcp/goxel-mcp"},
		"repository":       map[string]any{"type": "git", "url": "https://github.com/goxel-mcp/goxel-mcp"},
		"homepage":         "https://github.com/goxel-mcp/goxel-mcp",
		"documentation":    "https://github.com/goxel-mcp/goxel-mcp#readme",
		"support":          "https://github.com/goxel-mcp/goxel-mcp/issues",
		"icon":             "icon.png",
		"server": map[string]any{
			"type":        "binary",
			"entry_point": "server/" + t.exe(),
			"mcp_config": map[string]any{
				"command": "${__dirname}/server/" + t.exe(),
				"args":    []string{"serve", "${user_config.allowed_directories}"},
				"env": map[string]string{
					"GOXEL_RENDER_DIR": "${user_config.render_dir}",
				},
			},
		},
		"tools":    toolList,
		"keywords": []string{"voxel", "magicavoxel", "goxel", "3d", "render", "minecraft"},
		"compatibility": map[string]any{
			"platforms": []string{t.mcpbPlatform()},
		},
		"user_config": map[string]any{
			"allowed_directories": map[string]any{
				"type":        "directory",
				"title":       "Model folders",
				"description": "Folders where Claude may open and save voxel models and exports (passed to the server as directory arguments, like GOXEL_ALLOW_DIRS). Nothing outside them is read or written.",
				"multiple":    true,
				"required":    true,
				"default":     []string{"${DOCUMENTS}"},
			},
			"render_dir": map[string]any{
				"type":        "directory",
				"title":       "Render folder",
				"description": "Where renders are kept until they expire (GOXEL_RENDER_DIR). Leave empty for the default cache folder, which macOS privacy controls do not protect.",
				"required":    false,
			},
		},
	}
}

// bundle writes goxel-mcp-<v>-<os>-<arch>.mcpb: a zip with manifest.json
// at its root and the binary under server/.
func (b *builder) bundle(t target, bin string, icon []byte, toolList []manifestTool) (string, error) {
	m, err := json.MarshalIndent(b.manifest(t, toolList), "", "  ")
	if err != nil {
		return "", err
	}
	files := []entry{
		{name: "manifest.json", data: append(m, '\n'), mode: 0o644},
		{name: "icon.png", data: icon, mode: 0o644},
		{name: "server/" + t.exe(), src: bin, mode: 0o755},
	}
	for _, d := range docs {
		files = append(files, entry{name: d, src: b.root + "/" + d, mode: 0o644})
	}
	name := fmt.Sprintf("goxel-mcp-%s-%s.mcpb", b.version, t)
	return name, b.writeAsset(name, func(w io.Writer) error { return writeZip(w, "", files) })
}

// iconPNG renders the bundle icon with our own renderer: a small stepped
// voxel tower in the project's colours, 512×512 (the size Claude Desktop recommends), transparent background.
func iconPNG() ([]byte, error) {
	s := voxel.New()
	colors := []color.NRGBA{{0xE8, 0x6A, 0x33, 255}, {0x3C, 0x9D, 0xD0, 255}, {0x7C, 0xC2, 0x4C, 255}}
	for i, lvl := range []struct{ at, n, z0, z1 int }{{0, 5, 0, 0}, {1, 3, 1, 2}, {2, 1, 3, 4}} {
		box := voxel.Box{Min: voxel.Pos{X: lvl.at, Y: lvl.at, Z: lvl.z0}, Max: voxel.Pos{X: lvl.at + lvl.n - 1, Y: lvl.at + lvl.n - 1, Z: lvl.z1}}
		s.FillBox(s.Current(), box, colors[i])
	}
	opt := renderer.DefaultOptions()
	opt.Width, opt.Height = 512, 512
	opt.Background = color.NRGBA{} // transparent
	img, err := renderer.Render(context.Background(), s.Snapshot(), opt)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := pngx.Encode(&buf, img, nil); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
