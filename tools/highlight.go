package tools

import (
	"fmt"
	"image/color"

	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/analyze"
)

// Highlight colours: added voxels are tinted toward green, recoloured ones
// toward magenta, and removed ones come back as red ghosts in a 3-D checker
// of two reds (the renderer draws opaque voxels only, so a ghost is a
// distinct pattern rather than a translucent one).
var (
	addedTint     = color.NRGBA{R: 0x10, G: 0xFF, B: 0x40, A: 0xFF}
	recoloredTint = color.NRGBA{R: 0xFF, G: 0x10, B: 0xFF, A: 0xFF}
	ghostDark     = color.NRGBA{R: 0xFF, G: 0x18, B: 0x18, A: 0xFF}
	ghostLight    = color.NRGBA{R: 0xFF, G: 0x70, B: 0x70, A: 0xFF}
)

// tintShare is how far a highlighted voxel's colour moves toward its tint.
const tintShare = 0.65

func tint(c, to color.NRGBA) color.NRGBA {
	mix := func(a, b uint8) uint8 { return uint8(float64(a)*(1-tintShare) + float64(b)*tintShare + 0.5) }
	return color.NRGBA{R: mix(c.R, to.R), G: mix(c.G, to.G), B: mix(c.B, to.B), A: 0xFF}
}

// highlight is render_scene's highlight argument, checked.
type highlight struct {
	on    bool
	since uint64 // 0: the previous render
}

func parseHighlight(a args) (highlight, error) {
	var h highlight
	mode, err := a.enum("highlight", "none", "none", "changes")
	if err != nil {
		return h, err
	}
	h.on = mode == "changes"
	if a.has("since_revision") {
		if !h.on {
			return h, fmt.Errorf(`since_revision needs highlight "changes"`)
		}
		rev, err := a.int("since_revision", 0, 1, 1<<53)
		if err != nil {
			return h, err
		}
		h.since = uint64(rev)
	}
	return h, nil
}

// renderChanges is what render results say about changes: counts only, to
// keep render answers small (diff_scene gives the bounding boxes). A
// highlight of the changes since the previous render leaves the counts out:
// they are since_previous_render's.
type renderChanges struct {
	Since     uint64 `json:"since_revision"`
	Added     *int   `json:"added,omitempty"`
	Removed   *int   `json:"removed,omitempty"`
	Recolored *int   `json:"recolored,omitempty"`
	Highlight bool   `json:"highlighted,omitempty"`
}

func changeCounts(since uint64, d analyze.Delta) *renderChanges {
	a, r, c := d.Added.Voxels, d.Removed.Voxels, d.Recolored.Voxels
	return &renderChanges{Since: since, Added: &a, Removed: &r, Recolored: &c}
}

// shortDelta says a delta in few bytes: "+50 in [..], −20 in [..], ~0".
func shortDelta(d analyze.Delta) string {
	if d.Empty() {
		return "no visible change"
	}
	part := func(sign string, c analyze.Change) string {
		if c.Voxels == 0 {
			return sign + "0"
		}
		return fmt.Sprintf("%s%d in %v", sign, c.Voxels, c.Box)
	}
	return part("+", d.Added) + ", " + part("−", d.Removed) + ", " + part("~", d.Recolored) + " (added, removed, recoloured)"
}

// compareRender fills f.change (the changes since the previous render, one
// line) and, when h is on, swaps f.snap for a derived snapshot showing the
// changes since h.since (default the previous render).
func (d Deps) compareRender(f *sceneFacts, h highlight) error {
	if f.prev != nil {
		delta := analyze.DiffVisible(f.prev.layers, f.state)
		f.change = fmt.Sprintf("Since the render of revision %d: %s.", f.prev.revision, shortDelta(delta))
		f.sincePrev = changeCounts(f.prev.revision, delta)
	} else {
		f.change = "First render of this scene."
	}
	if !h.on {
		return nil
	}
	before, since := layersState(nil), h.since
	switch {
	case h.since > f.revision:
		return fmt.Errorf("since_revision %d is in the future: the scene is at revision %d", h.since, f.revision)
	case h.since != 0:
		layers, oldest, ok := d.Project.pastState(h.since)
		if !ok {
			return fmt.Errorf("since_revision %d is no longer kept (the oldest kept is %d): give a later one, or leave it out to compare with the previous render", h.since, oldest)
		}
		before = layers
	case f.prev == nil:
		return fmt.Errorf(`highlight "changes" compares with the previous render, and there is none yet: render once, or give since_revision (every result reports the scene's revision)`)
	default:
		before, since = f.prev.layers, f.prev.revision
	}
	// The derived scene: the visible voxels, tinted where they changed,
	// plus ghosts where voxels were removed.
	hs := voxel.New()
	f.snap.Each(func(p voxel.Pos, c color.NRGBA) bool {
		hs.Set(1, p, c)
		return true
	})
	analyze.EachVisibleChange(before, f.state, func(p voxel.Pos, was, now color.NRGBA) {
		switch {
		case was.A == 0:
			hs.Set(1, p, tint(now, addedTint))
		case now.A == 0:
			ghost := ghostDark
			if (p.X+p.Y+p.Z)&1 != 0 {
				ghost = ghostLight
			}
			hs.Set(1, p, ghost)
		default:
			hs.Set(1, p, tint(now, recoloredTint))
		}
	})
	f.snap = hs.Snapshot() // f.hash stays the scene's: the PNG and the answer name the real scene
	f.highlight = &renderChanges{Since: since, Highlight: true}
	if f.sincePrev == nil || f.sincePrev.Since != since {
		f.highlight = changeCounts(since, analyze.DiffVisible(before, f.state))
		f.highlight.Highlight = true
	}
	return nil
}

// highlightText is the legend of a highlighted render.
func highlightText(c *renderChanges) string {
	legend := "green: added, red checkered ghosts: removed, magenta: recoloured"
	if c.Added == nil {
		return "Highlighted: " + legend + "."
	}
	return fmt.Sprintf("Highlighted since revision %d: +%d, −%d, ~%d; %s.", c.Since, *c.Added, *c.Removed, *c.Recolored, legend)
}
