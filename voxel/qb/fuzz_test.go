package qb

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
)

// FuzzDecode checks that Decode never panics, hangs or allocates without
// bound, and that whatever it reads survives Encode → Decode.
func FuzzDecode(f *testing.F) {
	for _, opt := range []Options{{}, {LeftHanded: true, BGRA: true, Uncompressed: true}} {
		var buf bytes.Buffer
		if err := EncodeOptions(&buf, sample(), opt); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add(file(0, 1, 1, 1, matrix("m", [3]int32{3, 2, 2}, [3]int32{-4, 5, -6}, codeFlag, 5, 0xff0000ff, 0, nextSliceFlag, 0x10203040, nextSliceFlag)))
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
		require.NoError(t, Encode(&out, s))
		s2, err := Decode(&out)
		require.NoError(t, err)
		assert.Empty(t, testmodels.Diff(testmodels.Merge(s), testmodels.Merge(s2)))
		require.Len(t, s2.Layers(), len(s.Layers()))
		for i, l := range s.Layers() {
			assert.Equal(t, l.Name, s2.Layers()[i].Name)
		}
	})
}
