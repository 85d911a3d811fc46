package txt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

func sample() *voxel.Scene {
	s := voxel.New()
	s.Set(1, voxel.Pos{X: -1, Y: 2, Z: -3}, color.NRGBA{R: 0xe8, G: 0x30, B: 0x15, A: 255})
	s.Set(1, voxel.Pos{X: 40, Y: 0, Z: 17}, color.NRGBA{R: 0, G: 0x5c, B: 0xaf, A: 255})
	top := s.AddLayer("top")
	s.Set(top, voxel.Pos{X: -1, Y: 2, Z: -3}, color.NRGBA{R: 1, G: 2, B: 3, A: 255}) // covers the first
	hidden := s.AddLayer("hidden")
	s.Set(hidden, voxel.Pos{X: 9, Y: 9, Z: 9}, color.NRGBA{R: 9, A: 255})
	_ = s.SetVisible(hidden, false)
	return s
}

func TestEncode(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Encode(&buf, sample()))
	assert.Equal(t, header+"-1 2 -3 010203\n40 0 17 005caf\n", buf.String())
}

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	s := sample()
	require.NoError(t, Encode(&buf, s))
	s2, err := Decode(&buf)
	require.NoError(t, err)
	assert.Equal(t, s.Snapshot().Hash(), s2.Snapshot().Hash())
	require.Len(t, s2.Layers(), 1)
	assert.Zero(t, s2.UndoSteps())
}

func TestDecode(t *testing.T) {
	in := "# Goxel 0.11.0\n\n  # indented comment\n1 2 3 FFaa00\n-4\t5  6 000000 extra fields\r\n1 2 3 00ff00\n"
	s, err := Decode(strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, 2, s.Count())
	assert.Equal(t, color.NRGBA{G: 255, A: 255}, s.Get(1, voxel.Pos{X: 1, Y: 2, Z: 3}), "later line wins")
	assert.Equal(t, color.NRGBA{A: 255}, s.Get(1, voxel.Pos{X: -4, Y: 5, Z: 6}))
	cfg, err := DecodeConfig(strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, Config{Voxels: 3, Box: voxel.Box{Min: voxel.Pos{X: -4, Y: 2, Z: 3}, Max: voxel.Pos{X: 1, Y: 5, Z: 6}}, Blocks: 2}, cfg)
}

func TestBrokenFiles(t *testing.T) {
	tests := []struct {
		name, input string
	}{
		{"too-few-fields", "1 2 3\n"},
		{"bad-coordinate", "1 x 3 ffffff\n"},
		{"huge-coordinate", "1 2 99999999999 ffffff\n"},
		{"short-colour", "1 2 3 fff\n"},
		{"bad-colour", "1 2 3 gggggg\n"},
		{"long-line", strings.Repeat("1", MaxLineLength+10) + " 2 3 ffffff\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tc.input))
			var fe FormatError
			require.True(t, errors.As(err, &fe), "want a FormatError, got %v", err)
			assert.True(t, strings.HasPrefix(err.Error(), "txt: invalid format: "))
		})
	}
}

func TestLimits(t *testing.T) {
	var b strings.Builder
	for i := range 100 {
		fmt.Fprintf(&b, "%d 0 0 ffffff\n", i%10)
	}
	_, err := DecodeLimits(strings.NewReader(b.String()), Limits{MaxVoxels: 50, MaxBlocks: 10})
	var ue UnsupportedError
	assert.True(t, errors.As(err, &ue), "%v", err)
	sparse := "0 0 0 ffffff\n100 0 0 ffffff\n200 0 0 ffffff\n"
	_, err = DecodeLimits(strings.NewReader(sparse), Limits{MaxVoxels: 50, MaxBlocks: 2})
	assert.True(t, errors.As(err, &ue), "%v", err)
}

// TestGoxel checks that Goxel reads our file as we do, and we read
// Goxel's export of a real model exactly.
func TestGoxel(t *testing.T) {
	testmodels.Goxel(t)
	s := sample()
	path := filepath.Join(t.TempDir(), "ours.txt")
	var buf bytes.Buffer
	require.NoError(t, Encode(&buf, s))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	theirs := testmodels.GoxelRead(t, path)
	s2, err := Decode(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, testmodels.Merge(s2), theirs)
}

// Issue 13: a parse error echoed the file's first line, and a 71-byte file
// with two voxels at ±2^24 took a render to gigabytes. Errors now name the
// line and field only, and coordinates beyond the scene's extent are
// refused with the extent named.
func TestErrorsDoNotEchoContent(t *testing.T) {
	secret := "password=hunter2"
	for _, in := range []string{
		secret + "\n",
		"1 2 " + secret + " ffffff\n",
		"1 2 3 " + secret + "\n",
		"1 2 3 ffffff\n" + secret + " a b c\n",
		"1 " + secret + "\n",
	} {
		_, err := Decode(strings.NewReader(in))
		require.Error(t, err, in)
		assert.NotContains(t, err.Error(), "hunter2")
		assert.NotContains(t, err.Error(), "password")
		assert.Contains(t, err.Error(), "line ")
	}
}

func TestFarCoordinatesRefused(t *testing.T) {
	for _, in := range []string{
		"16777216 0 0 ffffff\n-16777216 0 0 ffffff\n", // the issue's ±2^24
		"0 1048577 0 ffffff\n",
		"0 0 -99999999999999999999999 ffffff\n",
	} {
		_, err := Decode(strings.NewReader(in))
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), "outside the allowed extent of ±1048576")
	}
	s, err := Decode(strings.NewReader("1048576 -1048576 0 ffffff\n"))
	require.NoError(t, err)
	assert.Equal(t, 1, s.Count())
}

func TestDecodeContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := DecodeContext(ctx, strings.NewReader(strings.Repeat("1 2 3 ffffff\n", 10000)), DefaultLimits)
	assert.ErrorIs(t, err, context.Canceled)
}

// A sparse file is refused from its count, before any block is made.
func TestSparseFileRefusedBeforeBuilding(t *testing.T) {
	var b strings.Builder
	for i := range voxel.DefaultBudget.MaxBlocks + 1 {
		fmt.Fprintf(&b, "%d %d 0 ff0000\n", 16*(i%512), 16*(i/512))
	}
	_, err := Decode(strings.NewReader(b.String()))
	var ue UnsupportedError
	require.True(t, errors.As(err, &ue), "%v", err)
	assert.Contains(t, err.Error(), "more than 8192 blocks")
	cfg, err := DecodeConfig(strings.NewReader(b.String()))
	require.NoError(t, err)
	assert.Equal(t, voxel.DefaultBudget.MaxBlocks+1, cfg.Blocks)
}
