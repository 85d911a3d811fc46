package main

import (
	"context"
	"flag"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/goxel-mcp/goxel-mcp/internal/pngx"
	"github.com/goxel-mcp/goxel-mcp/renderer"
	"github.com/goxel-mcp/goxel-mcp/tools"
	"github.com/goxel-mcp/goxel-mcp/voxel/formats"
)

func runRender(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: goxel-mcp render FILE -o OUT.png [--view NAME | --views a,b,c] [--width W --height H]\n\nRender a .vox, .gox or .txt model to a PNG without any MCP client.\n\nFlags:")
		fs.PrintDefaults()
	}
	out := fs.String("o", "", "output PNG `file` (required)")
	view := fs.String("view", "isometric", "view preset: "+strings.Join(renderer.PresetNames(), ", "))
	views := fs.String("views", "", "comma-separated presets for a labelled contact sheet, e.g. front,right,top,isometric")
	width := fs.Int("width", 800, "image width in pixels")
	height := fs.Int("height", 600, "image height in pixels")
	bg := fs.String("background", "", `background colour "#RRGGBB", or "transparent" (default light grey)`)
	yaw := fs.Float64("yaw", 45, "camera yaw in degrees, with --view custom")
	pitch := fs.Float64("pitch", 35.264, "camera pitch in degrees, with --view custom")
	grid := fs.Bool("grid", false, "draw a ground grid")
	if code := parseFlags(fs, reorder(args)); code >= 0 {
		return code
	}
	if fs.NArg() != 1 || *out == "" {
		fs.Usage()
		return 2
	}
	in := fs.Arg(0)
	scene, err := formats.DecodeFile(in, formats.DefaultLimits)
	if err != nil {
		fmt.Fprintf(stderr, "goxel-mcp render: %v\n", err)
		return 1
	}
	opt := renderer.DefaultOptions()
	opt.Width, opt.Height, opt.Grid = *width, *height, *grid
	if *view == "custom" {
		opt.View = renderer.View{Name: "custom", Yaw: *yaw, Pitch: *pitch}
	} else if v, ok := renderer.Preset(*view); ok {
		opt.View = v
	} else {
		fmt.Fprintf(stderr, "goxel-mcp render: unknown view %q; use one of %s or custom\n", *view, strings.Join(renderer.PresetNames(), ", "))
		return 2
	}
	if *views != "" {
		for _, name := range strings.Split(*views, ",") {
			v, ok := renderer.Preset(name)
			if !ok {
				fmt.Fprintf(stderr, "goxel-mcp render: unknown view %q in --views\n", name)
				return 2
			}
			opt.Views = append(opt.Views, v)
		}
	}
	switch {
	case *bg == "":
	case strings.EqualFold(*bg, "transparent"):
		opt.Background = color.NRGBA{}
	default:
		c, err := tools.ParseColor("--background", *bg)
		if err != nil {
			fmt.Fprintf(stderr, "goxel-mcp render: %v\n", err)
			return 2
		}
		opt.Background = c
	}
	img, err := renderer.Render(context.Background(), scene.Snapshot(), opt)
	if err != nil {
		fmt.Fprintf(stderr, "goxel-mcp render: %v\n", err)
		return 1
	}
	if err := writeAtomic(*out, func(w io.Writer) error {
		return pngx.Encode(w, img, &pngx.Options{Text: []pngx.TextChunk{
			{Keyword: "Software", Value: "goxel-mcp " + version},
			{Keyword: "Source", Value: filepath.Base(in)},
		}})
	}); err != nil {
		fmt.Fprintf(stderr, "goxel-mcp render: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %d voxels rendered to %s (%d×%d)\n", in, scene.Count(), *out, opt.Width, opt.Height)
	return 0
}

// reorder moves flags after positional arguments to the front, so
// "render FILE -o OUT" works as well as "render -o OUT FILE".
func reorder(args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			flags = append(flags, a)
			if !strings.Contains(a, "=") && i+1 < len(args) && !isBoolFlag(a) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}

func isBoolFlag(a string) bool {
	switch strings.TrimLeft(a, "-") {
	case "grid", "h", "help", "json", "disable-file-transfer", "no-autosave":
		return true
	}
	return false
}

// writeAtomic writes path through a temporary file in the same directory.
func writeAtomic(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("failed to create output: %w", err)
	}
	defer os.Remove(f.Name()) // a no-op after the rename
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("failed to write output: %w", err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

func runConvert(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: goxel-mcp convert IN OUT\n\nConvert by extension. Reads %s; writes %s.\n",
			strings.Join(formats.Readable(), " "), strings.Join(formats.Writable(), " "))
	}
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return 2
	}
	in, out := fs.Arg(0), fs.Arg(1)
	codec, err := formats.ForPath(out)
	if err != nil || !codec.CanWrite() {
		fmt.Fprintf(stderr, "goxel-mcp convert: cannot write %q; writable: %s\n", out, strings.Join(formats.Writable(), " "))
		return 2
	}
	scene, err := formats.DecodeFile(in, formats.DefaultLimits)
	if err != nil {
		fmt.Fprintf(stderr, "goxel-mcp convert: %v\n", err)
		return 1
	}
	if err := writeAtomic(out, func(w io.Writer) error { return formats.Encode(w, codec.Ext, scene) }); err != nil {
		fmt.Fprintf(stderr, "goxel-mcp convert: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s → %s: %d voxels in %d layers\n", in, out, scene.Count(), len(scene.Layers()))
	return 0
}
