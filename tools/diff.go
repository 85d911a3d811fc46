package tools

import (
	"cmp"
	"context"
	"fmt"
	"image/color"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/analyze"
)

const diffDescription = `What changed in the scene since a revision or since the previous render: added, removed and recoloured voxels. Counts and bounding boxes, for the visible scene as a render shows it and per layer; since_revision takes any revision a result reported (default: the previous render_scene). The answer is a few hundred bytes.
The server keeps the last 64 revisions (fewer for very large edits) and the state of the latest render. To see the changes, call render_scene with highlight "changes"; "voxels": true also lists them in add_voxels' runs form (lines "x y z length RRGGBB"; removed ones with their old colour), within max_bytes.
Example: {"since_revision":12,"voxels":true}`

// DiffScene returns the diff_scene tool.
func DiffScene(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("diff_scene",
		mcp.WithDescription(diffDescription),
		annotations(true, false, true),
		mcp.WithInteger("since_revision", mcp.Description("The revision to compare with. Default: the one the previous render showed."), mcp.Min(1)),
		mcp.WithBoolean("voxels", mcp.Description("Also list the changed visible voxels as runs (added_runs, removed_runs, recolored_runs). Default false.")),
		maxBytesProp,
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		list, err := a.bool("voxels", false)
		if err != nil {
			return nil, err
		}
		budget, err := maxBytes(a)
		if err != nil {
			return nil, err
		}
		before, since, err := d.Project.baseline(a)
		if err != nil {
			return nil, err
		}
		after, rev := d.Project.currentState()
		o := diffOutput{Since: since, Revision: rev, Layers: []layerDiffJSON{}}
		vis := analyze.DiffVisible(before, after)
		o.Visible = deltaOf(vis)
		for _, l := range analyze.DiffLayers(before, after) {
			o.Layers = append(o.Layers, layerDiffJSON{Layer: l.Layer, Name: l.Name, deltaJSON: deltaOf(l.Delta), Created: l.Created, Deleted: l.Deleted})
		}
		var runs [3][]analyze.Run
		if list {
			runs = changedRuns(before, after)
			o.listRuns(runs, budget)
		}
		return fitted(budget, func() string { return diffText(o, vis) }, &o, func() bool {
			switch {
			case list && o.runBudget > 0:
				o.runBudget -= max(256, o.runBudget/5)
				o.listRuns(runs, o.runBudget)
			case len(o.Layers) > 0:
				o.Layers, o.Truncated = o.Layers[:len(o.Layers)*4/5], true
			default:
				return false
			}
			return true
		}), nil
	})}
}

func diffText(o diffOutput, vis analyze.Delta) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Since revision %d (now %d): %s.", o.Since, o.Revision, deltaText(vis))
	if o.Truncated {
		b.WriteString(" Only the first layers that changed are listed.")
	}
	if o.AddedRuns != nil {
		b.WriteString(" The changed voxels are listed as runs \"x y z length RRGGBB\" (removed ones with their old colour)")
		if o.RunsTruncated {
			b.WriteString(", cut at max_bytes: narrow since_revision or raise max_bytes for the rest")
		}
		b.WriteString(".")
	}
	for _, l := range o.Layers {
		fmt.Fprintf(&b, "\nLayer %d %q", l.Layer, l.Name)
		switch {
		case l.Created:
			b.WriteString(" (new)")
		case l.Deleted:
			b.WriteString(" (deleted)")
		}
		fmt.Fprintf(&b, ": %s.", deltaJSONText(l.deltaJSON))
	}
	return b.String()
}

// baseline reads since_revision (default: the previous render's state).
func (p *Project) baseline(a args) (layersState, uint64, error) {
	if a.has("since_revision") {
		rev, err := a.int("since_revision", 0, 1, 1<<53)
		if err != nil {
			return nil, 0, err
		}
		if now := p.Revision(); uint64(rev) > now {
			return nil, 0, fmt.Errorf("since_revision %d is in the future: the scene is at revision %d", rev, now)
		}
		layers, oldest, ok := p.pastState(uint64(rev))
		if !ok {
			return nil, 0, fmt.Errorf("revision %d is no longer kept (the oldest kept is %d; a new or opened project starts afresh): give a later since_revision", rev, oldest)
		}
		return layers, uint64(rev), nil
	}
	fs := p.lastRendered()
	if fs == nil {
		return nil, 0, fmt.Errorf("nothing has been rendered yet: give since_revision (every result reports the scene's revision), or call render_scene first")
	}
	return fs.layers, fs.revision, nil
}

type changeJSON struct {
	Voxels int    `json:"voxels"`
	Box    *boxJS `json:"bounding_box,omitempty"`
}

type deltaJSON struct {
	Added     changeJSON `json:"added"`
	Removed   changeJSON `json:"removed"`
	Recolored changeJSON `json:"recolored"`
}

type layerDiffJSON struct {
	Layer int    `json:"layer"`
	Name  string `json:"name"`
	deltaJSON
	Created bool `json:"created,omitempty"`
	Deleted bool `json:"deleted,omitempty"`
}

type diffOutput struct {
	Since    uint64          `json:"since_revision"`
	Revision uint64          `json:"revision"`
	Visible  deltaJSON       `json:"visible"`
	Layers   []layerDiffJSON `json:"layers"`
	// Truncated says a list was cut to keep the answer within max_bytes.
	Truncated bool `json:"truncated,omitempty"`
	// With "voxels": the changed visible voxels as runs.
	AddedRuns     *string `json:"added_runs,omitempty"`
	RemovedRuns   *string `json:"removed_runs,omitempty"`
	RecoloredRuns *string `json:"recolored_runs,omitempty"`
	RunsTruncated bool    `json:"runs_truncated,omitempty"`
	runBudget     int
}

// changedRuns returns the added (new colour), removed (old colour) and
// recoloured (new colour) visible voxels as runs in (z, y, x) order.
func changedRuns(before, after layersState) [3][]analyze.Run {
	var out [3][]analyze.Run
	analyze.EachVisibleChange(before, after, func(p voxel.Pos, was, now color.NRGBA) {
		k, c := 2, now
		switch {
		case was.A == 0:
			k = 0
		case now.A == 0:
			k, c = 1, was
		}
		out[k] = append(out[k], analyze.Run{X: int32(p.X), Y: int32(p.Y), Z: int32(p.Z), N: 1, Color: c})
	})
	for k := range out {
		// Changes come block by block: sort them, then join neighbours.
		slices.SortFunc(out[k], func(a, b analyze.Run) int {
			return cmp.Or(cmp.Compare(a.Z, b.Z), cmp.Compare(a.Y, b.Y), cmp.Compare(a.X, b.X))
		})
		merged := out[k][:0]
		for _, r := range out[k] {
			if n := len(merged); n > 0 {
				last := &merged[n-1]
				if last.Y == r.Y && last.Z == r.Z && last.Color == r.Color && last.X+last.N == r.X {
					last.N++
					continue
				}
			}
			merged = append(merged, r)
		}
		out[k] = merged
	}
	return out
}

// listRuns fills the runs fields, sharing budget bytes between them.
func (o *diffOutput) listRuns(runs [3][]analyze.Run, budget int) {
	o.runBudget, o.RunsTruncated = budget, false
	room := budget - summaryReserve - 1024 // the counts, boxes and layers
	fields := [3]**string{&o.AddedRuns, &o.RemovedRuns, &o.RecoloredRuns}
	for k, list := range runs {
		var b []byte
		lines := 0
		for _, r := range list {
			n := len(b)
			b = appendRun(b, r)
			if len(b)+lines+1 > room { // JSON escapes each newline as two bytes
				b = b[:n]
				o.RunsTruncated = true
				break
			}
			lines++
		}
		room -= len(b) + lines
		s := strings.TrimSuffix(string(b), "\n")
		*fields[k] = &s
	}
}

func deltaOf(d analyze.Delta) deltaJSON {
	c := func(ch analyze.Change) changeJSON {
		if ch.Voxels == 0 {
			return changeJSON{}
		}
		return changeJSON{ch.Voxels, boxJSON(ch.Box)}
	}
	return deltaJSON{c(d.Added), c(d.Removed), c(d.Recolored)}
}

func deltaText(d analyze.Delta) string { return deltaJSONText(deltaOf(d)) }

// deltaJSONText says a delta in one line: "+50 added [..], −20 removed [..], 0 recoloured".
func deltaJSONText(d deltaJSON) string {
	if d.Added.Voxels+d.Removed.Voxels+d.Recolored.Voxels == 0 {
		return "no visible change"
	}
	part := func(sign string, n int, what string, box *boxJS) string {
		s := fmt.Sprintf("%s%d %s", sign, n, what)
		if box != nil {
			s += " in " + boxText(box)
		}
		return s
	}
	return strings.Join([]string{
		part("+", d.Added.Voxels, "added", d.Added.Box),
		part("−", d.Removed.Voxels, "removed", d.Removed.Box),
		part("~", d.Recolored.Voxels, "recoloured", d.Recolored.Box),
	}, ", ")
}
