package renderer

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/pngx"
)

var gallery = flag.Bool("gallery", false, "write docs/gallery/*.png from the shared sample models")

// TestGallery writes the documentation pictures: go test ./renderer -run Gallery -gallery
func TestGallery(t *testing.T) {
	if !*gallery {
		t.Skip("writes docs/gallery; run with -gallery")
	}
	iso, _ := Preset("isometric")
	front, _ := Preset("front")
	right, _ := Preset("right")
	top, _ := Preset("top")
	cases := []struct {
		file, model string
		opt         func(*Options)
	}{
		{"knight-iso.png", "magicavoxel/chr_knight.vox", func(o *Options) { o.Width, o.Height = 480, 480 }},
		{"monument-iso.png", "magicavoxel/monu10.vox", func(o *Options) { o.Width, o.Height = 600, 600 }},
		{"knight-sheet.png", "magicavoxel/chr_knight.vox", func(o *Options) {
			o.Width, o.Height = 800, 600
			o.Views = []View{front, right, top, iso}
			o.Grid = true
		}},
	}
	dir := filepath.Join("..", "docs", "gallery")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, c := range cases {
		snap := loadModel(t, c.model)
		opt := DefaultOptions()
		opt.Supersample = 2 // pictures to look at: anti-aliased whatever their size
		c.opt(&opt)
		img, err := Render(context.Background(), snap, opt)
		require.NoError(t, err)
		f, err := os.Create(filepath.Join(dir, c.file))
		require.NoError(t, err)
		require.NoError(t, pngx.Encode(f, img, &pngx.Options{Level: 9, Text: []pngx.TextChunk{
			{Keyword: "Software", Value: "goxel-mcp renderer"},
			{Keyword: "Source", Value: c.model},
		}}))
		require.NoError(t, f.Close())
		fi, err := os.Stat(filepath.Join(dir, c.file))
		require.NoError(t, err)
		require.Less(t, fi.Size(), int64(150<<10), "%s must stay under 150 KB", c.file)
		t.Logf("%s: %d bytes", c.file, fi.Size())
	}
}
