package vox

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
)

func BenchmarkDecodeMonument(b *testing.B) {
	data, err := os.ReadFile(testmodels.Path(b, "magicavoxel/monu1.vox"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeMonument(b *testing.B) {
	s := decodeFile(b, testmodels.Path(b, "magicavoxel/monu1.vox"))
	b.ReportAllocs()
	for b.Loop() {
		if err := Encode(io.Discard, s); err != nil {
			b.Fatal(err)
		}
	}
}
