package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// packageBenchDirs are the packages whose go test benchmarks --packages runs: the renderer and PNG
// encoder (the Renderer section of docs/benchmarks.md), the render store, the tools through an
// in-process client, the scene model and its codecs.
var packageBenchDirs = []string{"./renderer", "./internal/pngx", "./storage", "./tools", "./voxel/..."}

// packageBench is the output of the packages' benchmarks, raw and summarised by benchstat.
type packageBench struct {
	Command   string `json:"command"`
	Output    string `json:"output"`              // go test's benchmark lines, as benchstat reads them
	Benchstat string `json:"benchstat,omitempty"` // empty when benchstat is not installed
	Error     string `json:"error,omitempty"`
}

// runPackageBenchmarks runs `go test -bench` count times over packageBenchDirs in the module that
// holds the working directory, then benchstat over the result when it is on PATH.
func runPackageBenchmarks(ctx context.Context, cfg config) *packageBench {
	args := []string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-count", fmt.Sprint(cfg.packages)}
	if cfg.benchtime != "" {
		args = append(args, "-benchtime", cfg.benchtime)
	}
	args = append(args, packageBenchDirs...)
	pb := &packageBench{Command: "go " + strings.Join(args, " ")}
	root := moduleRoot()
	if root == "" {
		pb.Error = "not inside the goxel-mcp module: run goxel-bench from the repository"
		return pb
	}
	fmt.Fprintf(cfg.stderr, "goxel-bench: %s\n", pb.Command)
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = &out, cfg.stderr
	if err := cmd.Run(); err != nil {
		pb.Error = err.Error()
	}
	pb.Output = out.String()
	if path, err := exec.LookPath("benchstat"); err == nil && pb.Output != "" {
		// benchstat labels its column with the file name: a fixed one in a temp directory.
		if dir, err := os.MkdirTemp("", "goxel-bench-"); err == nil {
			defer os.RemoveAll(dir)
			if err := os.WriteFile(filepath.Join(dir, "bench.txt"), []byte(pb.Output), 0o600); err == nil {
				bs := exec.CommandContext(ctx, path, "bench.txt")
				bs.Dir = dir
				if s, err := bs.Output(); err == nil {
					pb.Benchstat = string(s)
				}
			}
		}
	}
	return pb
}

func (pb *packageBench) writeMarkdown(p func(string, ...any)) {
	p("## Package micro-benchmarks\n\n")
	p("`%s`", pb.Command)
	if pb.Error != "" {
		p(" failed: %s", pb.Error)
	}
	p("\n\n")
	text, what := pb.Benchstat, "benchstat summary"
	if text == "" {
		text, what = pb.Output, "raw output (benchstat is not installed: go install golang.org/x/perf/cmd/benchstat@latest)"
	}
	p("%s:\n\n```\n%s```\n\n", what, text)
}
