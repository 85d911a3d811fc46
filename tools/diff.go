package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/voxel/analyze"
)

const diffDescription = `What changed in the scene since a revision or since the previous render: added, removed and recoloured voxels. Counts and bounding boxes, for the visible scene as a render shows it and per layer; since_revision takes any revision a result reported (default: the previous render_scene). The answer is a few hundred bytes.
The server keeps the last 64 revisions (fewer for very large edits) and the state of the latest render. To see the changes, call render_scene with highlight "changes".
Example: {"since_revision":12}`

// DiffScene returns the diff_scene tool.
func DiffScene(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("diff_scene",
		mcp.WithDescription(diffDescription),
		annotations(true, false, true),
		mcp.WithInteger("since_revision", mcp.Description("The revision to compare with. Default: the one the previous render showed."), mcp.Min(1)),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
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
		return fitted(defaultMaxBytes, func() string { return diffText(o, vis) }, &o, func() bool {
			if len(o.Layers) == 0 {
				return false
			}
			o.Layers, o.Truncated = o.Layers[:len(o.Layers)*4/5], true
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
	// Truncated says the layer list was cut to keep the answer within 16 KB.
	Truncated bool `json:"truncated,omitempty"`
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
