package gox

import (
	"bytes"
	"image/color"
	"io"
	"testing"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// million is a 100×100×100 solid cube of 1,000,000 voxels with a colour
// gradient, so no two blocks are equal.
func million() *voxel.Scene {
	s := voxel.New()
	for z := range 100 {
		for y := range 100 {
			for x := range 100 {
				s.Set(1, voxel.Pos{X: x - 50, Y: y - 50, Z: z}, color.NRGBA{R: uint8(x * 2), G: uint8(y * 2), B: uint8(z * 2), A: 255})
			}
		}
	}
	return s
}

func BenchmarkEncodeMillion(b *testing.B) {
	s := million()
	b.ReportAllocs()
	for b.Loop() {
		if err := Encode(io.Discard, s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeMillion(b *testing.B) {
	var buf bytes.Buffer
	if err := Encode(&buf, million()); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := Decode(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if s.Count() != 1000000 {
			b.Fatalf("got %d voxels", s.Count())
		}
	}
}
