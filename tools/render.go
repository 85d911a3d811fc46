package tools

import (
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/goxel-mcp/goxel-mcp/renderer"
	"github.com/goxel-mcp/goxel-mcp/storage"
)

// RenderSettings configures render_scene.
type RenderSettings struct {
	MaxImageSize   int  // longest accepted width or height
	MaxInlineBytes int  // largest PNG that base64 mode returns
	DisableFiles   bool // every render inline, no managed file (the seed's rollback switch)
}

// Host budgets for an inline image in auto mode: Claude Desktop refuses
// results over 1 MiB and models downscale images past 1568 px, so the
// inline image stays at most ~700 KB of base64 and 1568 px on its long edge.
const (
	inlineBase64Budget = 700 << 10
	inlineMaxEdge      = 1568
	previewMaxEdge     = 1024
	defaultWidth       = 800
	defaultHeight      = 600
	defaultView        = "isometric"
)

// renderRequest is render_scene's arguments, checked.
type renderRequest struct {
	opt        renderer.Options
	views      []renderer.View
	mode       string // auto, file_path, base64
	outputPath string
	outputDir  string
	highlight  highlight
}

func viewArg(name string, v any) (renderer.View, error) {
	switch v := v.(type) {
	case string:
		if view, ok := renderer.Preset(v); ok {
			return view, nil
		}
	case map[string]any:
		a := args(v)
		yaw, err := a.float("yaw", 45, -3600, 3600)
		if err != nil {
			return renderer.View{}, fmt.Errorf("%s.%w", name, err)
		}
		pitch, err := a.float("pitch", 35.264, -90, 90)
		if err != nil {
			return renderer.View{}, fmt.Errorf("%s.%w", name, err)
		}
		label, _ := a.string("name", fmt.Sprintf("yaw %g pitch %g", yaw, pitch))
		return renderer.View{Name: label, Yaw: yaw, Pitch: pitch}, nil
	}
	return renderer.View{}, fmt.Errorf("%s must be one of %s, or {\"yaw\":…, \"pitch\":…} in degrees; got %s",
		name, strings.Join(renderer.PresetNames(), ", "), describe(v))
}

func parseRender(a args, rs RenderSettings) (renderRequest, error) {
	r := renderRequest{opt: renderer.DefaultOptions()}
	var err error
	if r.opt.Width, err = a.int("width", defaultWidth, 1, rs.MaxImageSize); err != nil {
		return r, err
	}
	if r.opt.Height, err = a.int("height", defaultHeight, 1, rs.MaxImageSize); err != nil {
		return r, err
	}
	r.opt.MaxSize = rs.MaxImageSize
	name, err := a.string("view", defaultView)
	if err != nil {
		return r, err
	}
	if strings.EqualFold(name, "custom") || (!a.has("view") && (a.has("yaw") || a.has("pitch"))) {
		yaw, err := a.float("yaw", 45, -3600, 3600)
		if err != nil {
			return r, err
		}
		pitch, err := a.float("pitch", 35.264, -90, 90)
		if err != nil {
			return r, err
		}
		r.opt.View = renderer.View{Name: fmt.Sprintf("yaw %g pitch %g", yaw, pitch), Yaw: yaw, Pitch: pitch}
	} else if r.opt.View, err = viewArg("view", name); err != nil {
		return r, fmt.Errorf("%w, or \"custom\" with yaw and pitch", err)
	}
	if a.has("views") {
		list, ok := a["views"].([]any)
		if !ok || len(list) == 0 || len(list) > 16 {
			return r, fmt.Errorf("views must be a list of 1 to 16 views such as [\"front\",\"right\",\"top\",\"isometric\"], got %s", describe(a["views"]))
		}
		for i, v := range list {
			view, err := viewArg(fmt.Sprintf("views[%d]", i), v)
			if err != nil {
				return r, err
			}
			r.views = append(r.views, view)
		}
		r.opt.Views = r.views
	}
	if a.has("background") {
		if s, ok := a["background"].(string); ok && strings.EqualFold(strings.TrimSpace(s), "transparent") {
			r.opt.Background = color.NRGBA{}
		} else if r.opt.Background, err = ParseColor("background", a["background"]); err != nil {
			return r, fmt.Errorf("%w, or \"transparent\"", err)
		}
	}
	if r.opt.Zoom, err = a.float("zoom", 1, 0.01, 64); err != nil {
		return r, err
	}
	for _, f := range []struct {
		name string
		dst  *bool
	}{{"outline", &r.opt.Outline}, {"ao", &r.opt.AO}, {"shadow", &r.opt.Shadow}, {"grid", &r.opt.Grid}} {
		if *f.dst, err = a.bool(f.name, *f.dst); err != nil {
			return r, err
		}
	}
	opts := args{}
	if a.has("options") {
		m, ok := a["options"].(map[string]any)
		if !ok {
			return r, fmt.Errorf("options must be an object such as {\"return_mode\":\"file_path\"}, got %s", describe(a["options"]))
		}
		opts = m
	}
	// return_mode and output_dir are read from options, or from the top level for convenience.
	for _, k := range []string{"return_mode", "output_dir"} {
		if !opts.has(k) && a.has(k) {
			opts[k] = a[k]
		}
	}
	if r.mode, err = opts.enum("return_mode", "auto", "auto", "file_path", "base64"); err != nil {
		return r, fmt.Errorf("options.%w", err)
	}
	if r.outputDir, err = opts.string("output_dir", ""); err != nil {
		return r, fmt.Errorf("options.%w", err)
	}
	if r.outputPath, err = a.string("output_path", ""); err != nil {
		return r, err
	}
	if r.outputPath != "" && !strings.EqualFold(filepath.Ext(r.outputPath), ".png") {
		return r, fmt.Errorf("output_path must name a .png file, got %q", r.outputPath)
	}
	if r.outputPath != "" && r.outputDir != "" {
		return r, errors.New("give output_path or options.output_dir, not both")
	}
	if r.mode == "base64" && (r.outputPath != "" || r.outputDir != "") {
		return r, errors.New("return_mode base64 keeps no file: drop output_path/output_dir, or use file_path")
	}
	if r.mode == "base64" && max(r.opt.Width, r.opt.Height) > inlineMaxEdge && rs.DisableFiles {
		return r, fmt.Errorf("return_mode base64 sends the whole image inline, and an inline image is at most %d px on its long edge (hosts refuse or downscale bigger ones); %d×%d is too big, and file transfer is disabled on this server, so no mode keeps a full-size file: give a width and height of at most %d, or use return_mode auto for an inline image downscaled to %d px",
			inlineMaxEdge, r.opt.Width, r.opt.Height, inlineMaxEdge, inlineMaxEdge)
	}
	if r.mode == "base64" && max(r.opt.Width, r.opt.Height) > inlineMaxEdge {
		return r, fmt.Errorf("return_mode base64 sends the whole image inline, and an inline image is at most %d px on its long edge (hosts refuse or downscale bigger ones); %d×%d is too big: use return_mode file_path for the full size (or auto: a file plus an inline preview), or a width and height of at most %d",
			inlineMaxEdge, r.opt.Width, r.opt.Height, inlineMaxEdge)
	}
	return r, nil
}

// cacheKey identifies a render by scene content and every parameter that
// changes the pixels, plus the software version.
func (r renderRequest) cacheKey(sceneHash uint64, version string) string {
	o := r.opt
	b, _ := json.Marshal([]any{sceneHash, version, o.Width, o.Height, o.View, o.Views, o.Background, o.Zoom, o.Outline, o.AO, o.Shadow, o.Grid, o.Supersample, o.HiddenVoxels, o.HiddenLayers}) // plain values always marshal
	return fmt.Sprintf("%016x", xxhash.Sum64(b))
}

// FileInfo is the seed's file record, returned as structuredContent.file.
type FileInfo struct {
	Path         string     `json:"path"`
	URI          string     `json:"uri"`
	Size         int64      `json:"size"`
	Format       string     `json:"format"`
	Dimensions   Dimensions `json:"dimensions"`
	Checksum     string     `json:"checksum"`
	CreatedAt    int64      `json:"created_at"`
	ExpiresAt    int64      `json:"expires_at"`
	TTLRemaining int64      `json:"ttl_remaining"`
	Managed      bool       `json:"managed"`
}

// Dimensions is an image size in pixels.
type Dimensions struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

// RenderFile is a managed render's record as the tools return it (the
// file of get_render_info, an item of list_renders), for the CLI's --json.
func RenderFile(rec storage.Record, now time.Time) FileInfo { return fileInfo(rec, now) }

func fileInfo(rec storage.Record, now time.Time) FileInfo {
	return FileInfo{
		Path: rec.Path, URI: renderURI(rec.ID), Size: rec.Size, Format: "png",
		Dimensions: Dimensions{rec.Width, rec.Height}, Checksum: rec.Checksum,
		CreatedAt: rec.CreatedAt.Unix(), ExpiresAt: rec.ExpiresAt.Unix(),
		TTLRemaining: int64(math.Max(0, rec.TTLRemaining(now).Seconds())), Managed: true,
	}
}

// RenderURIPrefix starts the URI of a managed render.
const RenderURIPrefix = "render://"

func renderURI(id string) string { return RenderURIPrefix + id }

type panelInfo struct {
	View   string  `json:"view"`
	Yaw    float64 `json:"yaw"`
	Pitch  float64 `json:"pitch"`
	Shows  string  `json:"shows"`
	Column int     `json:"column,omitempty"`
	Row    int     `json:"row,omitempty"`
}

type renderInfo struct {
	Width        int         `json:"width"`
	Height       int         `json:"height"`
	Panels       []panelInfo `json:"panels"`
	Voxels       int         `json:"voxels"`        // drawn
	HiddenVoxels int         `json:"hidden_voxels"` // on hidden layers, not drawn
	HiddenLayers int         `json:"hidden_layers"`
	Box          *boxJS      `json:"bounding_box,omitempty"`
	SceneHash    string      `json:"scene_hash"`
	Cached       bool        `json:"cached"`
	ReturnMode   string      `json:"return_mode"`
	Inline       string      `json:"inline"` // full, preview or none
	InlineWidth  int         `json:"inline_width,omitempty"`
	InlineHight  int         `json:"inline_height,omitempty"`
	RenderMS     float64     `json:"render_ms"`
	EncodeMS     float64     `json:"encode_ms"`
}

type renderOutput struct {
	File     *FileInfo  `json:"file,omitempty"`
	Render   renderInfo `json:"render"`
	Warnings []string   `json:"warnings,omitempty"`
	// Revision is the scene revision the render shows.
	Revision uint64 `json:"revision"`
	// Changes since the previous render, and the highlighted ones.
	SincePrevious *renderChanges `json:"since_previous_render,omitempty"`
	Highlight     *renderChanges `json:"highlight,omitempty"`
}

// withRevision marks renderOutput as revisioned: Revision is the snapshot's, always set.
func (renderOutput) withRevision() {}

// describeView says in words what a view shows, so a model that cannot see
// the image still knows which side is which.
func describeView(v renderer.View) string {
	switch v.Name {
	case "front":
		return "camera on -Y looking +Y: X to the right, Z up"
	case "back":
		return "camera on +Y looking -Y: X to the left, Z up"
	case "left":
		return "camera on -X looking +X: +Y to the left, -Y to the right, Z up"
	case "right":
		return "camera on +X looking -X: Y to the right, Z up"
	case "top":
		return "camera above looking down -Z: X to the right, Y up the image"
	case "bottom":
		return "camera below looking up +Z: X to the right, Y down the image"
	case "isometric":
		return "camera front-right-above (yaw 45°, pitch 35.3°): sees the -Y, +X and +Z sides"
	}
	return fmt.Sprintf("custom camera at yaw %g°, pitch %g°", v.Yaw, v.Pitch)
}
