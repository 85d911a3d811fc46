package tools

import (
	"fmt"
	"strconv"

	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/formats"
)

// Every count a tool or the CLI prints is what was drawn, written or
// changed; voxels on hidden layers are named separately, never folded in.

// Grouped writes n with thousands separators: 10219 → "10,219".
func Grouped(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Hidden counts the voxels on a scene's hidden layers and the hidden
// layers that hold any: what a render leaves out.
func Hidden(s *voxel.Scene) (voxels, layers int) {
	for _, l := range s.Layers() {
		if !l.Visible && l.Count > 0 {
			voxels += l.Count
			layers++
		}
	}
	return voxels, layers
}

// DrawnSummary says what a render drew: "1,272 voxels drawn; 8,947 more on
// 7 hidden layers".
func DrawnSummary(drawn, hiddenVoxels, hiddenLayers int) string {
	msg := Grouped(drawn) + plural(drawn, " voxel", " voxels") + " drawn"
	if hiddenVoxels > 0 {
		msg += fmt.Sprintf("; %s more on %d hidden %s", Grouped(hiddenVoxels), hiddenLayers, plural(hiddenLayers, "layer", "layers"))
	}
	return msg
}

// WrittenSummary says what a save, export or convert wrote to path, with
// verb "Saved", "Exported" or "Wrote": every count is what the file holds.
func WrittenSummary(verb string, c formats.Contents, format, path string) string {
	v := Grouped(c.Voxels) + plural(c.Voxels, " voxel", " voxels")
	if c.HiddenWritten {
		msg := fmt.Sprintf("%s %s in %d %s as %s to %s", verb, v, c.Layers, plural(c.Layers, "layer", "layers"), format, path)
		if c.HiddenVoxels > 0 {
			msg += fmt.Sprintf(" (%s of them on %d hidden %s, kept hidden)", Grouped(c.HiddenVoxels), c.HiddenLayers, plural(c.HiddenLayers, "layer", "layers"))
		}
		return msg + "."
	}
	if !c.Merged {
		msg := fmt.Sprintf("%s %s in %d visible %s as %s to %s", verb, v, c.Layers, plural(c.Layers, "layer", "layers"), format, path)
		if c.HiddenVoxels > 0 {
			msg += fmt.Sprintf("; %s more on %d hidden %s not written: %s cannot hide a layer, .gox or .vox keep them", Grouped(c.HiddenVoxels), c.HiddenLayers, plural(c.HiddenLayers, "layer", "layers"), format)
		}
		return msg + "."
	}
	msg := fmt.Sprintf("%s %s as %s to %s (the visible layers merged into one", verb, v, format, path)
	if c.Covered > 0 {
		msg += fmt.Sprintf("; %s under voxels of upper layers left out", Grouped(c.Covered))
	}
	msg += ")"
	if c.HiddenVoxels > 0 {
		msg += fmt.Sprintf("; %s more on %d hidden %s not written: .gox or .vox keep every layer", Grouped(c.HiddenVoxels), c.HiddenLayers, plural(c.HiddenLayers, "layer", "layers"))
	}
	return msg + "."
}

// writtenJSON is the structured form of what a save or export wrote.
func writtenJSON(c formats.Contents, path, ext string) map[string]any {
	out := map[string]any{
		"path": path, "format": ext[1:], "voxels": c.Voxels, "layers": c.Layers,
		"hidden_voxels": c.HiddenVoxels, "hidden_layers": c.HiddenLayers, "hidden_written": c.HiddenWritten,
	}
	return out
}
