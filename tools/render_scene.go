package tools

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/internal/hot"
	"github.com/goxel-mcp/goxel-mcp/internal/pngx"
	"github.com/goxel-mcp/goxel-mcp/renderer"
	"github.com/goxel-mcp/goxel-mcp/storage"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

const renderDescription = `Render the scene to a PNG and return it so you can check your work. Isometric 800×600 by default, framed on the visible voxels, with sun shading, ambient occlusion, outlines and a ground shadow.
- view: front (camera on -Y), back, left (-X), right (+X), top, bottom, isometric (default), or "custom" with yaw/pitch in degrees.
- views: several views in one labelled contact sheet, e.g. ["front","right","top","isometric"]: best for checking orientation and proportions.
- width, height: pixels (default 800×600). background: a colour or "transparent". zoom: >1 zooms in. outline, ao, shadow, grid: look switches.
- options.return_mode: auto (default: managed file + inline image or preview that fits the host), file_path (file only, smallest answer), base64 (inline PNG only, no file).
- options.output_dir or output_path (.png) write inside the allowed directories instead of the managed render directory.
- highlight: "changes" tints what was added (green) or recoloured (magenta) since the previous render (or since_revision) and shows removed voxels as red ghosts. Every render's text says in one line what changed since the previous one.
Returns text with the path, the render:// URI, size, expiry and what each panel shows; a resource_link; an image in auto mode; structuredContent.file {path, uri, size, format, dimensions, checksum "sha256:…", created_at, expires_at, ttl_remaining}. The same scene and parameters are answered from the cache.
Example: {"views":["front","right","top","isometric"],"width":1024,"height":768}`

// RenderScene returns the render_scene tool.
func RenderScene(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("render_scene",
		mcp.WithDescription(renderDescription),
		annotations(false, false, false),
		mcp.WithInteger("width", mcp.Description(fmt.Sprintf("Pixels, 1-%d. Default %d.", d.Render.MaxImageSize, defaultWidth)), mcp.Min(1), mcp.Max(d.Render.MaxImageSize)),
		mcp.WithInteger("height", mcp.Description(fmt.Sprintf("Pixels, 1-%d. Default %d.", d.Render.MaxImageSize, defaultHeight)), mcp.Min(1), mcp.Max(d.Render.MaxImageSize)),
		mcp.WithString("view", mcp.Enum("front", "back", "left", "right", "top", "bottom", "isometric", "custom"), mcp.Description("Default isometric")),
		mcp.WithNumber("yaw", mcp.Description("Degrees around Z for view custom: 0 = front, 90 = right")),
		mcp.WithNumber("pitch", mcp.Description("Degrees above the horizon for view custom: 90 = top"), mcp.Min(-90), mcp.Max(90)),
		mcp.WithArray("views", mcp.Description("Contact sheet: preset names or {yaw, pitch, name}"), mcp.Items(viewItemSchema())),
		mcp.WithAny("background", mcp.Description(`Colour or "transparent"`)),
		mcp.WithNumber("zoom", mcp.Description("1 fits the model; 2 is twice as close"), mcp.Min(0.01), mcp.Max(64)),
		mcp.WithBoolean("outline"), mcp.WithBoolean("ao"), mcp.WithBoolean("shadow"), mcp.WithBoolean("grid"),
		mcp.WithString("output_path", mcp.Description("Legacy: write the PNG exactly here (inside the allowed directories)")),
		mcp.WithObject("options", mcp.Properties(map[string]any{
			"return_mode": map[string]any{"type": "string", "enum": []string{"auto", "file_path", "base64"}},
			"output_dir":  map[string]any{"type": "string", "description": "A directory inside the allowed roots"},
		})),
		mcp.WithString("highlight", mcp.Enum("none", "changes"), mcp.Description(`"changes": tint voxels added since since_revision (default: the previous render) green and recoloured ones magenta, and draw removed ones as red checkered ghosts; the text gives the counts`)),
		mcp.WithInteger("since_revision", mcp.Description(`With highlight "changes": the revision to compare with`), mcp.Min(1)),
		mcp.WithRawOutputSchema(renderOutputSchema),
	)
	withViewer(&tool) // hosts with MCP Apps show the live model beside the image
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		r, err := parseRender(a, d.Render)
		if err != nil {
			return nil, err
		}
		if r.highlight, err = parseHighlight(a); err != nil {
			return nil, err
		}
		return d.renderScene(ctx, r, progressOf(ctx, req))
	})}
}

// progress sends throttled progress notifications when the client asked for them.
type progress struct {
	mu    sync.Mutex
	send  func(p float64, msg string)
	last  time.Time
	steps float64
}

func progressOf(ctx context.Context, req mcp.CallToolRequest) *progress {
	m := req.Params.Meta
	srv := mcpserver.ServerFromContext(ctx)
	if m == nil || m.ProgressToken == nil || srv == nil {
		return &progress{}
	}
	tok := m.ProgressToken
	return &progress{steps: 4, send: func(p float64, msg string) {
		// Dropped notifications (a full channel) are harmless: progress is advisory.
		_ = srv.SendNotificationToClient(ctx, "notifications/progress", map[string]any{
			"progressToken": tok, "progress": p, "total": 4.0, "message": msg,
		})
	}}
}

// step reports stage n of 4; at most one notification per 100 ms except the first.
func (p *progress) step(n float64, msg string) {
	if p == nil || p.send == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.last.IsZero() && time.Since(p.last) < 100*time.Millisecond && n < p.steps {
		return
	}
	p.last = time.Now()
	p.send(n, msg)
}

func (d Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// sceneFacts is what the text block tells a model that cannot see the image.
type sceneFacts struct {
	count    int
	box      voxel.Box
	hidden   int // voxels on hidden layers, not drawn
	hiddenL  int // hidden layers that hold voxels
	layers   int
	hash     uint64
	snap     *voxel.Snapshot
	version  uint64
	revision uint64
	// for change reports: the state shown, the previous render's, and
	// what compareRender found
	state     layersState
	shown     *frozenState
	prev      *frozenState
	change    string
	sincePrev *renderChanges
	highlight *renderChanges
}

func (d Deps) snapshot() sceneFacts {
	var f sceneFacts
	d.Project.Read(func(s *voxel.Scene) {
		f.snap = s.Snapshot()
		f.revision = d.Project.revision
		f.layers = len(s.Layers())
		f.hidden, f.hiddenL = Hidden(s)
		f.shown, f.prev = d.Project.current(), d.Project.states.lastRender
		f.state = f.shown.layers
	})
	f.count, f.box, f.hash = f.snap.Count(), f.snap.Box(), f.snap.Hash()
	return f
}

func (d Deps) renderScene(ctx context.Context, r renderRequest, prog *progress) (*mcp.CallToolResult, error) {
	start := time.Now()
	// The render's parallel stages start on every core at once (see internal/hot) until the PNG is
	// written; the deferred call ends the burst on the error paths.
	endBurst := hot.Warm()
	defer endBurst()
	facts := d.snapshot()
	// Later calls may change the scene now: this render has its snapshot.
	releaseTurn(ctx)
	if err := d.compareRender(&facts, r.highlight); err != nil {
		return nil, err
	}
	d.Project.markRendered(facts.shown)
	r.opt.HiddenVoxels, r.opt.HiddenLayers = facts.hidden, facts.hiddenL
	key := r.cacheKey(facts.snap.Hash(), d.Version) // a highlight draws a derived scene
	out := renderOutput{Revision: facts.revision, SincePrevious: facts.sincePrev, Highlight: facts.highlight, Render: renderInfo{
		Width: r.opt.Width, Height: r.opt.Height, Voxels: facts.count, HiddenVoxels: facts.hidden, HiddenLayers: facts.hiddenL, Box: boxJSON(facts.box),
		SceneHash: fmt.Sprintf("%016x", facts.hash), ReturnMode: r.mode, Inline: "none",
	}}
	out.Render.Panels = panels(r)
	managed := d.Store != nil && !d.Render.DisableFiles && r.outputPath == "" && r.outputDir == "" && r.mode != "base64"

	// An identical render that still lives is answered from its file.
	if managed {
		if rec, ok := d.Store.Lookup(key); ok {
			if res, err := d.cachedResult(rec, r, out, facts); err == nil {
				d.logger().Info("render", "cached", true, "id", rec.ID, "duration", time.Since(start))
				return res, nil
			}
		}
	}

	if d.RenderSlots != nil {
		select {
		case d.RenderSlots <- struct{}{}:
			defer func() { <-d.RenderSlots }()
		case <-ctx.Done():
			return nil, fmt.Errorf("render cancelled while waiting for a free renderer: %v; no file was written", ctx.Err())
		}
	}
	prog.step(0, "rendering")
	// The managed file is created while the image renders: creating a file costs a fifth of a
	// 400×400 render's server time on ext4 (kernel time, on the core the render leaves idle).
	var created <-chan createdFile
	if managed {
		created = d.createAsync()
		defer func() {
			if created != nil { // not taken by publish: remove the unused temp file
				if c := <-created; c.p != nil {
					c.p.Abort()
				}
			}
		}()
	}
	img, ix, err := d.renderImage(ctx, facts.snap, r, prog)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("render cancelled: %v; no file was written", err)
		}
		return nil, err
	}
	defer renderer.Release(img) // on the error paths; released below once encoded (twice is harmless)
	defer renderer.ReleaseIndexed(ix)
	out.Render.RenderMS = ms(time.Since(start))
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("render cancelled: %v; no file was written", err)
	}
	prog.step(2, "encoding")
	encStart := time.Now()
	// Encodes of img itself take the colours the render counted (ix); downscaled previews only text.
	enc := &pngx.Options{Text: d.pngText(r, facts, key), Indexed: ix}

	var inlinePNG []byte
	switch {
	case r.mode == "base64" || (d.Store == nil || d.Render.DisableFiles) && r.outputPath == "" && r.outputDir == "":
		var buf bytes.Buffer
		if err := pngx.Encode(&buf, img, enc); err != nil {
			return nil, fmt.Errorf("failed to encode the PNG: %w", err)
		}
		if buf.Len() > d.Render.MaxInlineBytes || max(img.Rect.Dx(), img.Rect.Dy()) > inlineMaxEdge {
			if r.mode == "base64" {
				return nil, fmt.Errorf("the PNG is %d bytes, more than the inline maximum of %d bytes: use return_mode file_path (or auto), or a smaller width/height", buf.Len(), d.Render.MaxInlineBytes)
			}
			prev, w, h, perr := fitInline(img, enc.Text, d.Render.MaxInlineBytes)
			if perr != nil {
				return nil, perr
			}
			out.Warnings = append(out.Warnings, fmt.Sprintf("file transfer is disabled on this server and a %d×%d image is over the inline limits (%d px on the long edge, %d bytes): it was downscaled to %d×%d", r.opt.Width, r.opt.Height, inlineMaxEdge, d.Render.MaxInlineBytes, w, h))
			inlinePNG, out.Render.Inline, out.Render.InlineWidth, out.Render.InlineHight = prev, "preview", w, h
		} else {
			inlinePNG, out.Render.Inline = buf.Bytes(), "full"
			out.Render.InlineWidth, out.Render.InlineHight = r.opt.Width, r.opt.Height
		}
		if d.Store == nil || d.Render.DisableFiles {
			if r.mode == "file_path" {
				out.Warnings = append(out.Warnings, "file transfer is disabled on this server: the image is inline instead of a file")
			}
		}
	case managed:
		c := <-created
		created = nil
		// Only an image within the inline edge can go inline whole (see inline).
		keep := r.mode == "auto" && max(img.Rect.Dx(), img.Rect.Dy()) <= inlineMaxEdge
		file, full, err := d.publish(c, img, enc, key, keep)
		if err != nil {
			out.Warnings = append(out.Warnings, fmt.Sprintf("could not write the render file (%v); the image is inline instead", err))
			d.logger().Warn("render file not written", "err", err)
		} else {
			out.File = &file
			inlinePNG = full
		}
		if r.mode == "auto" || err != nil {
			inlinePNG, err = d.inline(&out, img, enc, inlinePNG)
			if err != nil {
				return nil, err
			}
		}
	default:
		d.clientRoots(ctx)
		file, err := d.writeUserFile(r, img, enc, d.now())
		if err != nil {
			return nil, err
		}
		out.File = &file
		if r.mode == "auto" {
			if inlinePNG, err = d.inline(&out, img, enc, nil); err != nil {
				return nil, err
			}
		}
	}
	out.Render.EncodeMS = ms(time.Since(encStart))
	endBurst()            // the parallel work is done: free the other core for the client's wake-up
	renderer.Release(img) // encoded and written: the next render reuses the frame
	renderer.ReleaseIndexed(ix)
	ix = nil
	if managed && out.File != nil && inlinePNG != nil {
		d.Inline.put(inlineEntry{key: key, png: inlinePNG, kind: out.Render.Inline, width: out.Render.InlineWidth, height: out.Render.InlineHight})
	}
	prog.step(4, "done")
	d.logger().Info("render", "width", r.opt.Width, "height", r.opt.Height, "voxels", facts.count, "mode", r.mode,
		"render_ms", out.Render.RenderMS, "encode_ms", out.Render.EncodeMS, "inline", out.Render.Inline, "duration", time.Since(start))
	return d.renderResult(out, r, facts, inlinePNG), nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (d Deps) renderImage(ctx context.Context, snap *voxel.Snapshot, r renderRequest, prog *progress) (*image.NRGBA, *pngx.Indexed, error) {
	done := make(chan struct{})
	defer close(done)
	go func() {
		// Long renders report that they are alive twice a second.
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for n := 1; ; n++ {
			select {
			case <-done:
				return
			case <-t.C:
				prog.step(1, fmt.Sprintf("rendering (%.1f s)", float64(n)/2))
			}
		}
	}()
	return d.Renderer.RenderIndexed(ctx, snap, r.opt)
}

func (d Deps) pngText(r renderRequest, f sceneFacts, key string) []pngx.TextChunk {
	views := make([]string, 0, len(r.views)+1)
	if len(r.views) == 0 {
		views = append(views, fmt.Sprintf("%s (yaw %g, pitch %g)", r.opt.View.Name, r.opt.View.Yaw, r.opt.View.Pitch))
	}
	for _, v := range r.views {
		views = append(views, fmt.Sprintf("%s (yaw %g, pitch %g)", v.Name, v.Yaw, v.Pitch))
	}
	chunks := []pngx.TextChunk{
		{Keyword: "Software", Value: "goxel-mcp " + d.Version},
		{Keyword: "View", Value: strings.Join(views, "; ")},
		{Keyword: "Scene-Hash", Value: fmt.Sprintf("xxhash64:%016x voxels=%d", f.hash, f.count)},
		{Keyword: "Render-Options", Value: fmt.Sprintf("size=%dx%d zoom=%g outline=%v ao=%v shadow=%v grid=%v", r.opt.Width, r.opt.Height, r.opt.Zoom, r.opt.Outline, r.opt.AO, r.opt.Shadow, r.opt.Grid)},
		{Keyword: "CacheKey", Value: key},
	}
	if f.highlight != nil {
		chunks = append(chunks, pngx.TextChunk{Keyword: "Highlight", Value: fmt.Sprintf("changes since revision %d (green added, red ghosts removed, magenta recoloured)", f.highlight.Since)})
	}
	return chunks
}

// createdFile is the result of Store.Create.
type createdFile struct {
	p   *storage.Pending
	err error
}

// createAsync starts Store.Create; the channel yields its result once.
func (d Deps) createAsync() <-chan createdFile {
	ch := make(chan createdFile, 1)
	go func() {
		p, err := d.Store.Create()
		ch <- createdFile{p, err}
	}()
	return ch
}

// publish writes the PNG into the managed store, in the file c (created
// by createAsync). When keep is set and the PNG fits the inline budget,
// the bytes are kept to send inline as well.
func (d Deps) publish(c createdFile, img *image.NRGBA, enc *pngx.Options, key string, keep bool) (FileInfo, []byte, error) {
	if c.err != nil {
		return FileInfo{}, nil, c.err
	}
	p := c.p
	defer p.Abort()
	var w io.Writer = p
	var buf *limitedBuffer
	if keep {
		buf = &limitedBuffer{limit: base64Decoded(inlineBase64Budget)}
		w = io.MultiWriter(p, buf)
	}
	if err := pngx.Encode(w, img, enc); err != nil {
		return FileInfo{}, nil, err
	}
	rec, err := p.Publish(storage.Meta{Width: img.Rect.Dx(), Height: img.Rect.Dy(), CacheKey: key})
	if err != nil {
		return FileInfo{}, nil, err
	}
	var full []byte
	if buf != nil && !buf.over {
		full = buf.Bytes()
	}
	return fileInfo(rec, d.now()), full, nil
}

func base64Decoded(n int) int { return n / 4 * 3 }

// limitedBuffer keeps bytes until they pass limit, then drops them all.
type limitedBuffer struct {
	bytes.Buffer
	limit int
	over  bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if !b.over && b.Len()+len(p) <= b.limit {
		return b.Buffer.Write(p)
	}
	b.over = true
	b.Reset()
	return len(p), nil
}

// inline picks the image block for auto mode: the full PNG when it fits the
// host budget, else a downscaled preview.
func (d Deps) inline(out *renderOutput, img *image.NRGBA, enc *pngx.Options, full []byte) ([]byte, error) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if full == nil && max(w, h) <= inlineMaxEdge {
		var buf bytes.Buffer
		if err := pngx.Encode(&buf, img, enc); err != nil {
			return nil, err
		}
		if base64.StdEncoding.EncodedLen(buf.Len()) <= inlineBase64Budget {
			full = buf.Bytes()
		}
	}
	if full != nil && max(w, h) <= inlineMaxEdge && base64.StdEncoding.EncodedLen(len(full)) <= inlineBase64Budget {
		out.Render.Inline, out.Render.InlineWidth, out.Render.InlineHight = "full", w, h
		return full, nil
	}
	prev, pw, ph, err := preview(img, enc.Text)
	if err != nil {
		return nil, err
	}
	out.Render.Inline, out.Render.InlineWidth, out.Render.InlineHight = "preview", pw, ph
	return prev, nil
}

// preview downscales img until its PNG fits the inline budget.
func preview(img *image.NRGBA, text []pngx.TextChunk) ([]byte, int, int, error) {
	for edge := previewMaxEdge; edge >= 64; edge /= 2 {
		b, w, h, err := encodeDownscaled(img, edge, text)
		if err != nil {
			return nil, 0, 0, err
		}
		if base64.StdEncoding.EncodedLen(len(b)) <= inlineBase64Budget {
			return b, w, h, nil
		}
	}
	return nil, 0, 0, errors.New("could not make a preview small enough to send inline")
}

// fitInline downscales img to the largest size, at most inlineMaxEdge on
// its long edge, whose PNG is at most maxBytes.
func fitInline(img *image.NRGBA, text []pngx.TextChunk, maxBytes int) ([]byte, int, int, error) {
	for edge := inlineMaxEdge; edge >= 64; edge = edge * 3 / 4 {
		b, w, h, err := encodeDownscaled(img, edge, text)
		if err != nil {
			return nil, 0, 0, err
		}
		if len(b) <= maxBytes {
			return b, w, h, nil
		}
	}
	return nil, 0, 0, fmt.Errorf("could not make the image small enough to send inline (%d bytes): raise GOXEL_MAX_INLINE_BYTES or render smaller", maxBytes)
}

// previewBufs holds the buffers previews are encoded into (*bytes.Buffer).
var previewBufs sync.Pool

// encodeDownscaled returns the PNG of img downscaled to edge, and its size. The downscaled pixels
// and the growing encode buffer are temporary (off the heap and pooled): a preview of every large
// render otherwise left about 4 MB of garbage per render, which the collector's headroom doubled
// in the peak RSS of 4K renders. The PNG returned is an exact-size copy.
func encodeDownscaled(img *image.NRGBA, edge int, text []pngx.TextChunk) ([]byte, int, int, error) {
	small, free := pngx.DownscaleTemp(img, edge)
	defer free()
	buf, _ := previewBufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer func() {
		if buf.Cap() <= 2<<20 {
			buf.Reset()
			previewBufs.Put(buf)
		}
	}()
	buf.Reset()
	if err := pngx.Encode(buf, small, &pngx.Options{Text: text}); err != nil {
		return nil, 0, 0, err
	}
	return bytes.Clone(buf.Bytes()), small.Rect.Dx(), small.Rect.Dy(), nil
}

// writeUserFile writes an unmanaged render at output_path, or in output_dir
// under a render_… name, inside the allowed directories.
func (d Deps) writeUserFile(r renderRequest, img *image.NRGBA, enc *pngx.Options, now time.Time) (FileInfo, error) {
	if d.Roots == nil {
		return FileInfo{}, errors.New("output_path and output_dir are not available on this server")
	}
	path := r.outputPath
	if r.outputDir != "" {
		dir, err := d.Roots.Resolve(r.outputDir)
		if err != nil {
			return FileInfo{}, fmt.Errorf("options.output_dir: %w", err)
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return FileInfo{}, fmt.Errorf("options.output_dir %q is not an existing directory", r.outputDir)
		}
		path = filepath.Join(dir, fmt.Sprintf("render_%d_user_%s.png", now.Unix(), randomHex(8)))
	}
	h := sha256.New()
	var size int64
	real, err := d.Roots.WriteFile(path, 0o600, func(w io.Writer) error {
		cw := &countWriter{w: io.MultiWriter(w, h)}
		err := pngx.Encode(cw, img, enc)
		size = cw.n
		return err
	})
	if err != nil {
		name := "output_path"
		if r.outputDir != "" {
			name = "options.output_dir"
		}
		return FileInfo{}, fmt.Errorf("%s: %w", name, err)
	}
	return FileInfo{
		Path: real, URI: "file://" + filepath.ToSlash(real), Size: size, Format: "png",
		Dimensions: Dimensions{img.Rect.Dx(), img.Rect.Dy()}, Checksum: "sha256:" + hex.EncodeToString(h.Sum(nil)),
		CreatedAt: now.Unix(), Managed: false,
	}, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// cachedResult answers from a live render with the same key.
func (d Deps) cachedResult(rec storage.Record, r renderRequest, out renderOutput, facts sceneFacts) (*mcp.CallToolResult, error) {
	file := fileInfo(rec, d.now())
	out.File = &file
	out.Render.Cached = true
	var inline []byte
	if r.mode == "auto" {
		if e, ok := d.Inline.get(rec.CacheKey); ok {
			inline = e.png
			out.Render.Inline, out.Render.InlineWidth, out.Render.InlineHight = e.kind, e.width, e.height
		} else if max(rec.Width, rec.Height) <= inlineMaxEdge && base64.StdEncoding.EncodedLen(int(rec.Size)) <= inlineBase64Budget {
			rc, _, err := d.Store.Open(rec.ID)
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				return nil, err
			}
			inline = b
			out.Render.Inline, out.Render.InlineWidth, out.Render.InlineHight = "full", rec.Width, rec.Height
		} else {
			return nil, errors.New("a preview needs a fresh render")
		}
	}
	return d.renderResult(out, r, facts, inline), nil
}

func panels(r renderRequest) []panelInfo {
	views := r.views
	if len(views) == 0 {
		views = append(views, r.opt.View)
	}
	out := make([]panelInfo, len(views))
	for i, v := range views {
		out[i] = panelInfo{View: v.Name, Yaw: v.Yaw, Pitch: v.Pitch, Shows: describeView(v)}
	}
	return out
}

func (d Deps) renderResult(out renderOutput, r renderRequest, f sceneFacts, inlinePNG []byte) *mcp.CallToolResult {
	var b strings.Builder
	views := make([]string, len(out.Render.Panels))
	for i, p := range out.Render.Panels {
		views[i] = strings.ToUpper(p.View)
	}
	fmt.Fprintf(&b, "Rendered %d×%d px, %s: %s", out.Render.Width, out.Render.Height, strings.Join(views, " + "), DrawnSummary(f.count, f.hidden, f.hiddenL))
	if f.hidden > 0 {
		b.WriteString(" (not shown)")
	}
	if f.count > 0 {
		s := f.box.Size()
		fmt.Fprintf(&b, "; bounding box %v, %d×%d×%d voxels x×y×z", f.box, s.X, s.Y, s.Z)
	}
	fmt.Fprintf(&b, ". Scene revision %d.", f.revision)
	if f.change != "" {
		b.WriteString("\n" + f.change)
	}
	if f.highlight != nil {
		b.WriteString("\n" + highlightText(f.highlight))
	}
	if f.count == 0 {
		b.WriteString(" The scene is empty: the image shows only the background.")
	}
	for i, p := range out.Render.Panels {
		if len(out.Render.Panels) > 1 {
			fmt.Fprintf(&b, "\nPanel %d %s: %s.", i+1, strings.ToUpper(p.View), p.Shows)
		} else {
			fmt.Fprintf(&b, "\nView %s: %s.", p.View, p.Shows)
		}
	}
	if out.File != nil {
		fmt.Fprintf(&b, "\nFile: %s (%s, %d bytes, sha256 %s).", out.File.Path, out.File.URI, out.File.Size, strings.TrimPrefix(out.File.Checksum, "sha256:")[:16]+"…")
		if out.File.Managed {
			fmt.Fprintf(&b, " Expires in %s at %s.", time.Duration(out.File.TTLRemaining)*time.Second, time.Unix(out.File.ExpiresAt, 0).UTC().Format(time.RFC3339))
		}
	}
	if out.Render.Cached {
		b.WriteString(" Answered from the render cache (same scene and parameters).")
	}
	switch out.Render.Inline {
	case "full":
		b.WriteString("\nThe image is attached inline.")
	case "preview":
		if out.File != nil {
			fmt.Fprintf(&b, "\nA %d×%d preview is attached inline; the full image is in the file.", out.Render.InlineWidth, out.Render.InlineHight)
		} else {
			fmt.Fprintf(&b, "\nThe image is attached inline, downscaled to %d×%d; no file is kept.", out.Render.InlineWidth, out.Render.InlineHight)
		}
	}
	for _, w := range out.Warnings {
		b.WriteString("\nWarning: " + w)
	}
	// The text carries every fact in words rather than repeating the JSON:
	// a file_path answer for any image size stays under 2 KB on the wire.
	res := &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent(b.String())}, StructuredContent: out}
	if out.File != nil && out.File.Managed {
		link := mcp.NewResourceLink(out.File.URI, filepath.Base(out.File.Path), "rendered scene", "image/png")
		size := out.File.Size
		link.Size = &size
		res.Content = append(res.Content, link)
	}
	if inlinePNG != nil {
		res.Content = append(res.Content, mcp.NewImageContent(base64.StdEncoding.EncodeToString(inlinePNG), "image/png"))
	}
	return res
}
