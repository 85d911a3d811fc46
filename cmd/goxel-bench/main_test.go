package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSummarise(t *testing.T) {
	var xs []float64
	for i := 100; i >= 1; i-- {
		xs = append(xs, float64(i))
	}
	d := summarise(xs)
	assert.Equal(t, dist{N: 100, Median: 50, P90: 90, P99: 99, Min: 1, Max: 100}, d)
	assert.Equal(t, dist{N: 3, Median: 2, P90: 3, P99: 3, Min: 1, Max: 3}, summarise([]float64{3, 1, 2}))
	assert.Equal(t, dist{}, summarise(nil))
	assert.Equal(t, 1.0, xs[len(xs)-1], "summarise sorts a copy")
}

func TestLogDuration(t *testing.T) {
	d, ok := logDuration(`time=2026-01-01T00:00:00Z level=INFO msg=render cached=true id=render_1_a_b duration=1.234ms`)
	require.True(t, ok)
	assert.Equal(t, 1234*time.Microsecond, d)
	_, ok = logDuration(`time=x level=INFO msg=render width=3`)
	assert.False(t, ok)
}

func TestReferenceScene(t *testing.T) {
	pos, colors := referenceScene()
	require.Len(t, pos, referenceVoxels)
	require.Len(t, colors, referenceVoxels)
	seen := make(map[[3]int]string, len(pos))
	for i, p := range pos {
		require.Empty(t, seen[p], "duplicate voxel %v", p)
		seen[p] = colors[i][1:]
	}

	// The runs text covers the same voxels with the same colours.
	lines := strings.Split(strings.TrimSpace(runsText(pos, colors)), "\n")
	assert.Less(t, len(lines), len(pos)/10, "runs should be far fewer than voxels")
	n := 0
	for _, l := range lines {
		var x, y, z, length int
		var c string
		_, err := fmt.Sscan(l, &x, &y, &z, &length, &c)
		require.NoError(t, err, l)
		for k := range length {
			require.Equal(t, seen[[3]int{x + k, y, z}], c, "run %q", l)
			n++
		}
	}
	assert.Equal(t, referenceVoxels, n)
}

// TestShortRun runs the whole harness in --short mode against a freshly
// built binary, so it never rots: every phase must produce figures. It
// asserts nothing about speed.
func TestShortRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the server binary")
	}
	bin := filepath.Join(t.TempDir(), "goxel-mcp")
	build := exec.Command("go", "build", "-o", bin, "github.com/goxel-mcp/goxel-mcp/cmd/goxel-mcp")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	// A models directory of our own: the smallest shared model when it is
	// there, so the phase runs quickly and independently of the checkout.
	models := t.TempDir()
	if src := defaultModels(); src != "" {
		b, err := os.ReadFile(filepath.Join(src, "vengi", "rgb.vox"))
		if err == nil {
			require.NoError(t, os.WriteFile(filepath.Join(models, "rgb.vox"), b, 0o600))
		}
	}
	if _, err := os.Stat(filepath.Join(models, "rgb.vox")); err != nil {
		models = ""
	}

	var stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := run(ctx, config{bin: bin, short: true, models: models, stderr: &stderr})
	require.NoError(t, err, stderr.String())
	require.NotNil(t, rep)

	assert.Positive(t, rep.Idle.RSSKiB)
	require.Len(t, rep.Build, 8)
	for _, b := range rep.Build {
		assert.Positive(t, b.Client.N, b.Method)
		assert.Positive(t, b.USPerVoxel, b.Method)
	}
	require.Len(t, rep.Renders, 6)
	for _, r := range rep.Renders {
		assert.Empty(t, r.Error)
		assert.Positive(t, r.Client.N, "%dx%d %s", r.Width, r.Height, r.Mode)
		assert.Positive(t, r.Server.N, "%dx%d %s: the server's log gave no handler duration", r.Width, r.Height, r.Mode)
		assert.Positive(t, r.RenderMS.Median, "%dx%d %s", r.Width, r.Height, r.Mode)
		assert.Positive(t, r.ResponseBytes, "%dx%d %s", r.Width, r.Height, r.Mode)
		assert.Positive(t, r.PNGBytes, "%dx%d %s", r.Width, r.Height, r.Mode)
	}
	require.NotEmpty(t, rep.Cache)
	for _, c := range rep.Cache {
		assert.Positive(t, c.Client.N)
		if c.Mode == "file_path" {
			assert.Equal(t, c.Client.N, c.Hits, "%dx%d file_path repeated must be answered from the cache", c.Width, c.Height)
		}
	}
	require.Len(t, rep.Concurrency, 8)
	for _, c := range rep.Concurrency {
		assert.Equal(t, c.Sent, c.Answered, "%s with %d in flight: %s", c.Request, c.InFlight, c.FirstError)
		assert.Positive(t, c.PerSecond)
	}
	if models != "" {
		require.Len(t, rep.Models, 1)
		assert.Empty(t, rep.Models[0].Error)
		assert.Positive(t, rep.Models[0].Voxels)
		assert.Positive(t, rep.Models[0].Client.N)
	}
	assert.GreaterOrEqual(t, len(rep.Memory), 6)

	var md bytes.Buffer
	rep.writeMarkdown(&md)
	for _, h := range []string{"## Targets", "## Scene building", "## render_scene", "## Repeated identical render", "## Requests in flight", "## Server memory"} {
		assert.Contains(t, md.String(), h)
	}
	assert.NotContains(t, md.String(), "NaN")
	var js bytes.Buffer
	require.NoError(t, rep.writeJSON(&js))
	var back map[string]any
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	assert.True(t, strings.HasPrefix(strings.TrimSpace(js.String()), "{"))
}

// TestPackageBenchmarks runs the --packages step once over one quick package: its benchmark lines
// reach the report, in markdown and JSON.
func TestPackageBenchmarks(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test")
	}
	defer func(d []string) { packageBenchDirs = d }(packageBenchDirs)
	packageBenchDirs = []string{"./storage"}
	var stderr bytes.Buffer
	pb := runPackageBenchmarks(context.Background(), config{packages: 1, benchtime: "1x", stderr: &stderr})
	require.Empty(t, pb.Error, stderr.String())
	assert.Contains(t, pb.Output, "BenchmarkPublish")
	assert.Contains(t, pb.Command, "-count 1")
	var md bytes.Buffer
	(&report{Packages: pb}).writeMarkdown(&md)
	assert.Contains(t, md.String(), "## Package micro-benchmarks")
	assert.Contains(t, md.String(), "Publish")
	b, err := json.Marshal(&report{Packages: pb})
	require.NoError(t, err)
	assert.Contains(t, string(b), `"packages":{"command":"go test`)
}
