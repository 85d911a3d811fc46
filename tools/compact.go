package tools

import (
	"encoding/json"
	"fmt"
	"image/color"
	"strconv"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/analyze"
)

// Byte budgets of list results: Claude Code warns at 10k tokens per result,
// so a page is about 16 KB of text (~5k tokens) unless asked otherwise.
const (
	defaultMaxBytes = 16 << 10
	minMaxBytes     = 1 << 10
	maxMaxBytes     = 1 << 20 // Claude Desktop refuses results over 1 MiB
	// summaryReserve is kept free of items for the summary and fields.
	summaryReserve = 768
)

var (
	formatProp    = mcp.WithString("format", mcp.Enum("list", "runs"), mcp.Description(`"list" (default): [x,y,z,"#RRGGBBAA"] items (~24 bytes a voxel). "runs": lines "x y z length RRGGBB" (length voxels along +X, the form add_voxels takes as "runs"): a solid box costs one line per row, 5-50× less.`))
	countOnlyProp = mcp.WithBoolean("count_only", mcp.Description("Return only the count and bounding box (a few dozen bytes). Default false."))
	maxBytesProp  = mcp.WithInteger("max_bytes", mcp.Description(fmt.Sprintf("Byte budget of the result text; the page stops early (truncated, next_offset) to stay within it. Default %d (~5k tokens), %d-%d.", defaultMaxBytes, minMaxBytes, maxMaxBytes)), mcp.Min(minMaxBytes), mcp.Max(maxMaxBytes))
)

func maxBytes(a args) (int, error) {
	return a.int("max_bytes", defaultMaxBytes, minMaxBytes, maxMaxBytes)
}

// checkMinMaxBytes is check_model's smallest budget: its fixed part (both
// symmetry reports, counts, the summary) takes about 1.1 KB before any
// list item.
const checkMinMaxBytes = 2 << 10

var checkMaxBytesProp = mcp.WithInteger("max_bytes", mcp.Description(fmt.Sprintf("Byte budget of the result (text and structured content); lists stop early (truncated) to stay within it. Default %d (~5k tokens), %d-%d.", defaultMaxBytes, checkMinMaxBytes, maxMaxBytes)), mcp.Min(checkMinMaxBytes), mcp.Max(maxMaxBytes))

// selectVolume returns the frozen voxels of the "layer" argument, or of the
// visible layers merged when it is absent, clipped to clip when not nil.
// The scene's lock must be held; the volume may be read after it is released.
func selectVolume(a args, s *voxel.Scene, clip *voxel.Box) (*analyze.Volume, int, error) {
	if a.has("layer") {
		id, err := targetLayer(a, s)
		if err != nil {
			return nil, 0, err
		}
		return analyze.NewVolume(layerBlocks(s.Freeze(), id), clip), id, nil
	}
	return analyze.NewVolume(s.Snapshot().Blocks(), clip), 0, nil
}

func layerBlocks(layers []voxel.LayerBlocks, id int) []voxel.BlockEntry {
	for _, l := range layers {
		if l.ID == id {
			return l.Blocks
		}
	}
	return nil
}

// appendRun appends r as a runs line "x y z length RRGGBB" (RRGGBBAA when
// not opaque), the form add_voxels reads.
func appendRun(b []byte, r analyze.Run) []byte {
	b = strconv.AppendInt(b, int64(r.X), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(r.Y), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(r.Z), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(r.N), 10)
	b = append(b, ' ')
	b = appendHex(b, r.Color)
	return append(b, '\n')
}

func appendHex(b []byte, c color.NRGBA) []byte {
	const digits = "0123456789ABCDEF"
	for _, v := range []uint8{c.R, c.G, c.B} {
		b = append(b, digits[v>>4], digits[v&15])
	}
	if c.A != 255 {
		b = append(b, digits[c.A>>4], digits[c.A&15])
	}
	return b
}

// runsPage is one page of runs in the add_voxels "runs" form.
type runsPage struct {
	Format     string     `json:"format"`
	Runs       string     `json:"runs"`
	Total      int        `json:"total"`      // voxels
	TotalRuns  int        `json:"total_runs"` // runs of all pages
	Offset     int        `json:"offset"`     // in runs
	Returned   int        `json:"returned"`   // runs on this page
	Voxels     int        `json:"returned_voxels"`
	Truncated  bool       `json:"truncated"`
	NextOffset *int       `json:"next_offset,omitempty"`
	Reason     string     `json:"truncated_by,omitempty"` // "limit" or "max_bytes"
	Box        *boxJS     `json:"bounding_box,omitempty"`
	Layer      int        `json:"layer,omitempty"`
	Parts      []partJSON `json:"parts,omitempty"`
}

// pageRuns fills p with the runs from offset, at most limit of them and
// within budget bytes of text.
func pageRuns(p *runsPage, runs []analyze.Run, offset, limit, budget int) {
	p.Format, p.Offset, p.TotalRuns = "runs", offset, len(runs)
	p.Returned, p.Voxels, p.Truncated, p.NextOffset, p.Reason = 0, 0, false, nil, ""
	var b []byte
	room := budget - summaryReserve
	for i := offset; i < len(runs) && p.Returned < limit; i++ {
		n := len(b)
		b = appendRun(b, runs[i])
		// JSON escapes each newline as two bytes.
		if len(b)+p.Returned+1 > room {
			b = b[:n]
			p.Reason = "max_bytes"
			break
		}
		p.Returned++
		p.Voxels += int(runs[i].N)
	}
	if offset+p.Returned < len(runs) {
		p.Truncated = true
		if p.Reason == "" {
			p.Reason = "limit"
		}
		n := offset + p.Returned
		p.NextOffset = &n
	} else {
		p.Reason = ""
	}
	p.Runs = strings.TrimSuffix(string(b), "\n")
}

func (p *runsPage) summary(what string) string {
	msg := fmt.Sprintf("%d voxels %s in %d runs; returned runs %d-%d (%d voxels) as lines \"x y z length RRGGBB\" along +X.",
		p.Total, what, p.TotalRuns, p.Offset, p.Offset+p.Returned, p.Voxels)
	if p.Returned == 0 {
		msg = fmt.Sprintf("%d voxels %s in %d runs; none returned from offset %d.", p.Total, what, p.TotalRuns, p.Offset)
	}
	if p.Truncated {
		msg += fmt.Sprintf(" Truncated by %s: call again with offset %d for the rest.", p.Reason, *p.NextOffset)
	}
	return msg
}

// resultBytes is what a result costs a client: its text, plus its
// structured content as JSON (clients before 2025-06-18 get that JSON in
// the text instead; newer hosts may show both).
func resultBytes(res *mcp.CallToolResult) int {
	n := len(text0(res))
	if res.StructuredContent != nil {
		if b, err := json.Marshal(res.StructuredContent); err == nil {
			n += 1 + len(b)
		}
	}
	return n
}

// fitted returns structured(summary, v) after checking that its text and
// structured content stay within budget; shrink removes part of the page and reports whether
// anything is left to remove.
func fitted(budget int, summary func() string, v any, shrink func() bool) *mcp.CallToolResult {
	for {
		res := structured(summary(), v)
		if resultBytes(res) <= budget || !shrink() {
			return res
		}
	}
}

// partJSON is a connected part as check_model and find_voxels_by_color
// report it.
type partJSON struct {
	Voxels   int         `json:"voxels"`
	Box      *boxJS      `json:"bounding_box"`
	Colors   []colorJSON `json:"colors,omitempty"`
	Grounded *bool       `json:"grounded,omitempty"`
}

type colorJSON struct {
	Color  string `json:"color"`
	Voxels int    `json:"voxels"`
}

func partOf(p analyze.Part, grounded bool) partJSON {
	out := partJSON{Voxels: p.Voxels, Box: boxJSON(p.Box)}
	for _, c := range p.Colors {
		out.Colors = append(out.Colors, colorJSON{FormatColor(c.Color), c.Voxels})
	}
	if grounded {
		g := p.Grounded
		out.Grounded = &g
	}
	return out
}

// fitParts converts parts to JSON while they fit in budget bytes.
func fitParts(parts []analyze.Part, limit, budget int, grounded bool) []partJSON {
	out := []partJSON{}
	used := 0
	for _, p := range parts {
		if len(out) == limit {
			break
		}
		j := partOf(p, grounded)
		b, _ := json.Marshal(j) // plain structs always encode
		if used+len(b)+1 > budget {
			break
		}
		used += len(b) + 1
		out = append(out, j)
	}
	return out
}

// listForm is how a list tool was asked to answer.
type listForm struct {
	runs, countOnly bool
	maxBytes        int
}

func readForm(a args) (listForm, error) {
	var f listForm
	format, err := a.enum("format", "list", "list", "runs")
	if err != nil {
		return f, err
	}
	f.runs = format == "runs"
	if f.countOnly, err = a.bool("count_only", false); err != nil {
		return f, err
	}
	f.maxBytes, err = maxBytes(a)
	return f, err
}

// itemBudget counts the JSON bytes of [x,y,z,"#RRGGBBAA"] items.
type itemBudget struct {
	room, used int
	full       bool
}

func (b *itemBudget) take(p voxel.Pos) bool {
	if b.full {
		return false
	}
	n := 17 + digits(p.X) + digits(p.Y) + digits(p.Z) // [x,y,z,"#RRGGBBAA"],
	if b.used+n > b.room {
		b.full = true
		return false
	}
	b.used += n
	return true
}

func (b *itemBudget) reason() string {
	if b.full {
		return "max_bytes"
	}
	return "limit"
}

func digits(v int) int {
	n := 1
	if v < 0 {
		n, v = 2, -v
	}
	for v >= 10 {
		v /= 10
		n++
	}
	return n
}

// compactRegion answers get_voxels_region in runs form or with count_only.
func (d Deps) compactRegion(a args, box voxel.Box, form listForm, offset, limit int) (*mcp.CallToolResult, error) {
	var vol *analyze.Volume
	var layer int
	var err error
	d.Project.Read(func(s *voxel.Scene) { vol, layer, err = selectVolume(a, s, &box) })
	if err != nil {
		return nil, err
	}
	runs := vol.Runs()
	p := runsPage{Total: vol.Count(), Box: boxJSON(vol.Box()), Layer: layer}
	what := fmt.Sprintf("in %v", box)
	if form.countOnly {
		out := map[string]any{"total": p.Total, "total_runs": len(runs.List)}
		if p.Box != nil {
			out["bounding_box"] = p.Box
		}
		if layer != 0 {
			out["layer"] = layer
		}
		msg := fmt.Sprintf("%d voxels %s (%d runs).", p.Total, what, len(runs.List))
		if p.Box != nil {
			msg += fmt.Sprintf(" Bounding box %v.", vol.Box())
		}
		return structured(msg, out), nil
	}
	room := form.maxBytes
	pageRuns(&p, runs.List, offset, limit, room)
	return fitted(form.maxBytes, func() string { return p.summary(what) }, &p, func() bool {
		if p.Returned == 0 {
			return false
		}
		room -= room / 10
		pageRuns(&p, runs.List, offset, limit, room)
		return true
	}), nil
}

// maxGroupParts bounds the parts find_voxels_by_color lists.
const maxGroupParts = 256

// compactFind answers find_voxels_by_color in runs form, with count_only,
// or grouped into parts.
func (d Deps) compactFind(a args, match func(color.NRGBA) bool, what string, form listForm, parts bool, offset, limit int) (*mcp.CallToolResult, error) {
	var vol *analyze.Volume
	var layer int
	var err error
	d.Project.Read(func(s *voxel.Scene) { vol, layer, err = selectVolume(a, s, nil) })
	if err != nil {
		return nil, err
	}
	vol = vol.Filter(match)
	runs := vol.Runs()
	p := runsPage{Total: vol.Count(), Box: boxJSON(vol.Box()), Layer: layer}
	switch {
	case form.countOnly:
		out := map[string]any{"total": p.Total, "total_runs": len(runs.List)}
		if p.Box != nil {
			out["bounding_box"] = p.Box
		}
		msg := fmt.Sprintf("%d voxels %s.", p.Total, what)
		if p.Box != nil {
			msg += fmt.Sprintf(" Bounding box %v.", vol.Box())
		}
		return structured(msg, out), nil
	case parts:
		all := analyze.Parts(vol, analyze.PartOptions{Colors: 1, Listed: min(limit, maxGroupParts)})
		type out struct {
			Total     int        `json:"total"`
			Box       *boxJS     `json:"bounding_box,omitempty"`
			PartCount int        `json:"part_count"`
			Parts     []partJSON `json:"parts"`
			Truncated bool       `json:"truncated"`
			Layer     int        `json:"layer,omitempty"`
		}
		o := out{Total: p.Total, Box: p.Box, PartCount: len(all), Layer: layer,
			Parts: fitParts(all, min(limit, maxGroupParts), form.maxBytes-summaryReserve, false)}
		o.Truncated = len(o.Parts) < len(all)
		msg := fmt.Sprintf("%d voxels %s, in %d connected parts (6-connected), largest first.", p.Total, what, len(all))
		for i, pt := range all[:min(3, len(all))] {
			msg += fmt.Sprintf(" #%d: %d voxels %v.", i+1, pt.Voxels, pt.Box)
		}
		if o.Truncated {
			msg += fmt.Sprintf(" Listed the %d largest.", len(o.Parts))
		}
		return structured(msg, o), nil
	}
	room := form.maxBytes
	pageRuns(&p, runs.List, offset, limit, room)
	return fitted(form.maxBytes, func() string { return p.summary(what) }, &p, func() bool {
		if p.Returned == 0 {
			return false
		}
		room -= room / 10
		pageRuns(&p, runs.List, offset, limit, room)
		return true
	}), nil
}
