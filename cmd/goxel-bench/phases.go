package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// The reference scene: a filled sphere of radius 20 at the origin and a
// filled 16³ cube beside it, disjoint.
const (
	sphereColor     = "#0080FF"
	cubeColor       = "#FF8000"
	referenceVoxels = 37497
)

// referenceScene lists every voxel of the reference scene with its colour,
// x innermost, so that consecutive voxels of a line form runs along +X.
func referenceScene() (pos [][3]int, colors []string) {
	for z := -20; z <= 20; z++ {
		for y := -20; y <= 20; y++ {
			for x := -20; x <= 20; x++ {
				if x*x+y*y+z*z <= 400 {
					pos = append(pos, [3]int{x, y, z})
					colors = append(colors, sphereColor)
				}
			}
		}
	}
	for z := -8; z <= 7; z++ {
		for y := -8; y <= 7; y++ {
			for x := 30; x <= 45; x++ {
				pos = append(pos, [3]int{x, y, z})
				colors = append(colors, cubeColor)
			}
		}
	}
	return pos, colors
}

// runsText writes voxels as add_voxels "runs" lines "x y z length RRGGBB":
// each line a run of consecutive voxels along +X with one colour.
func runsText(pos [][3]int, colors []string) string {
	var runs strings.Builder
	for i := 0; i < len(pos); {
		j := i + 1
		for j < len(pos) && pos[j][1] == pos[i][1] && pos[j][2] == pos[i][2] && pos[j][0] == pos[j-1][0]+1 && colors[j] == colors[i] {
			j++
		}
		fmt.Fprintf(&runs, "%d %d %d %d %s\n", pos[i][0], pos[i][1], pos[i][2], j-i, colors[i][1:])
		i = j
	}
	return runs.String()
}

var (
	fillBox    = map[string]any{"shape": "box", "from": []int{30, -8, -8}, "to": []int{45, 7, 7}, "color": cubeColor}
	fillSphere = map[string]any{"shape": "sphere", "center": []int{0, 0, 0}, "radius": 20, "color": sphereColor}
)

// bench runs the phases against one server process.
type bench struct {
	cfg     config
	c       *child
	rep     *report
	bgSeq   atomic.Int64
	variant string // server flags other than the defaults, for the build phase
}

// background returns a colour near the default background that no earlier
// request used, so the render cache never answers a request meant to render.
func (b *bench) background() string {
	n := b.bgSeq.Add(1)
	return fmt.Sprintf("#%02X%02X%02X", 0xC0+(n>>12)&0x3F, 0xC0+(n>>6)&0x3F, 0xC0+n&0x3F)
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.cfg.stderr, "goxel-bench: "+format+"\n", args...)
}

// phaseDone records the server's memory at the end of a phase and resets
// the peak for the next one.
func (b *bench) phaseDone(name string) {
	m, err := b.c.memory()
	if err != nil {
		b.rep.Notes = append(b.rep.Notes, fmt.Sprintf("memory after %s: %v", name, err))
		return
	}
	b.rep.Memory = append(b.rep.Memory, phaseMemory{Phase: name, RSSKiB: m.RSSKiB, PeakKiB: m.HWMKiB, PeakOfPhase: b.rep.PeakPerPhase})
	b.rep.PeakPerPhase = b.c.resetPeak()
}

// buildVariant repeats the build phase against a second server started
// with extra flags.
func (b *bench) buildVariant(ctx context.Context, args []string, flags ...string) error {
	c, err := startChild(ctx, b.cfg.bin, b.c.logw, append(slices.Clone(args), flags...)...)
	if err != nil {
		return err
	}
	defer c.close()
	v := &bench{cfg: b.cfg, c: c, rep: b.rep, variant: strings.Join(flags, " ")}
	return v.build(ctx)
}

func (b *bench) fresh(ctx context.Context) error {
	_, err := b.c.call(ctx, "create_project", map[string]any{"force": true})
	return err
}

func (b *bench) voxels(ctx context.Context) (int, error) {
	res, err := b.c.call(ctx, "get_status", nil)
	if err != nil {
		return 0, err
	}
	var st struct {
		Voxels int `json:"voxels"`
	}
	err = structured(res, &st)
	return st.Voxels, err
}

// build measures building the reference scene three ways.
func (b *bench) build(ctx context.Context) error {
	pos, colors := referenceScene()
	var data strings.Builder
	list := make([]any, len(pos))
	for i, p := range pos {
		fmt.Fprintf(&data, "%d %d %d %s\n", p[0], p[1], p[2], colors[i][1:])
		list[i] = []any{p[0], p[1], p[2], colors[i]}
	}
	runs := runsText(pos, colors)
	methods := []struct {
		name  string
		calls []map[string]any
		tool  string
	}{
		{"fill_shape (box + sphere, 2 calls)", []map[string]any{fillBox, fillSphere}, "fill_shape"},
		{`add_voxels "data" text, 1 call`, []map[string]any{{"data": data.String()}}, "add_voxels"},
		{`add_voxels "voxels" JSON array, 1 call`, []map[string]any{{"voxels": list}}, "add_voxels"},
		{`add_voxels "runs" text (along +X), 1 call`, []map[string]any{{"runs": runs}}, "add_voxels"},
	}
	iters := b.cfg.iters(20, 2)
	for _, m := range methods {
		var reqBytes int
		for _, a := range m.calls {
			j, _ := json.Marshal(a)
			reqBytes += len(j)
		}
		var samples []float64
		var allocs, bytes float64
		for i := range iters + 1 {
			if err := b.fresh(ctx); err != nil {
				return err
			}
			am := startAllocs()
			start := time.Now()
			for _, a := range m.calls {
				if _, err := b.c.call(ctx, m.tool, a); err != nil {
					return err
				}
			}
			el := time.Since(start)
			if i == 0 { // warm-up, and a check that the scene is right
				n, err := b.voxels(ctx)
				if err != nil {
					return err
				}
				if n != referenceVoxels {
					return fmt.Errorf("%s built %d voxels, want %d", m.name, n, referenceVoxels)
				}
				continue
			}
			a, by := am.per(1)
			allocs += a / float64(iters)
			bytes += by / float64(iters)
			samples = append(samples, msOf(el))
		}
		d := summarise(samples)
		server := "defaults (autosave on)"
		if b.variant != "" {
			server = b.variant
		}
		b.rep.Build = append(b.rep.Build, buildResult{
			Server: server, Method: m.name, Calls: len(m.calls), Voxels: referenceVoxels, RequestBytes: reqBytes, Client: d,
			USPerVoxel:   d.Median * 1000 / referenceVoxels,
			ClientAllocs: allocs, ClientBytes: bytes,
		})
		b.logf("build %s, %s: median %.1f ms", server, m.name, d.Median)
	}
	if b.variant != "" {
		return nil
	}
	b.phaseDone("scene build (" + fmt.Sprint(len(methods)*(iters+1)) + " builds)")
	// Leave the reference scene open for the render phases.
	if err := b.fresh(ctx); err != nil {
		return err
	}
	for _, a := range []map[string]any{fillBox, fillSphere} {
		if _, err := b.c.call(ctx, "fill_shape", a); err != nil {
			return err
		}
	}
	return nil
}

// renderAnswer is what a render_scene answer tells the harness.
type renderAnswer struct {
	client        time.Duration
	server        time.Duration
	serverOK      bool
	renderMS      float64
	encodeMS      float64
	cached        bool
	pngBytes      int64
	responseBytes int64
}

type renderStructured struct {
	File *struct {
		Size int64 `json:"size"`
	} `json:"file"`
	Render struct {
		Cached   bool    `json:"cached"`
		RenderMS float64 `json:"render_ms"`
		EncodeMS float64 `json:"encode_ms"`
		Voxels   int     `json:"voxels"`
	} `json:"render"`
}

// render makes one sequential render_scene call and reads its figures.
func (b *bench) render(ctx context.Context, args map[string]any) (renderAnswer, error) {
	b.c.drainRenders()
	before := b.c.received()
	start := time.Now()
	res, err := b.c.call(ctx, "render_scene", args)
	el := time.Since(start)
	if err != nil {
		return renderAnswer{}, err
	}
	var st renderStructured
	if err := structured(res, &st); err != nil {
		return renderAnswer{}, err
	}
	a := renderAnswer{client: el, renderMS: st.Render.RenderMS, encodeMS: st.Render.EncodeMS, cached: st.Render.Cached}
	a.server, a.serverOK = b.c.nextRender()
	a.responseBytes = b.c.received() - before
	if st.File != nil {
		a.pngBytes = st.File.Size
	}
	for _, c := range res.Content {
		if img, ok := c.(mcp.ImageContent); ok {
			a.pngBytes = int64(base64.StdEncoding.DecodedLen(len(img.Data)))
		}
	}
	return a, nil
}

func renderArgs(w, h int, mode, bg string) map[string]any {
	a := map[string]any{"width": w, "height": h, "options": map[string]any{"return_mode": mode}}
	if bg != "" {
		a["background"] = bg
	}
	return a
}

// inlineMaxEdge is the server's cap on an inline image's long edge.
const inlineMaxEdge = 1568

var renderSizes = []struct {
	w, h         int
	iters, short int
}{{400, 400, 40, 3}, {1920, 1080, 20, 2}, {3840, 2160, 10, 1}}

// renders measures render_scene of the reference scene at three sizes in
// file_path and base64 modes, the two modes alternating so both see the
// same machine load.
func (b *bench) renders(ctx context.Context) error {
	for _, s := range renderSizes {
		// base64 is refused above 1568 px on the long edge (no inline image
		// is bigger); there auto, a file plus an inline preview, is the
		// inline answer to compare.
		modes := []string{"file_path", "base64"}
		if max(s.w, s.h) > inlineMaxEdge {
			modes[1] = "auto"
		}
		iters := b.cfg.iters(s.iters, s.short)
		type acc struct {
			client, server, render, encode []float64
			resp, png                      []float64
			allocs, bytes                  float64
			cold                           float64
			err                            string
		}
		accs := make([]acc, len(modes))
		for i := range iters + 1 {
			for mi, mode := range modes {
				a := &accs[mi]
				if a.err != "" {
					continue
				}
				am := startAllocs()
				ans, err := b.render(ctx, renderArgs(s.w, s.h, mode, b.background()))
				al, by := am.per(1)
				if err != nil {
					a.err = err.Error()
					b.logf("render %dx%d %s: %v", s.w, s.h, mode, err)
					continue
				}
				if i == 0 { // the first render of a size warms caches
					a.cold = msOf(ans.client)
					continue
				}
				a.client = append(a.client, msOf(ans.client))
				if ans.serverOK {
					a.server = append(a.server, msOf(ans.server))
				}
				a.render = append(a.render, ans.renderMS)
				a.encode = append(a.encode, ans.encodeMS)
				a.resp = append(a.resp, float64(ans.responseBytes))
				a.png = append(a.png, float64(ans.pngBytes))
				a.allocs += al / float64(iters)
				a.bytes += by / float64(iters)
			}
		}
		for mi, mode := range modes {
			a := accs[mi]
			r := renderResult{Width: s.w, Height: s.h, Mode: mode, Error: a.err, ColdMS: a.cold,
				Client: summarise(a.client), Server: summarise(a.server), RenderMS: summarise(a.render), EncodeMS: summarise(a.encode),
				ResponseBytes: int64(summarise(a.resp).Median), PNGBytes: int64(summarise(a.png).Median),
				ClientAllocs: a.allocs, ClientBytes: a.bytes}
			b.rep.Renders = append(b.rep.Renders, r)
			b.logf("render %dx%d %s: median %.1f ms, %d response bytes", s.w, s.h, mode, r.Client.Median, r.ResponseBytes)
		}
		b.phaseDone(fmt.Sprintf("render %d×%d (%s + %s, %d each)", s.w, s.h, modes[0], modes[1], iters+1))
	}
	return nil
}

// cache measures a repeated identical render, answered from the render cache.
func (b *bench) cache(ctx context.Context) error {
	iters := b.cfg.iters(50, 3)
	for _, s := range renderSizes[:2] {
		for _, mode := range []string{"file_path", "auto"} {
			args := renderArgs(s.w, s.h, mode, b.background())
			first, err := b.render(ctx, args)
			if err != nil {
				return err
			}
			var client, server []float64
			var resp int64
			hits := 0
			for range iters {
				ans, err := b.render(ctx, args)
				if err != nil {
					return err
				}
				if ans.cached {
					hits++
				}
				client = append(client, msOf(ans.client))
				if ans.serverOK {
					server = append(server, msOf(ans.server))
				}
				resp = ans.responseBytes
			}
			r := cacheResult{Width: s.w, Height: s.h, Mode: mode, MissMS: msOf(first.client), Hits: hits, Client: summarise(client), Server: summarise(server), ResponseBytes: resp}
			b.rep.Cache = append(b.rep.Cache, r)
			b.logf("cache %dx%d %s: %d/%d hits, median %.2f ms (server %.3f ms)", s.w, s.h, mode, hits, iters, r.Client.Median, r.Server.Median)
		}
	}
	b.phaseDone(fmt.Sprintf("cache hits (%d per row)", iters))
	return nil
}

// concurrency keeps k requests in flight from k goroutines sharing one
// client (one stdio connection, as a host with parallel tool calls).
func (b *bench) concurrency(ctx context.Context) error {
	type load struct {
		name         string
		total, short func(k int) int
		args         func() (string, map[string]any)
	}
	loads := []load{
		{"get_status", func(k int) int { return max(20*k, 2000) }, func(k int) int { return max(2*k, 100) },
			func() (string, map[string]any) { return "get_status", nil }},
		{"render_scene 400×400 file_path, uncached", func(k int) int { return max(3*k, 200) }, func(k int) int { return max(k, 10) },
			func() (string, map[string]any) {
				return "render_scene", renderArgs(400, 400, "file_path", b.background())
			}},
	}
	for _, l := range loads {
		for _, k := range []int{1, 2, 10, 150} {
			total := l.total(k)
			if b.cfg.short {
				total = l.short(k)
			}
			var next, answered atomic.Int64
			var mu sync.Mutex
			var lat []float64
			var errs []string
			var wg sync.WaitGroup
			start := time.Now()
			for range k {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var mine []float64
					for next.Add(1) <= int64(total) {
						name, args := l.args()
						t := time.Now()
						_, err := b.c.call(ctx, name, args)
						d := time.Since(t)
						if err != nil {
							mu.Lock()
							errs = append(errs, err.Error())
							mu.Unlock()
							continue
						}
						answered.Add(1)
						mine = append(mine, msOf(d))
					}
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				}()
			}
			wg.Wait()
			el := time.Since(start)
			r := concResult{Request: l.name, InFlight: k, Sent: total, Answered: int(answered.Load()), Errors: len(errs),
				PerSecond: float64(answered.Load()) / el.Seconds(), Latency: summarise(lat)}
			if len(errs) > 0 {
				r.FirstError = errs[0]
			}
			b.rep.Concurrency = append(b.rep.Concurrency, r)
			b.logf("%s with %d in flight: %d/%d answered, %.0f/s, median %.2f ms", l.name, k, r.Answered, total, r.PerSecond, r.Latency.Median)
		}
	}
	b.phaseDone("concurrency")
	return nil
}

// models renders every .vox and .gox in the models directory at 1080p.
func (b *bench) models(ctx context.Context) error {
	var files []string
	err := filepath.WalkDir(b.cfg.models, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := strings.ToLower(filepath.Ext(p)); !d.IsDir() && (ext == ".vox" || ext == ".gox") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if b.cfg.short && len(files) > 2 {
		// Short mode: the smallest and the largest file.
		slices.SortFunc(files, func(x, y string) int { return int(fileSize(x) - fileSize(y)) })
		files = []string{files[0], files[len(files)-1]}
	}
	iters := b.cfg.iters(7, 1)
	for _, f := range files {
		rel, _ := filepath.Rel(b.cfg.models, f)
		m := modelResult{File: filepath.ToSlash(rel), FileBytes: fileSize(f)}
		res, err := b.c.call(ctx, "open_project", map[string]any{"path": f, "force": true})
		if err != nil {
			m.Error = err.Error()
			b.rep.Models = append(b.rep.Models, m)
			b.logf("model %s: %v", rel, err)
			continue
		}
		var st struct {
			Voxels int `json:"voxels"`
			Layers int `json:"layers"`
		}
		if err := structured(res, &st); err != nil {
			return err
		}
		m.Voxels, m.Layers = st.Voxels, st.Layers
		var client, render, encode, png []float64
		for i := range iters + 1 {
			ans, err := b.render(ctx, renderArgs(1920, 1080, "file_path", b.background()))
			if err != nil {
				m.Error = err.Error()
				break
			}
			if i == 0 {
				m.ColdMS = msOf(ans.client)
				continue
			}
			client = append(client, msOf(ans.client))
			render = append(render, ans.renderMS)
			encode = append(encode, ans.encodeMS)
			png = append(png, float64(ans.pngBytes))
		}
		m.Client, m.RenderMS, m.EncodeMS = summarise(client), summarise(render), summarise(encode)
		m.PNGBytes = int64(summarise(png).Median)
		b.rep.Models = append(b.rep.Models, m)
		b.logf("model %s: %d voxels, median %.1f ms", rel, m.Voxels, m.Client.Median)
	}
	slices.SortStableFunc(b.rep.Models, func(x, y modelResult) int { return x.Voxels - y.Voxels })
	b.phaseDone(fmt.Sprintf("models (%d files, 1080p)", len(files)))
	return nil
}

func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.Size()
}
