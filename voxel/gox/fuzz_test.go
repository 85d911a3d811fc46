package gox

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
)

// FuzzDecode checks that Decode never panics, hangs or allocates without
// bound, and that whatever it reads survives Encode → Decode.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"vengi/rgb.gox", "vengi/gox-shape-3-layers.gox"} {
		if path, ok := testmodels.Lookup(name); ok {
			if data, err := os.ReadFile(path); err == nil {
				f.Add(data)
			}
		}
	}
	var buf bytes.Buffer
	if err := Encode(&buf, layered()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(file(chunk("BL16", pngBytes(f, 64, 64), true), chunk("LAYR", layr(0, 0), true)))
	lim := Limits{MaxVoxels: 1 << 12, MaxBlocks: 16}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Blocks > lim.MaxBlocks || cfg.BlockRefs > 1<<12 {
			return
		}
		s, err := DecodeLimits(bytes.NewReader(data), lim)
		if err != nil {
			return
		}
		var out bytes.Buffer
		require.NoError(t, Encode(&out, s))
		s2, err := Decode(&out)
		require.NoError(t, err)
		assert.Empty(t, testmodels.Diff(testmodels.Merge(s), testmodels.Merge(s2)))
		require.Len(t, s2.Layers(), len(s.Layers()))
		for i, l := range s.Layers() {
			l2 := s2.Layers()[i]
			assert.Equal(t, []any{l.Name, l.Visible, l.Count}, []any{l2.Name, l2.Visible, l2.Count})
		}
	})
}
