package txt

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzDecode checks that Decode never panics and that what it reads
// survives Encode → Decode.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("# Goxel 0.11.0\n1 2 3 ff0000\n-4 5 6 00FF00 extra\n\n"))
	f.Add([]byte("0 0 0 ffffff\n0 0 0 000000\n"))
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
		assert.Equal(t, s.Snapshot().Hash(), s2.Snapshot().Hash())
		assert.Equal(t, s.Count(), s2.Count())
	})
}
