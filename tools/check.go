package tools

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/analyze"
)

const (
	defaultCheckParts = 10
	maxCheckParts     = 100
	defaultExamples   = 8
	maxExamples       = 64
)

const checkDescription = `Check the model's structure in one call, without an image: connected parts, floating parts, mirror symmetry and enclosed cavities. Connected parts (6-connected, or 26 with "connectivity":26), each with voxel count, bounding box and main colours, largest first; floating parts (not connected to the ground: the lowest z level of what is checked, or ground_z, or touching support_layer); mirror symmetry about the centre plane on x and on y (score 0-1, and the first voxels without a mirror voxel, with the empty mirror position, and colour mismatches; best_plane when a plane up to 2 voxels off fits better, as after an off-by-one wall); enclosed cavities (empty cells no path reaches from outside) with size and bounding box.
Checks the visible layers merged, or one layer, optionally within from/to. Fast: a 1,000,000-voxel scene takes well under a second. With the default limits the answer is a few hundred bytes to ~4 KB (~1k tokens), never more than max_bytes.
Use it after building, then get_slice or render_scene to look at what it found, fix, and check again.
Returns structuredContent.parts [{voxels, bounding_box {min, max}, colors, grounded}], .floating (same shape), .symmetry {x, y: {plane, score, color_score, asymmetric [[x,y,z]…], mirror [[x,y,z]…], asymmetric_count, color_mismatches, color_mismatch_count}}, .cavities [{cells, bounding_box}].
Example: {"connectivity":26} or {"layer":2,"support_layer":1}`

// CheckModel returns the check_model tool.
func CheckModel(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("check_model",
		mcp.WithDescription(checkDescription),
		annotations(true, false, true),
		mcp.WithInteger("layer", mcp.Description("Layer id to check. Default: the visible layers merged."), mcp.Min(1)),
		mcp.WithArray("from", mcp.Description("[x, y, z] corner of a box to check (with to). Default: everything."), mcp.WithIntegerItems()),
		mcp.WithArray("to", mcp.Description("[x, y, z] opposite corner"), mcp.WithIntegerItems()),
		mcp.WithInteger("connectivity", mcp.Min(6), mcp.Max(26), mcp.Description("6 (default): voxels join through faces; 26: also through edges and corners.")),
		mcp.WithInteger("ground_z", mcp.Description("Ground level: parts with a voxel at or below it are grounded. Default: the lowest z checked.")),
		mcp.WithInteger("support_layer", mcp.Description("A layer whose voxels also count as ground (parts touching them are grounded)."), mcp.Min(1)),
		mcp.WithInteger("limit", mcp.Description(fmt.Sprintf("Parts (and floating parts) listed. Default %d, at most %d.", defaultCheckParts, maxCheckParts)), mcp.Min(1), mcp.Max(maxCheckParts)),
		mcp.WithInteger("examples", mcp.Description(fmt.Sprintf("Asymmetric voxels and colour mismatches listed per axis. Default %d, at most %d.", defaultExamples, maxExamples)), mcp.Min(0), mcp.Max(maxExamples)),
		checkMaxBytesProp,
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return d.checkModel(a)
	})}
}

// optionalBox reads from/to when given (both or neither).
func optionalBox(a args) (*voxel.Box, error) {
	if !a.has("from") && !a.has("to") {
		return nil, nil
	}
	if !a.has("from") || !a.has("to") {
		return nil, fmt.Errorf("give both from and to ([x, y, z] corners, inclusive), or neither")
	}
	from, err := a.pos("from")
	if err != nil {
		return nil, err
	}
	to, err := a.pos("to")
	if err != nil {
		return nil, err
	}
	b := voxel.BoxOf(from, to)
	return &b, nil
}

type symmetryJSON struct {
	Plane          float64        `json:"plane"`
	Score          float64        `json:"score"`
	ColorScore     float64        `json:"color_score"`
	Asymmetric     [][3]int       `json:"asymmetric"`
	Mirror         [][3]int       `json:"mirror"`
	AsymCount      int            `json:"asymmetric_count"`
	Mismatches     []mismatchJSON `json:"color_mismatches"`
	MismatchCount  int            `json:"color_mismatch_count"`
	Symmetric      bool           `json:"symmetric"`
	ColorSymmetric bool           `json:"color_symmetric"`
	// Best is the same about the nearby plane (within 2 voxels) that most
	// voxels agree with, when that is not the centre: an off-by-one wall.
	Best *bestPlaneJSON `json:"best_plane,omitempty"`
}

// bestPlaneJSON is the shape symmetry about the best nearby plane.
type bestPlaneJSON struct {
	Plane      float64  `json:"plane"`
	Score      float64  `json:"score"`
	Asymmetric [][3]int `json:"asymmetric"`
	Mirror     [][3]int `json:"mirror"`
	AsymCount  int      `json:"asymmetric_count"`
}

type mismatchJSON struct {
	At          [3]int `json:"at"`
	Mirror      [3]int `json:"mirror"`
	Color       string `json:"color"`
	MirrorColor string `json:"mirror_color"`
}

type cavityJSON struct {
	Cells int    `json:"cells"`
	Box   *boxJS `json:"bounding_box"`
}

type checkOutput struct {
	Voxels        int                     `json:"voxels"`
	Box           *boxJS                  `json:"bounding_box,omitempty"`
	Layer         int                     `json:"layer,omitempty"`
	Connectivity  int                     `json:"connectivity"`
	GroundZ       *int                    `json:"ground_z,omitempty"`
	PartCount     int                     `json:"part_count"`
	Parts         []partJSON              `json:"parts"`
	Truncated     bool                    `json:"truncated"` // lists shortened by limit, examples or max_bytes
	FloatingCount int                     `json:"floating_count"`
	FloatingVox   int                     `json:"floating_voxels"`
	Floating      []partJSON              `json:"floating"`
	Symmetry      map[string]symmetryJSON `json:"symmetry"`
	CavityCount   int                     `json:"cavity_count"`
	Cavities      []cavityJSON            `json:"cavities"`
	ElapsedMS     float64                 `json:"elapsed_ms"`
}

func (d Deps) checkModel(a args) (*mcp.CallToolResult, error) {
	conn, err := a.int("connectivity", 6, 6, 26)
	if err != nil || conn != 6 && conn != 26 {
		return nil, fmt.Errorf("connectivity must be 6 (faces) or 26 (faces, edges and corners), got %s", describe(a["connectivity"]))
	}
	limit, err := a.int("limit", defaultCheckParts, 1, maxCheckParts)
	if err != nil {
		return nil, err
	}
	examples, err := a.int("examples", defaultExamples, 0, maxExamples)
	if err != nil {
		return nil, err
	}
	clip, err := optionalBox(a)
	if err != nil {
		return nil, err
	}
	budget, err := a.int("max_bytes", defaultMaxBytes, checkMinMaxBytes, maxMaxBytes)
	if err != nil {
		return nil, err
	}
	var groundZ *int
	if a.has("ground_z") {
		z, err := a.int("ground_z", 0, -maxCoord, maxCoord)
		if err != nil {
			return nil, err
		}
		groundZ = &z
	}
	var vol, support *analyze.Volume
	var layer int
	var lerr error
	d.Project.Read(func(s *voxel.Scene) {
		if vol, layer, lerr = selectVolume(a, s, clip); lerr != nil {
			return
		}
		if a.has("support_layer") {
			id, err := a.int("support_layer", 0, 1, 1<<30)
			if err != nil {
				lerr = err
				return
			}
			if !s.HasLayer(id) {
				lerr = fmt.Errorf("support_layer: %w", unknownLayer(s, id))
				return
			}
			support = analyze.NewVolume(layerBlocks(s.Freeze(), id), nil)
		}
	})
	if lerr != nil {
		return nil, lerr
	}
	start := time.Now()
	opt := analyze.Options{Limit: max(examples, 1), PartOptions: analyze.PartOptions{Connectivity: conn, GroundZ: groundZ, Support: support, Listed: limit}}
	rep := analyze.Check(vol, opt)
	o := checkOutput{Voxels: rep.Voxels, Box: boxJSON(vol.Box()), Layer: layer, Connectivity: conn,
		PartCount: len(rep.Parts), FloatingCount: len(rep.Floating), CavityCount: len(rep.Cavities),
		Symmetry: map[string]symmetryJSON{}, Cavities: []cavityJSON{}}
	if rep.Voxels > 0 {
		g := vol.Box().Min.Z
		if groundZ != nil {
			g = *groundZ
		}
		o.GroundZ = &g
	}
	o.Parts = fitParts(rep.Parts, limit, budget, true)
	o.Floating = fitParts(rep.Floating, limit, budget, false)
	for _, f := range rep.Floating {
		o.FloatingVox += f.Voxels
	}
	for _, sym := range rep.Symmetry {
		o.Symmetry[string(sym.Axis)] = symmetryOf(sym, examples)
	}
	for _, c := range rep.Cavities[:min(len(rep.Cavities), limit)] {
		o.Cavities = append(o.Cavities, cavityJSON{c.Cells, boxJSON(c.Box)})
	}
	o.ElapsedMS = ms(time.Since(start))
	o.Truncated = len(o.Parts) < o.PartCount || len(o.Floating) < o.FloatingCount || len(o.Cavities) < o.CavityCount
	for _, s := range o.Symmetry {
		o.Truncated = o.Truncated || len(s.Asymmetric) < s.AsymCount || len(s.Mismatches) < s.MismatchCount
	}
	return fitted(budget, func() string { return checkSummary(o) }, &o, func() bool { return o.shrink() }), nil
}

// shrink shortens the longest list by a fifth; it reports false when every
// list is down to one item.
func (o *checkOutput) shrink() bool {
	o.Truncated = true
	cut := func(n int) int { return n - max(1, n/5) }
	parts, floating := len(o.Parts), len(o.Floating)
	examples := 0
	for _, s := range o.Symmetry {
		examples = max(examples, len(s.Asymmetric), len(s.Mismatches))
	}
	switch longest := max(parts, floating, examples, len(o.Cavities)); {
	case longest <= 1:
		return false
	case longest == examples:
		n := cut(examples)
		for k, s := range o.Symmetry {
			s.cut(n)
			if s.Best != nil {
				b := *s.Best
				b.Asymmetric, b.Mirror = b.Asymmetric[:min(n, len(b.Asymmetric))], b.Mirror[:min(n, len(b.Mirror))]
				s.Best = &b
			}
			o.Symmetry[k] = s
		}
	case longest == parts:
		o.Parts = o.Parts[:cut(parts)]
	case longest == floating:
		o.Floating = o.Floating[:cut(floating)]
	default:
		o.Cavities = o.Cavities[:cut(len(o.Cavities))]
	}
	return true
}

func symmetryOf(s analyze.Symmetry, n int) symmetryJSON {
	out := symmetryJSON{Plane: s.Plane, Score: round4(s.Score), ColorScore: round4(s.ColorScore),
		Asymmetric: [][3]int{}, Mirror: [][3]int{}, Mismatches: []mismatchJSON{},
		AsymCount: s.AsymmetricCount, MismatchCount: s.MismatchCount,
		Symmetric: s.AsymmetricCount == 0, ColorSymmetric: s.AsymmetricCount == 0 && s.MismatchCount == 0}
	for i := range s.Asymmetric[:min(n, len(s.Asymmetric))] {
		out.Asymmetric = append(out.Asymmetric, posJSON(s.Asymmetric[i]))
		out.Mirror = append(out.Mirror, posJSON(s.Mirror[i]))
	}
	for _, m := range s.Mismatches[:min(n, len(s.Mismatches))] {
		out.Mismatches = append(out.Mismatches, mismatchJSON{posJSON(m.At), posJSON(m.Mirror), FormatColor(m.Color), FormatColor(m.MirrorColor)})
	}
	if bp := s.Best; bp != nil {
		b := bestPlaneJSON{Plane: bp.Plane, Score: round4(bp.Score), AsymCount: bp.AsymmetricCount, Asymmetric: [][3]int{}, Mirror: [][3]int{}}
		for i := range bp.Asymmetric[:min(n, len(bp.Asymmetric))] {
			b.Asymmetric = append(b.Asymmetric, posJSON(bp.Asymmetric[i]))
			b.Mirror = append(b.Mirror, posJSON(bp.Mirror[i]))
		}
		out.Best = &b
	}
	return out
}

// cut keeps at most n examples of each list.
func (s *symmetryJSON) cut(n int) {
	s.Asymmetric, s.Mirror = s.Asymmetric[:min(n, len(s.Asymmetric))], s.Mirror[:min(n, len(s.Mirror))]
	s.Mismatches = s.Mismatches[:min(n, len(s.Mismatches))]
}

func round4(f float64) float64 { return math.Round(f*1e4) / 1e4 }

func checkSummary(o checkOutput) string {
	var b strings.Builder
	what := "the visible layers"
	if o.Layer != 0 {
		what = fmt.Sprintf("layer %d", o.Layer)
	}
	if o.Voxels == 0 {
		fmt.Fprintf(&b, "Checked %s: no voxels.", what)
		return b.String()
	}
	fmt.Fprintf(&b, "Checked %d voxels of %s, box %s.", o.Voxels, what, boxText(o.Box))
	fmt.Fprintf(&b, "\nParts (%d-connected): %d.", o.Connectivity, o.PartCount)
	for i, p := range o.Parts[:min(len(o.Parts), 3)] {
		fmt.Fprintf(&b, " #%d %d voxels %s%s.", i+1, p.Voxels, boxText(p.Box), colorsText(p.Colors))
	}
	if o.FloatingCount == 0 {
		fmt.Fprintf(&b, "\nFloating: none (every part reaches the ground at z=%d).", *o.GroundZ)
	} else {
		fmt.Fprintf(&b, "\nFloating: %s, %d voxels, not connected to the ground at z=%d:", countOf(o.FloatingCount, "part"), o.FloatingVox, *o.GroundZ)
		for i, p := range o.Floating[:min(len(o.Floating), 5)] {
			fmt.Fprintf(&b, " #%d %d voxels %s%s;", i+1, p.Voxels, boxText(p.Box), colorsText(p.Colors))
		}
	}
	for _, axis := range []string{"x", "y"} {
		s := o.Symmetry[axis]
		fmt.Fprintf(&b, "\nSymmetry about %s=%g: shape %.1f%%, colours %.1f%%.", axis, s.Plane, s.Score*100, s.ColorScore*100)
		if s.AsymCount > 0 {
			fmt.Fprintf(&b, " %s without a mirror voxel, e.g.", countOf(s.AsymCount, "voxel"))
			for i := range s.Asymmetric[:min(3, len(s.Asymmetric))] {
				if i > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, " %s (mirror %s empty)", posText(s.Asymmetric[i]), posText(s.Mirror[i]))
			}
			b.WriteString(".")
		}
		if bp := s.Best; bp != nil {
			fmt.Fprintf(&b, " The plane %s=%g fits better: shape %.1f%%, %s without a mirror voxel", axis, bp.Plane, bp.Score*100, countOf(bp.AsymCount, "voxel"))
			for i := range bp.Asymmetric[:min(3, len(bp.Asymmetric))] {
				sep := ","
				if i == 0 {
					sep = ", e.g."
				}
				fmt.Fprintf(&b, "%s %s (mirror %s empty)", sep, posText(bp.Asymmetric[i]), posText(bp.Mirror[i]))
			}
			b.WriteString(".")
		}
		if s.MismatchCount > 0 {
			fmt.Fprintf(&b, " %s differ in colour, e.g.", countOf(s.MismatchCount, "mirror pair"))
			for i, m := range s.Mismatches[:min(2, len(s.Mismatches))] {
				if i > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, " %s %s vs %s %s", posText(m.At), m.Color, posText(m.Mirror), m.MirrorColor)
			}
			b.WriteString(".")
		}
	}
	if o.CavityCount == 0 {
		b.WriteString("\nCavities: none enclosed.")
	} else {
		fmt.Fprintf(&b, "\nCavities: %s enclosed:", countOf(o.CavityCount, "empty region"))
		for i, c := range o.Cavities[:min(len(o.Cavities), 3)] {
			fmt.Fprintf(&b, " #%d %d cells %s;", i+1, c.Cells, boxText(c.Box))
		}
	}
	return b.String()
}

// countOf is "1 part" or "3 parts".
func countOf(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func posText(p [3]int) string { return fmt.Sprintf("[%d,%d,%d]", p[0], p[1], p[2]) }

func boxText(b *boxJS) string {
	if b == nil {
		return "empty"
	}
	return fmt.Sprintf("[%d,%d,%d]..[%d,%d,%d]", b.Min[0], b.Min[1], b.Min[2], b.Max[0], b.Max[1], b.Max[2])
}

func colorsText(cs []colorJSON) string {
	if len(cs) == 0 {
		return ""
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s×%d", c.Color, c.Voxels)
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
