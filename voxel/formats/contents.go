package formats

import "github.com/goxel-mcp/goxel-mcp/voxel"

// layered are the formats whose encoder writes every layer, hidden ones
// too (kept hidden); every other format writes the visible layers merged.
// A new codec that keeps layers is listed here, or its saves and exports
// report the wrong counts (contents_test.go checks each writable format).
var layered = map[string]bool{".vox": true, ".gox": true}

// visibleLayered are the formats that keep layers but cannot hide one:
// their encoder writes the visible layers, each as a layer.
var visibleLayered = map[string]bool{".qb": true}

// KeepsLayers reports whether the format of ext writes every layer, hidden
// ones too, rather than the visible layers merged.
func KeepsLayers(ext string) bool {
	c, err := ForExt(ext)
	return err == nil && layered[c.Ext]
}

// Contents is what encoding a scene in one format writes, so a save or
// export can report exactly that.
type Contents struct {
	Voxels int // voxels written
	Layers int // layers written; 1 for a format that merges layers
	// HiddenVoxels and HiddenLayers count the voxels on hidden layers and
	// the hidden layers that hold any: written (kept hidden) when
	// HiddenWritten, else left out of the file.
	HiddenVoxels  int
	HiddenLayers  int
	HiddenWritten bool
	// Merged says the visible layers were merged into one.
	Merged bool
	// Covered counts voxels of visible layers under a voxel of an upper
	// visible layer, which a merging format leaves out.
	Covered int
}

// ContentsOf returns what Encode(w, ext, s) writes.
func ContentsOf(s *voxel.Scene, ext string) Contents {
	var c Contents
	visible := 0
	for _, l := range s.Layers() {
		if l.Visible {
			visible += l.Count
		} else if l.Count > 0 {
			c.HiddenVoxels += l.Count
			c.HiddenLayers++
		}
	}
	if KeepsLayers(ext) {
		c.Voxels, c.Layers, c.HiddenWritten = s.Count(), len(s.Layers()), true
		return c
	}
	if c2, err := ForExt(ext); err == nil && visibleLayered[c2.Ext] {
		for _, l := range s.Layers() {
			if l.Visible {
				c.Layers++
			}
		}
		c.Voxels = visible
		return c
	}
	c.Voxels, c.Layers, c.Merged = s.Snapshot().Count(), 1, true
	c.Covered = visible - c.Voxels
	return c
}
