package renderer

import (
	"cmp"
	"context"
	"flag"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/pngx"
	"github.com/goxel-mcp/goxel-mcp/voxel"
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
	sheet := func(o *Options) { o.Width, o.Height, o.Views = 800, 600, []View{front, right, top, iso} }
	cases := []struct {
		file, model string
		opt         func(*Options)
	}{
		// At the angle of MagicaVoxel's own renders (../shared/models/magicavoxel/monu1.png, monu10.png).
		{"monu1-iso.png", "magicavoxel/monu1.vox", func(o *Options) { o.Width, o.Height = 800, 800 }},
		// monu10.png is 1200×1000, isometric from the front-right like ours (its -Y face, with the
		// three orange windows over the arches, on the left).
		{"monu10-iso.png", "magicavoxel/monu10.vox", func(o *Options) { o.Width, o.Height = 720, 600 }},
		{"monu10-sheet.png", "magicavoxel/monu10.vox", sheet},
		{"teapot-iso.png", "magicavoxel/teapot.vox", func(o *Options) { o.Width, o.Height = 640, 480 }},
		{"knight-sheet.png", "magicavoxel/chr_knight.vox", func(o *Options) { sheet(o); o.Grid = true }},
		{"near-white-sheet.png", "", sheet},
	}
	dir := filepath.Join("..", "docs", "gallery")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, c := range cases {
		var snap *voxel.Snapshot
		if c.model == "" {
			snap = nearWhite()
		} else {
			snap = loadModel(t, c.model)
		}
		opt := DefaultOptions() // what users get
		c.opt(&opt)
		img, err := Render(context.Background(), snap, opt)
		require.NoError(t, err)
		f, err := os.Create(filepath.Join(dir, c.file))
		require.NoError(t, err)
		require.NoError(t, pngx.Encode(f, img, &pngx.Options{Level: 9, Text: []pngx.TextChunk{
			{Keyword: "Software", Value: "goxel-mcp renderer"},
			{Keyword: "Source", Value: cmp.Or(c.model, "nearWhite() in renderer/gallery_test.go")},
		}}))
		require.NoError(t, f.Close())
		fi, err := os.Stat(filepath.Join(dir, c.file))
		require.NoError(t, err)
		require.Less(t, fi.Size(), int64(300<<10), "%s must stay under 300 KB", c.file)
		t.Logf("%s: %d bytes", c.file, fi.Size())
	}
}

// nearWhite is the stairs scene in near-white colours, for the contrast picture.
func nearWhite() *voxel.Snapshot {
	s := voxel.New()
	l := s.Current()
	for _, e := range stairs().Blocks() {
		for i, v := range e.Block.Voxels() {
			if v.A != 0 {
				g := uint8(min(255, 226+int(v.R)/40))
				s.Set(l, voxel.Pos{X: e.Origin.X + i&15, Y: e.Origin.Y + i>>4&15, Z: e.Origin.Z + i>>8}, color.NRGBA{g, g, g - 4, 255})
			}
		}
	}
	return s.Snapshot()
}
