package hostile

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image/color"
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
	sparse := make([]voxel.Pos, voxel.DefaultBudget.MaxBlocks+1)
	for i := range sparse {
		sparse[i] = voxel.Pos{X: 16 * (i % 128), Y: 16 * (i / 128)}
	}
	cases := []struct {
		name, ext string
		data      []byte
		refused   string // "" when the file must open
	}{
		{"gox block near 2^31 (render died out of memory)", ".gox", goxAt(t, voxel.Pos{}, voxel.Pos{X: 1<<31 - 16}), "outside the allowed extent of ±1048576"},
		{"gox blocks at the extent's corners", ".gox", goxAt(t, voxel.Pos{X: -voxel.MaxCoord, Y: -voxel.MaxCoord, Z: -voxel.MaxCoord}, voxel.Pos{X: voxel.MaxCoord, Y: voxel.MaxCoord, Z: voxel.MaxCoord}), ""},
		{"gox of 16,385 one-voxel blocks", ".gox", goxAt(t, sparse...), "16384 blocks"},
		{"txt of 16,385 one-voxel blocks", ".txt", sparseTxt(voxel.DefaultBudget.MaxBlocks + 1), "16384 blocks"},
		{"txt with two voxels at ±2^24 (1.2-2.6 GB renders)", ".txt", []byte("16777216 0 0 ffffff\n-16777216 0 0 ffffff\n"), "outside the allowed extent of ±1048576"},
		{"txt at the extent's corners", ".txt", []byte("-1048576 -1048576 -1048576 ff0000\n1048576 1048576 1048576 00ff00\n"), ""},
		{"vox of 200,000 empty models", ".vox", manyModelsVox(200000), "1024"},
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
			case tc.refused != "" && (r.decodeErr == nil || !strings.Contains(r.decodeErr.Error(), tc.refused)):
				t.Fatalf("want a refusal naming %q, got %v", tc.refused, r.decodeErr)
			}
		})
	}
}
