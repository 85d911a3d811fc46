package hostile

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image/color"
	"math"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/formats"
	"github.com/goxel-mcp/goxel-mcp/voxel/gox"
)

// goxAt encodes a .gox with one voxel at each position, written from a
// scene whose budget was widened for the purpose: what a hostile tool
// could write.
func goxAt(t *testing.T, ps ...voxel.Pos) []byte {
	s := voxel.New()
	s.SetBudget(voxel.Budget{MaxCoord: 1<<31 - 1, MaxVoxels: 1 << 26, MaxBlocks: 1 << 20, MaxLayers: 8, MaxLayerName: 255})
	for _, p := range ps {
		if _, err := s.TrySet(1, p, color.NRGBA{R: 255, A: 255}); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := gox.Encode(&buf, s); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// cloneOfBig is a .gox of one layer of n full blocks (one BL16 shared by
// all) and a second layer that clones it moved by 4096 along X.
func cloneOfBig(t *testing.T, n int) []byte {
	s := voxel.New()
	for i := range n {
		o := voxel.Pos{X: 16 * (i % 64), Y: 16 * (i / 64 % 64), Z: 16 * (i / 4096)}
		s.FillBox(1, voxel.Box{Min: o, Max: o.Add(voxel.Pos{X: 15, Y: 15, Z: 15})}, color.NRGBA{G: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := gox.Encode(&buf, s); err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	dict := func(b []byte, k string, v []byte) []byte {
		b = append(le.AppendUint32(b, uint32(len(k))), k...)
		return append(le.AppendUint32(b, uint32(len(v))), v...)
	}
	mat := []float32{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 4096, 0, 0, 1}
	var mb []byte
	for _, f := range mat {
		mb = le.AppendUint32(mb, math.Float32bits(f))
	}
	layr := le.AppendUint32(nil, 0) // no blocks of its own
	layr = dict(layr, "name", []byte("clone"))
	layr = dict(layr, "id", le.AppendUint32(nil, 2))
	layr = dict(layr, "base_id", le.AppendUint32(nil, 1))
	layr = dict(layr, "mat", mb)
	out := append(buf.Bytes(), "LAYR"...)
	out = le.AppendUint32(out, uint32(len(layr)))
	out = append(out, layr...)
	return le.AppendUint32(out, 0)
}

func sparseTxt(n int) []byte {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%d %d 0 ff0000\n", 16*(i%128), 16*(i/128))
	}
	return []byte(b.String())
}

func manyModelsVox(n int) []byte {
	le := binary.LittleEndian
	chunk := func(id string, content []byte) []byte {
		b := le.AppendUint32(le.AppendUint32([]byte(id), uint32(len(content))), 0)
		return append(b, content...)
	}
	var children []byte
	for range n {
		children = append(children, chunk("SIZE", []byte{1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0})...)
		children = append(children, chunk("XYZI", []byte{0, 0, 0, 0})...)
	}
	main := le.AppendUint32(le.AppendUint32([]byte("MAIN"), 0), uint32(len(children)))
	return append(append([]byte("VOX \x96\x00\x00\x00"), main...), children...)
}

// TestIssue13Files runs the hostile files issue 13 describes through the
// pipeline: each either opens with a clear error naming the bound, or
// opens, renders and exports; time and peak heap are reported.
func TestIssue13Files(t *testing.T) {
	// A layer of 512 full blocks (2 Mi voxels) and its clone; GOXEL_SOAK=1
	// takes both to the budget (4,096 blocks each, 32 Mi voxels in all):
	// about 35 s and 1.3 GB of heap, most of it the .stl export and the
	// .gox and .txt outputs the pipeline keeps to reopen (the mesh writers:
	// about 3 s and 174 MiB each).
	big := 512
	if os.Getenv("GOXEL_SOAK") == "1" {
		big = voxel.DefaultBudget.MaxBlocks / 2
	}
	sparse := make([]voxel.Pos, voxel.DefaultBudget.MaxBlocks+1)
	for i := range sparse {
		sparse[i] = voxel.Pos{X: 16 * (i % 128), Y: 16 * (i / 128)}
	}
	cases := []struct {
		name, ext string
		data      []byte
		refused   string // "" when the file must open; else a regexp the error matches
	}{
		{"gox block near 2^31 (render died out of memory)", ".gox", goxAt(t, voxel.Pos{}, voxel.Pos{X: 1<<31 - 16}), "outside the allowed extent of ±1048576"},
		{"gox blocks at the extent's corners", ".gox", goxAt(t, voxel.Pos{X: -voxel.MaxCoord, Y: -voxel.MaxCoord, Z: -voxel.MaxCoord}, voxel.Pos{X: voxel.MaxCoord, Y: voxel.MaxCoord, Z: voxel.MaxCoord}), ""},
		{"gox of one-voxel blocks, one more than the budget", ".gox", goxAt(t, sparse...), "8192 blocks"},
		{"gox clone of a layer of full blocks", ".gox", cloneOfBig(t, big), ""},
		{"txt of one-voxel blocks, one more than the budget", ".txt", sparseTxt(voxel.DefaultBudget.MaxBlocks + 1), "8192 blocks"},
		{"txt with two voxels at ±2^24 (1.2-2.6 GB renders)", ".txt", []byte("16777216 0 0 ffffff\n-16777216 0 0 ffffff\n"), "outside the allowed extent of ±1048576"},
		{"txt at the extent's corners", ".txt", []byte("-1048576 -1048576 -1048576 ff0000\n1048576 1048576 1048576 00ff00\n"), ""},
		{"vox of 200,000 empty models", ".vox", manyModelsVox(200000), "1024 layers|models"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := pipeline(context.Background(), tc.data, tc.ext, formats.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d bytes: %v, peak heap %d MiB; error: %v", len(tc.data), r.took, r.peakHeap>>20, r.decodeErr)
			switch {
			case tc.refused == "" && r.decodeErr != nil:
				t.Fatalf("refused: %v", r.decodeErr)
			case tc.refused != "" && (r.decodeErr == nil || !regexp.MustCompile(tc.refused).MatchString(r.decodeErr.Error())):
				t.Fatalf("want a refusal naming %q, got %v", tc.refused, r.decodeErr)
			}
		})
	}
}
