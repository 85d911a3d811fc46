package vox

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
	for _, name := range []string{"vengi/rgb.vox", "vengi/crabby.vox", "vengi/robo.vox", "magicavoxel/chr_knight.vox", "magicavoxel/horse.vox"} {
		if path, ok := testmodels.Lookup(name); ok {
			if data, err := os.ReadFile(path); err == nil {
				f.Add(data)
			}
		}
	}
	var buf bytes.Buffer
	if err := Encode(&buf, rainbow(300)); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(file(chunk("SIZE", u32s(2, 2, 2)), chunk("XYZI", u32s(1), []byte{0, 0, 0, 1})))
	lim := Limits{MaxVoxels: 1 << 12, MaxBlocks: 16}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Voxels > lim.MaxVoxels {
			return
		}
		s, err := DecodeLimits(bytes.NewReader(data), lim)
		if err != nil {
			return
		}
		var out bytes.Buffer
		rep, err := EncodeReport(&out, s)
		require.NoError(t, err)
		require.Zero(t, rep.RemappedColors, "a .vox holds at most 255 colours")
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
