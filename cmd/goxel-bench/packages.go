package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
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
		f, err := os.CreateTemp("", "goxel-bench-*.txt")
		if err == nil {
			defer os.Remove(f.Name())
			_, werr := f.WriteString(pb.Output)
			if cerr := f.Close(); werr == nil && cerr == nil {
				if s, err := exec.CommandContext(ctx, path, f.Name()).Output(); err == nil {
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
