package tools_test

import (
	"fmt"
	"strings"
	"testing"
)

func referenceData() (string, int) {
	var data strings.Builder
	n := 0
	for x := -20; x <= 20; x++ {
		for y := -20; y <= 20; y++ {
			for z := -20; z <= 20; z++ {
				if x*x+y*y+z*z <= 400 {
					fmt.Fprintf(&data, "%d %d %d 0080FF\n", x, y, z)
					n++
				}
			}
		}
	}
	return data.String(), n
}

// BenchmarkAddVoxelsData measures add_voxels with the compact text form
// through an in-process client (JSON in, result out).
func BenchmarkAddVoxelsData(b *testing.B) {
	h := newHarness(&testing.T{})
	data, n := referenceData()
	for b.Loop() {
		h.ok("add_voxels", map[string]any{"data": data})
		h.ok("create_project", map[string]any{"force": true})
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/voxel")
}
