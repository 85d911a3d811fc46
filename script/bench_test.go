package script_test

import (
	"context"
	"testing"
	"time"

	"github.com/goxel-mcp/goxel-mcp/script"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

func benchScript(b *testing.B, code string, want int) {
	for b.Loop() {
		s := voxel.New()
		res, err := run(b, s, code, script.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if res.Changes.Added != want {
			b.Fatalf("added %d voxels, want %d", res.Changes.Added, want)
		}
		b.ReportMetric(float64(res.Steps), "steps")
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/script")
}

// BenchmarkScriptBoxMillion fills 100³ voxels with one box() call.
func BenchmarkScriptBoxMillion(b *testing.B) {
	benchScript(b, `box([0, 0, 0], [99, 99, 99], "#808080")`, 1_000_000)
}

// BenchmarkScriptSetMillion fills 100³ voxels with set() in a loop.
func BenchmarkScriptSetMillion(b *testing.B) {
	benchScript(b, `
c = "#808080"
for z in range(100):
    for y in range(100):
        for x in range(100):
            set(x, y, z, c)
`, 1_000_000)
}

// BenchmarkScriptColumnsMillion builds 100×100 columns of height 100
// with one box() per column: the shape of a noise terrain.
func BenchmarkScriptColumnsMillion(b *testing.B) {
	benchScript(b, `
for y in range(100):
    for x in range(100):
        box([x, y, 0], [x, y, 99], "#806040")
`, 1_000_000)
}

// BenchmarkCancel measures how long a running script takes to stop once
// its context is cancelled (the path of notifications/cancelled).
func BenchmarkCancel(b *testing.B) {
	var total time.Duration
	for b.Loop() {
		s := voxel.New()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan time.Time)
		go func() {
			_, _ = script.Run(ctx, s, "while True:\n    set(1, 2, 3, '#FFFFFF')\n", script.Options{})
			done <- time.Now()
		}()
		time.Sleep(5 * time.Millisecond)
		t0 := time.Now()
		cancel()
		total += (<-done).Sub(t0)
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs-to-stop")
}
