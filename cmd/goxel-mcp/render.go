package main

import (
	"context"
	"errors"
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

// maxRenderEdge is the longest edge the CLI renders, as the server's
// default max_image_size.
const maxRenderEdge = 8192

func runRender(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: goxel-mcp render FILE -o OUT.png [--view NAME | --views a,b,c] [--width W --height H]\n\nRender a model (%s) to a PNG without any MCP client.\n\nFlags:\n", extList(formats.Readable()))
		fs.PrintDefaults()
	}
	out := fs.String("o", "", "output PNG `file` (required; must end in .png)")
	view := fs.String("view", "isometric", "view preset: "+strings.Join(renderer.PresetNames(), ", ")+", or custom (with --yaw and --pitch)")
	views := fs.String("views", "", "comma-separated presets for a labelled contact sheet, e.g. front,right,top,isometric")
	width := fs.Int("width", 800, fmt.Sprintf("image width in pixels, 1-%d", maxRenderEdge))
	height := fs.Int("height", 600, fmt.Sprintf("image height in pixels, 1-%d", maxRenderEdge))
	bg := fs.String("background", "", `background colour "#RRGGBB", or "transparent" (default light grey)`)
	yaw := fs.Float64("yaw", 45, "camera yaw in degrees, with --view custom")
	pitch := fs.Float64("pitch", 35.264, "camera pitch in degrees (-90 to 90), with --view custom")
	grid := fs.Bool("grid", false, "draw a ground grid")
	if code := parseFlags(fs, reorder(args)); code >= 0 {
		return code
	}
	set := setFlags(fs)
	switch {
	case fs.NArg() == 0:
		return usageError(stderr, fs, "give the model to render (%s)", extList(formats.Readable()))
	case fs.NArg() > 1:
		return usageError(stderr, fs, "give one model to render, got %d arguments: %s", fs.NArg(), strings.Join(fs.Args(), " "))
	case *out == "":
		return usageError(stderr, fs, "-o OUT.png is required")
	case !strings.EqualFold(filepath.Ext(*out), ".png"):
		return usageError(stderr, fs, "-o must name a .png file (goxel-mcp writes PNG only), got %q", *out)
	case *width < 1 || *width > maxRenderEdge:
		return usageError(stderr, fs, "--width must be from 1 to %d, got %d", maxRenderEdge, *width)
	case *height < 1 || *height > maxRenderEdge:
		return usageError(stderr, fs, "--height must be from 1 to %d, got %d", maxRenderEdge, *height)
	case *pitch < -90 || *pitch > 90:
		return usageError(stderr, fs, "--pitch must be from -90 to 90 degrees, got %g", *pitch)
	case (set["yaw"] || set["pitch"]) && *view != "custom":
		return usageError(stderr, fs, "--yaw and --pitch take effect only with --view custom: add --view custom, or drop them")
	case set["view"] && *views != "":
		return usageError(stderr, fs, "--view has no effect with --views (each panel has its view): give one of them")
	}
	in := fs.Arg(0)
	if c, err := formats.ForPath(in); err != nil || !c.CanRead() {
		return usageError(stderr, fs, "cannot read %q: readable formats are %s", in, extList(formats.Readable()))
	}
	opt := renderer.DefaultOptions()
	opt.Width, opt.Height, opt.Grid = *width, *height, *grid
	if *view == "custom" {
		opt.View = renderer.View{Name: "custom", Yaw: *yaw, Pitch: *pitch}
	} else if v, ok := renderer.Preset(*view); ok {
		opt.View = v
	} else {
		return usageError(stderr, fs, "unknown view %q; use one of %s or custom", *view, strings.Join(renderer.PresetNames(), ", "))
	}
	if *views != "" {
		for _, name := range strings.Split(*views, ",") {
			v, ok := renderer.Preset(strings.TrimSpace(name))
			if !ok {
				return usageError(stderr, fs, "unknown view %q in --views; use %s", name, strings.Join(renderer.PresetNames(), ", "))
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
			return usageError(stderr, fs, "%v", err)
		}
		opt.Background = c
	}
	scene, err := formats.DecodeFile(in, formats.DefaultLimits)
	if err != nil {
		fmt.Fprintf(stderr, "goxel-mcp render: %v\n", err)
		return 1
	}
	snap := scene.Snapshot()
	opt.HiddenVoxels, opt.HiddenLayers = tools.Hidden(scene)
	img, err := renderer.Render(context.Background(), snap, opt)
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
	fmt.Fprintf(stdout, "%s: %s; written to %s (%d×%d)\n", in, tools.DrawnSummary(snap.Count(), opt.HiddenVoxels, opt.HiddenLayers), *out, opt.Width, opt.Height)
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
// Errors name path, never the temporary file.
func writeAtomic(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("failed to write %s: %w", path, bareError(err))
	}
	defer os.Remove(f.Name()) // a no-op after the rename
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("failed to write %s: %w", path, bareError(err))
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("failed to write %s: %w", path, bareError(err))
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("failed to write %s: %w", path, bareError(err))
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("failed to write %s: %w", path, bareError(err))
	}
	return nil
}

// bareError drops the file name from an *os.PathError or *os.LinkError
// (the temporary file's), keeping the cause: "permission denied".
func bareError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

func runConvert(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: goxel-mcp convert IN OUT\n\nConvert by extension. Reads %s; writes %s.\n.vox and .gox keep every layer; the others hold the visible layers merged.\n",
			extList(formats.Readable()), extList(formats.Writable()))
	}
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() != 2 {
		return usageError(stderr, fs, "give an input and an output file, got %d arguments", fs.NArg())
	}
	in, out := fs.Arg(0), fs.Arg(1)
	if c, err := formats.ForPath(in); err != nil || !c.CanRead() {
		return usageError(stderr, fs, "cannot read %q: readable formats are %s", in, extList(formats.Readable()))
	}
	codec, err := formats.ForPath(out)
	if err != nil || !codec.CanWrite() {
		return usageError(stderr, fs, "cannot write %q: writable formats are %s", out, extList(formats.Writable()))
	}
	scene, err := formats.DecodeFile(in, formats.DefaultLimits)
	if err != nil {
		fmt.Fprintf(stderr, "goxel-mcp convert: %v\n", err)
		return 1
	}
	var changed string // what the format changed: .schem's block mapping, .vox's remapped colours
	if err := writeAtomic(out, func(w io.Writer) (err error) {
		changed, err = formats.EncodeSummary(w, codec.Ext, scene)
		return err
	}); err != nil {
		fmt.Fprintf(stderr, "goxel-mcp convert: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, tools.WrittenSummary("Wrote", formats.ContentsOf(scene, codec.Ext), codec.Name, out))
	if changed != "" {
		fmt.Fprintln(stdout, changed)
	}
	return 0
}
