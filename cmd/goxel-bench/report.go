package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// report is everything one run measured. Times are milliseconds.
type report struct {
	Machine machine `json:"machine"`
	Short   bool    `json:"short"`
	Started string  `json:"started"`
	Load    struct {
		Before float64 `json:"before"` // 1-minute load average
		After  float64 `json:"after"`
	} `json:"load"`
	Idle         memory         `json:"idle"`
	Build        []buildResult  `json:"build"`
	Renders      []renderResult `json:"renders"`
	Cache        []cacheResult  `json:"cache"`
	Concurrency  []concResult   `json:"concurrency"`
	Models       []modelResult  `json:"models"`
	Memory       []phaseMemory  `json:"memory"`
	PeakPerPhase bool           `json:"peak_per_phase"` // VmHWM was reset between phases
	Notes        []string       `json:"notes,omitempty"`
	Packages     *packageBench  `json:"packages,omitempty"` // --packages
}

type buildResult struct {
	Server       string  `json:"server"` // the server's configuration
	Method       string  `json:"method"`
	Calls        int     `json:"calls"`
	Voxels       int     `json:"voxels"`
	RequestBytes int     `json:"request_bytes"`
	Client       dist    `json:"client_ms"`
	USPerVoxel   float64 `json:"us_per_voxel"` // median build time / voxels
	ClientAllocs float64 `json:"client_allocs_per_build"`
	ClientBytes  float64 `json:"client_bytes_per_build"`
}

type renderResult struct {
	Width         int     `json:"width"`
	Height        int     `json:"height"`
	Mode          string  `json:"mode"`
	Client        dist    `json:"client_ms"`
	Server        dist    `json:"server_ms"` // handler duration from the server's log
	RenderMS      dist    `json:"render_ms"` // structuredContent.render.render_ms
	EncodeMS      dist    `json:"encode_ms"`
	ResponseBytes int64   `json:"response_bytes"`
	PNGBytes      int64   `json:"png_bytes"`
	ColdMS        float64 `json:"cold_ms"` // the first render of the size, not in Client
	ClientAllocs  float64 `json:"client_allocs_per_op"`
	ClientBytes   float64 `json:"client_bytes_per_op"`
	Error         string  `json:"error,omitempty"`
}

type cacheResult struct {
	Width         int     `json:"width"`
	Height        int     `json:"height"`
	Mode          string  `json:"mode"`
	MissMS        float64 `json:"miss_ms"`
	Hits          int     `json:"hits"` // answers with cached:true, of Client.N
	Client        dist    `json:"client_ms"`
	Server        dist    `json:"server_ms"`
	ResponseBytes int64   `json:"response_bytes"`
}

type concResult struct {
	Request    string  `json:"request"`
	InFlight   int     `json:"in_flight"`
	Sent       int     `json:"sent"`
	Answered   int     `json:"answered"`
	Errors     int     `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
	PerSecond  float64 `json:"per_second"`
	Latency    dist    `json:"latency_ms"`
}

type modelResult struct {
	File      string  `json:"file"`
	FileBytes int64   `json:"file_bytes"`
	Voxels    int     `json:"voxels"`
	Layers    int     `json:"layers"`
	ColdMS    float64 `json:"cold_ms"`
	Client    dist    `json:"client_ms"`
	RenderMS  dist    `json:"render_ms"`
	EncodeMS  dist    `json:"encode_ms"`
	PNGBytes  int64   `json:"png_bytes"`
	Error     string  `json:"error,omitempty"`
}

type phaseMemory struct {
	Phase       string `json:"phase"`
	RSSKiB      int64  `json:"rss_kib"`
	PeakKiB     int64  `json:"peak_kib"`
	PeakOfPhase bool   `json:"peak_of_phase"` // false: peak since the process started
}

func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func mib(kib int64) string { return fmt.Sprintf("%.1f", float64(kib)/1024) }

func f1(x float64) string {
	switch {
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	case x >= 10:
		return fmt.Sprintf("%.1f", x)
	default:
		return fmt.Sprintf("%.2f", x)
	}
}

func bytesStr(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}

// find returns the render row for a size and mode.
func (r *report) find(w, h int, mode string) *renderResult {
	for i := range r.Renders {
		if x := &r.Renders[i]; x.Width == w && x.Height == h && x.Mode == mode && x.Error == "" && x.Client.N > 0 {
			return x
		}
	}
	return nil
}

// target is one of issue 8's goals and whether this run met it.
type target struct {
	What, Goal, Measured string
	Met                  bool
}

func (r *report) targets() []target {
	var ts []target
	for _, s := range []struct {
		w, h int
		goal float64
	}{{400, 400, 4}, {1920, 1080, 30}, {3840, 2160, 120}} {
		if x := r.find(s.w, s.h, "file_path"); x != nil {
			ts = append(ts, target{fmt.Sprintf("render_scene %d×%d file_path, end to end (median)", s.w, s.h), fmt.Sprintf("≤ %g ms", s.goal),
				f1(x.Client.Median) + " ms", x.Client.Median <= s.goal})
		}
	}
	var bestDefault, bestOther *buildResult
	for i := range r.Build {
		b := &r.Build[i]
		best := &bestDefault
		if strings.HasPrefix(b.Server, "--") {
			best = &bestOther
		}
		if *best == nil || b.USPerVoxel < (*best).USPerVoxel {
			*best = b
		}
	}
	for _, b := range []*buildResult{bestDefault, bestOther} {
		if b != nil {
			ts = append(ts, target{"scene building per voxel, best method, server " + b.Server + " (median)", "≤ 0.5 µs",
				fmt.Sprintf("%.3f µs (%s)", b.USPerVoxel, b.Method), b.USPerVoxel <= 0.5})
		}
	}
	for _, c := range r.Concurrency {
		if c.InFlight == 150 {
			ts = append(ts, target{"150 requests in flight, all answered: " + c.Request, "all answered", fmt.Sprintf("%d of %d", c.Answered, c.Sent), c.Answered == c.Sent && c.Errors == 0})
		}
	}
	for _, c := range r.Cache {
		if c.Mode != "file_path" {
			continue
		}
		ts = append(ts, target{fmt.Sprintf("cache hit %d×%d %s, end to end (median)", c.Width, c.Height, c.Mode), "≤ 1 ms", f1(c.Client.Median) + " ms", c.Client.Median <= 1})
	}
	if r.Idle.RSSKiB > 0 {
		ts = append(ts, target{"idle RSS (VmRSS after initialize)", "≤ 20 MB", fmt.Sprintf("%.1f MB", float64(r.Idle.RSSKiB)*1024/1e6), float64(r.Idle.RSSKiB)*1024 <= 20e6})
	}
	return ts
}

func (r *report) writeMarkdown(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	mode := "full"
	if r.Short {
		mode = "short (--short: a few iterations, not for quoting)"
	}
	p("# goxel-bench\n\n")
	p("- Machine: %s, %d CPUs, %s/%s, kernel %s\n", r.Machine.CPU, r.Machine.NumCPU, r.Machine.GOOS, r.Machine.GOARCH, r.Machine.Kernel)
	p("- Go: harness %s, server binary %s\n", r.Machine.GoVersion, r.Machine.BinaryGo)
	p("- Run: %s, started %s, 1-minute load average %.2f before and %.2f after\n", mode, r.Started, r.Load.Before, r.Load.After)
	p("- Times are milliseconds, measured by the client (mcp-go over the server's stdin/stdout) from sending the request to holding the decoded result; n samples each, nearest-rank percentiles (p99 is the maximum below 100 samples). The server's own figures: render_ms and encode_ms from structuredContent.render, and the handler duration from its log line. Memory is the server's VmRSS/VmHWM from /proc; client allocations are the harness's own Go allocations (decoding the answer), not the server's.\n\n")

	if ts := r.targets(); len(ts) > 0 {
		p("## Targets (issue 8)\n\n| target | goal | measured | met |\n|---|---|---|---|\n")
		for _, t := range ts {
			met := "no"
			if t.Met {
				met = "yes"
			}
			p("| %s | %s | %s | %s |\n", t.What, t.Goal, t.Measured, met)
		}
		p("\n")
	}

	if len(r.Build) > 0 {
		p("## Scene building: the reference scene (37,497 voxels)\n\n")
		p("A fresh project (`create_project`, not timed) before each build; time for all the calls of one build.\n\n")
		p("| server | method | request bytes | n | median ms | p90 | p99 | µs per voxel (median) | client allocs per build | client bytes per build |\n|---|---|---|---|---|---|---|---|---|---|\n")
		for _, b := range r.Build {
			p("| %s | %s | %s | %d | %s | %s | %s | %.3f | %.0f | %s |\n", b.Server, b.Method, bytesStr(int64(b.RequestBytes)), b.Client.N,
				f1(b.Client.Median), f1(b.Client.P90), f1(b.Client.P99), b.USPerVoxel, b.ClientAllocs, bytesStr(int64(b.ClientBytes)))
		}
		p("\n")
	}

	if len(r.Renders) > 0 {
		p("## render_scene of the reference scene\n\n")
		p("Default look (isometric, AO, outlines, shadow); each request a new background shade so the render cache never answers. file_path and base64 (auto above 1568 px, where base64 is refused) alternate request by request. \"first\" is the first request of the size (not in n).\n\n")
		p("| size | mode | n | median ms | p90 | p99 | server handler ms | render_ms | encode_ms | answer bytes | PNG bytes | first ms | client allocs/op |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, x := range r.Renders {
			if x.Error != "" && x.Client.N == 0 {
				p("| %d×%d | %s | refused: %s |||||||||||\n", x.Width, x.Height, x.Mode, strings.ReplaceAll(x.Error, "|", "/"))
				continue
			}
			p("| %d×%d | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.0f |\n", x.Width, x.Height, x.Mode, x.Client.N,
				f1(x.Client.Median), f1(x.Client.P90), f1(x.Client.P99), f1(x.Server.Median), f1(x.RenderMS.Median), f1(x.EncodeMS.Median),
				bytesStr(x.ResponseBytes), bytesStr(x.PNGBytes), f1(x.ColdMS), x.ClientAllocs)
		}
		p("\nSame run, base64 (auto above 1568 px) against file_path:\n\n| size | time (median) base64 / file_path | answer bytes base64 / file_path | transport ms file_path (client − handler) | transport ms base64 |\n|---|---|---|---|---|\n")
		for _, s := range renderSizes {
			f, b := r.find(s.w, s.h, "file_path"), r.find(s.w, s.h, "base64")
			if b == nil {
				b = r.find(s.w, s.h, "auto") // above the inline cap
			}
			if f == nil || b == nil {
				continue
			}
			p("| %d×%d | %.2f× | %.0f× | %s | %s |\n", s.w, s.h, b.Client.Median/f.Client.Median, float64(b.ResponseBytes)/float64(f.ResponseBytes),
				f1(f.Client.Median-f.Server.Median), f1(b.Client.Median-b.Server.Median))
		}
		p("\n")
	}

	if len(r.Cache) > 0 {
		p("## Repeated identical render (cache hit)\n\n")
		p("The same request repeated: the first renders, the next n should be answered from the managed file (structuredContent.render.cached).\n\n")
		p("| size | mode | first (miss) ms | n | cached answers | median ms | p90 | p99 | server handler ms (median) | answer bytes |\n|---|---|---|---|---|---|---|---|---|---|\n")
		for _, c := range r.Cache {
			p("| %d×%d | %s | %s | %d | %d | %s | %s | %s | %.3f | %s |\n", c.Width, c.Height, c.Mode, f1(c.MissMS), c.Client.N, c.Hits,
				f1(c.Client.Median), f1(c.Client.P90), f1(c.Client.P99), c.Server.Median, bytesStr(c.ResponseBytes))
		}
		p("\n")
	}

	if len(r.Concurrency) > 0 {
		p("## Requests in flight\n\n")
		p("k goroutines share one client (one stdio connection, as a host making parallel tool calls), each sending its next request when the last is answered.\n\n")
		p("| request | in flight | sent | answered | errors | requests/s | median ms | p90 | p99 |\n|---|---|---|---|---|---|---|---|---|\n")
		for _, c := range r.Concurrency {
			p("| %s | %d | %d | %d | %d | %.0f | %s | %s | %s |\n", c.Request, c.InFlight, c.Sent, c.Answered, c.Errors, c.PerSecond,
				f1(c.Latency.Median), f1(c.Latency.P90), f1(c.Latency.P99))
		}
		for _, c := range r.Concurrency {
			if c.FirstError != "" {
				p("\nFirst error (%s, %d in flight): %s\n", c.Request, c.InFlight, c.FirstError)
			}
		}
		p("\n")
	}

	if len(r.Models) > 0 {
		p("## Render time against model size (1920×1080, file_path)\n\n")
		p("| model | voxels | layers | file | n | median ms | p90 | render_ms | encode_ms | PNG | first ms |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, m := range r.Models {
			if m.Error != "" && m.Client.N == 0 {
				p("| %s | failed: %s ||||||||||\n", m.File, strings.ReplaceAll(m.Error, "|", "/"))
				continue
			}
			p("| %s | %d | %d | %s | %d | %s | %s | %s | %s | %s | %s |\n", m.File, m.Voxels, m.Layers, bytesStr(m.FileBytes), m.Client.N,
				f1(m.Client.Median), f1(m.Client.P90), f1(m.RenderMS.Median), f1(m.EncodeMS.Median), bytesStr(m.PNGBytes), f1(m.ColdMS))
		}
		p("\n")
	}

	if len(r.Memory) > 0 {
		p("## Server memory\n\n")
		peak := "VmHWM MiB (peak since start)"
		if r.PeakPerPhase {
			peak = "VmHWM MiB (peak within the phase)"
		}
		p("| after phase | VmRSS MiB | %s |\n|---|---|---|\n", peak)
		for _, m := range r.Memory {
			p("| %s | %s | %s |\n", m.Phase, mib(m.RSSKiB), mib(m.PeakKiB))
		}
		p("\n")
	}
	if r.Packages != nil {
		r.Packages.writeMarkdown(p)
	}
	for _, n := range r.Notes {
		p("- Note: %s\n", n)
	}
}
