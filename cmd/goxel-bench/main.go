// Command goxel-bench measures goxel-mcp end to end: it starts the real
// binary, speaks MCP to it over stdio with mcp-go's client, as a host does,
// and reports what a host sees (time to the client, answer bytes) beside
// what the server says about itself (render_ms, encode_ms, its log's
// handler duration) and its memory from /proc/<pid>/status.
//
// Phases: building the reference scene (fill_shape and add_voxels), renders
// of it at 400×400, 1920×1080 and 3840×2160 in file_path and base64 modes,
// repeated identical renders (cache hits), throughput with 1, 2, 10 and 150
// requests in flight, and 1080p renders of every model in --models.
//
// Usage:
//
//	go run ./cmd/goxel-bench [--bin PATH] [--short] [--json] [--json-out FILE] [--models DIR] [--packages N] [-v]
//
// The report (markdown, or JSON with --json) goes to stdout, progress to
// stderr. --packages N adds the packages' own go test benchmarks (N runs
// each) with a benchstat summary, so one command gives every figure of
// docs/benchmarks.md. Figures for docs/benchmarks.md come from a full run; --short does
// a few iterations of everything, for CI.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

type config struct {
	bin     string
	short   bool
	json    bool
	jsonOut string
	models  string
	verbose bool
	// packages is the -count of the packages' go test benchmarks to add to the report; 0 skips them.
	packages  int
	benchtime string // -benchtime for the package benchmarks (tests use 1x)
	stderr    io.Writer
}

// iters picks the iteration count for the mode.
func (c config) iters(full, short int) int {
	if c.short {
		return short
	}
	return full
}

func main() {
	os.Exit(cli(os.Args[1:], os.Stdout, os.Stderr))
}

func cli(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("goxel-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.bin, "bin", "", "goxel-mcp `binary` to measure (default: go build ./cmd/goxel-mcp into a temp dir)")
	fs.BoolVar(&cfg.short, "short", false, "a few iterations of each phase (for CI)")
	fs.BoolVar(&cfg.json, "json", false, "write the report as JSON instead of markdown")
	fs.StringVar(&cfg.jsonOut, "json-out", "", "also write the JSON report to `file`")
	fs.StringVar(&cfg.models, "models", "", "`directory` of .vox/.gox models to render at 1080p (default ../shared/models beside the module, when present)")
	fs.BoolVar(&cfg.verbose, "v", false, "copy the server's log to stderr")
	fs.IntVar(&cfg.packages, "packages", 0, "also run the packages' go test benchmarks `count` times (renderer, pngx, storage, tools, voxel) and add them, with a benchstat summary, to the report")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: goxel-bench [flags]\n\nMeasure goxel-mcp over stdio as a host drives it; a markdown report goes to stdout.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	cfg.stderr = stderr
	rep, err := run(context.Background(), cfg)
	if rep != nil {
		if cfg.json {
			if err := rep.writeJSON(stdout); err != nil {
				fmt.Fprintln(stderr, "goxel-bench:", err)
				return 1
			}
		} else {
			rep.writeMarkdown(stdout)
		}
		if cfg.jsonOut != "" {
			f, ferr := os.Create(cfg.jsonOut)
			if ferr == nil {
				ferr = rep.writeJSON(f)
				if cerr := f.Close(); ferr == nil {
					ferr = cerr
				}
			}
			if ferr != nil {
				fmt.Fprintln(stderr, "goxel-bench:", ferr)
				return 1
			}
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "goxel-bench:", err)
		return 1
	}
	return 0
}

// run builds the binary if needed, starts it and runs every phase. It
// returns what it measured even when a phase fails.
func run(ctx context.Context, cfg config) (*report, error) {
	if cfg.stderr == nil {
		cfg.stderr = io.Discard
	}
	if cfg.bin == "" {
		dir, err := os.MkdirTemp("", "goxel-bench-bin-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		cfg.bin = filepath.Join(dir, "goxel-mcp")
		fmt.Fprintln(cfg.stderr, "goxel-bench: building goxel-mcp")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", cfg.bin, "github.com/goxel-mcp/goxel-mcp/cmd/goxel-mcp")
		cmd.Stdout, cmd.Stderr = cfg.stderr, cfg.stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("failed to build goxel-mcp (run inside the module, or pass --bin): %w", err)
		}
	}
	if cfg.models == "" {
		cfg.models = defaultModels()
	}
	var args []string
	if cfg.models != "" {
		abs, err := filepath.Abs(cfg.models)
		if err != nil {
			return nil, err
		}
		cfg.models = abs
		args = append(args, "--allow-dir", abs)
	}
	rep := &report{Machine: describeMachine(cfg.bin), Short: cfg.short, Started: time.Now().UTC().Format(time.RFC3339), Models: nil}
	rep.Load.Before = loadAvg()
	defer func() { rep.Load.After = loadAvg() }()

	var logw io.Writer
	if cfg.verbose {
		logw = cfg.stderr
	}
	c, err := startChild(ctx, cfg.bin, logw, args...)
	if err != nil {
		return rep, err
	}
	defer c.close()
	b := &bench{cfg: cfg, c: c, rep: rep}

	// Idle: the handshake done, nothing asked yet.
	time.Sleep(500 * time.Millisecond)
	idle, err := c.memory()
	if err != nil {
		return rep, fmt.Errorf("failed to read the server's memory: %w", err)
	}
	rep.Idle = idle
	rep.PeakPerPhase = c.resetPeak()
	rep.Memory = append(rep.Memory, phaseMemory{Phase: "idle (after initialize)", RSSKiB: idle.RSSKiB, PeakKiB: idle.HWMKiB})

	phases := []struct {
		name string
		run  func(context.Context) error
	}{
		{"build", b.build}, {"renders", b.renders}, {"cache", b.cache}, {"concurrency", b.concurrency},
	}
	if cfg.models != "" {
		phases = append(phases, struct {
			name string
			run  func(context.Context) error
		}{"models", b.models})
	} else {
		rep.Notes = append(rep.Notes, "no models directory: the model-size phase was skipped")
	}
	phases = append(phases, struct {
		name string
		run  func(context.Context) error
	}{"build --no-autosave", func(ctx context.Context) error { return b.buildVariant(ctx, args, "--no-autosave") }})
	for _, p := range phases {
		fmt.Fprintf(cfg.stderr, "goxel-bench: phase %s\n", p.name)
		if err := p.run(ctx); err != nil {
			return rep, fmt.Errorf("phase %s: %w", p.name, err)
		}
	}
	if cfg.packages > 0 {
		c.close() // the server is done: the benchmarks get the machine to themselves
		rep.Packages = runPackageBenchmarks(ctx, cfg)
		if rep.Packages.Error != "" {
			return rep, fmt.Errorf("package benchmarks: %s", rep.Packages.Error)
		}
	}
	return rep, nil
}

// defaultModels is ../shared/models beside the module root, if it exists.
// moduleRoot returns the directory of the go.mod that holds the working directory, or "".
func moduleRoot() string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return ""
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return ""
	}
	return filepath.Dir(mod)
}

func defaultModels() string {
	root := moduleRoot()
	if root == "" {
		return ""
	}
	dir := filepath.Join(root, "..", "shared", "models")
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return filepath.Clean(dir)
	}
	return ""
}

// machine says where the figures were taken.
type machine struct {
	CPU       string `json:"cpu"`
	NumCPU    int    `json:"num_cpu"`
	GOOS      string `json:"goos"`
	GOARCH    string `json:"goarch"`
	GoVersion string `json:"go_version"` // the harness's; the binary's follows
	BinaryGo  string `json:"binary_go"`
	Kernel    string `json:"kernel"`
}

func describeMachine(bin string) machine {
	m := machine{NumCPU: runtime.NumCPU(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if out, err := exec.Command("go", "version", bin).Output(); err == nil {
		if _, v, ok := strings.Cut(strings.TrimSpace(string(out)), ": "); ok {
			m.BinaryGo = v
		}
	}
	return m
}

// loadAvg is the 1-minute load average, or -1.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	var l float64
	if _, err := fmt.Sscan(string(b), &l); err != nil {
		return -1
	}
	return l
}
