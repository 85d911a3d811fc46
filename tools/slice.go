package tools

import (
	"cmp"
	"context"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/analyze"
)

const (
	defaultSliceCells = 128
	maxSliceCells     = 256
	minSliceCells     = 8
)

// legendChars are the cell characters, one per colour, most used first.
const legendChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789#$%&*+=@^~<>/|"

// otherChar stands for every colour beyond legendChars.
const otherChar = '?'

// heightChars are the heightmap levels, lowest first.
const heightChars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

const sliceDescription = `A text picture of one slice of the model (or a heightmap), for checking without an image. The plane axis=at is drawn as a grid of characters, one per voxel, "." for empty, with a legend mapping each character to its colour, and axis labels.
- axis z (default): seen from above, x grows to the right, the top row is the highest y. axis y: seen from the front, x right, z up. axis x: seen from the right, y right, z up.
- from/to limit the other two axes (default: the bounding box of what is shown); layer picks one layer (default: visible layers merged).
- view "heightmap": top-down, each cell the top z of its column as one character (legend: character → z).
Bounded: at most max_size cells per side (default 128); larger areas are downsampled (each cell the most common colour of the voxels it covers) with a notice. Cost: about one token per 2-3 cells: 32×32 ~ 0.5k tokens, 128×128 ~ 7k.
Returns structuredContent.rows (top row first, one character per cell), .legend {char: colour}, .columns and .row_axis (axis, from, to, step).
Example: {"axis":"z","at":0} or {"axis":"y","at":5,"from":[0,5,0],"to":[31,5,20]}`

// GetSlice returns the get_slice tool.
func GetSlice(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("get_slice",
		mcp.WithDescription(sliceDescription),
		annotations(true, false, true),
		mcp.WithString("axis", mcp.Enum("x", "y", "z"), mcp.Description("The axis across the slice. Default z.")),
		mcp.WithInteger("at", mcp.Description("The slice's coordinate on axis. Required for a slice; ignored by the heightmap.")),
		mcp.WithArray("from", mcp.Description("[x, y, z] corner of the area (with to)"), mcp.WithIntegerItems()),
		mcp.WithArray("to", mcp.Description("[x, y, z] opposite corner"), mcp.WithIntegerItems()),
		mcp.WithString("view", mcp.Enum("slice", "heightmap"), mcp.Description("Default slice.")),
		mcp.WithInteger("layer", mcp.Description("Layer id. Default: the visible layers merged."), mcp.Min(1)),
		mcp.WithInteger("max_size", mcp.Description(fmt.Sprintf("Cells per side at most, %d-%d. Default %d.", minSliceCells, maxSliceCells, defaultSliceCells)), mcp.Min(minSliceCells), mcp.Max(maxSliceCells)),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return d.getSlice(a)
	})}
}

type sliceAxis struct {
	Axis string `json:"axis"`
	From int    `json:"from"`
	To   int    `json:"to"`
	Step int    `json:"step"`
}

type sliceOutput struct {
	View        string            `json:"view"`
	Axis        string            `json:"axis,omitempty"`
	At          *int              `json:"at,omitempty"`
	Rows        []string          `json:"rows"`
	Legend      map[string]string `json:"legend"`
	Columns     sliceAxis         `json:"columns"`
	RowAxis     sliceAxis         `json:"row_axis"`
	Width       int               `json:"width"`
	Height      int               `json:"height"`
	Filled      int               `json:"filled_cells"`
	Downsampled bool              `json:"downsampled"`
	Layer       int               `json:"layer,omitempty"`
}

func (d Deps) getSlice(a args) (*mcp.CallToolResult, error) {
	view, err := a.enum("view", "slice", "slice", "heightmap")
	if err != nil {
		return nil, err
	}
	axisName, err := a.enum("axis", "z", "x", "y", "z")
	if err != nil {
		return nil, err
	}
	axis := axisName[0]
	if view == "heightmap" {
		axis = 'z'
	}
	var at int
	if view == "slice" {
		if at, err = a.requireInt("at", -maxCoord, maxCoord); err != nil {
			return nil, fmt.Errorf("%w: the slice's level on axis %c (e.g. 0 for the ground)", err, axis)
		}
	}
	cells, err := a.int("max_size", defaultSliceCells, minSliceCells, maxSliceCells)
	if err != nil {
		return nil, err
	}
	area, err := optionalBox(a)
	if err != nil {
		return nil, err
	}
	if area != nil && view == "slice" {
		// from/to bound the two other axes; the slice is always at "at".
		b := *area
		switch axis {
		case 'x':
			b.Min.X, b.Max.X = at, at
		case 'y':
			b.Min.Y, b.Max.Y = at, at
		default:
			b.Min.Z, b.Max.Z = at, at
		}
		area = &b
	}
	var vol *analyze.Volume
	var layer int
	var lerr error
	var model voxel.Box
	d.Project.Read(func(s *voxel.Scene) {
		vol, layer, lerr = selectVolume(a, s, area)
		model = s.Box()
	})
	if lerr != nil {
		return nil, lerr
	}
	o := sliceOutput{View: view, Layer: layer, Legend: map[string]string{}, Rows: []string{}}
	box := vol.Box()
	if area == nil {
		if box.Empty() {
			return structured("The scene shown is empty: nothing to slice.", o), nil
		}
		area = &box
	}
	var g analyze.Grid
	var chars []byte
	if view == "heightmap" {
		g = analyze.Heightmap(vol, *area, cells)
		chars = heightCells(g, o.Legend)
	} else {
		o.Axis, o.At = axisName, &at
		g = analyze.Slice(vol, axis, at, *area, cells)
		chars = colorCells(g, o.Legend)
	}
	o.Width, o.Height, o.Downsampled = g.Cols, g.Rows, g.Step > 1
	o.Columns = sliceAxis{string(g.ColAxis), g.ColFrom, g.ColFrom + (g.Cols-1)*g.Step, g.Step}
	o.RowAxis = sliceAxis{string(g.RowAxis), g.RowFrom, g.RowFrom - (g.Rows-1)*g.Step, -g.Step}
	for r := range g.Rows {
		row := chars[r*g.Cols : (r+1)*g.Cols]
		o.Rows = append(o.Rows, string(row))
		for _, c := range row {
			if c != '.' {
				o.Filled++
			}
		}
	}
	msg := sliceText(o, g)
	if o.Filled == 0 && !model.Empty() {
		lo, hi := model.Min.Z, model.Max.Z
		switch axis {
		case 'x':
			lo, hi = model.Min.X, model.Max.X
		case 'y':
			lo, hi = model.Min.Y, model.Max.Y
		}
		msg += fmt.Sprintf("\nNothing here: the model spans %c=%d..%d and its bounding box is %v.", axis, lo, hi, model)
	}
	return &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent(msg)}, StructuredContent: o}, nil
}

// colorCells gives each colour a character, most used first.
func colorCells(g analyze.Grid, legend map[string]string) []byte {
	counts := map[color.NRGBA]int{}
	for _, c := range g.Colors {
		if c.A != 0 {
			counts[c]++
		}
	}
	type entry struct {
		c color.NRGBA
		n int
	}
	order := make([]entry, 0, len(counts))
	for c, n := range counts {
		order = append(order, entry{c, n})
	}
	slices.SortFunc(order, func(a, b entry) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return cmp.Compare(FormatColor(a.c), FormatColor(b.c))
	})
	char := make(map[color.NRGBA]byte, len(order))
	others := 0
	for i, e := range order {
		if i < len(legendChars) {
			char[e.c] = legendChars[i]
			legend[string(legendChars[i])] = FormatColor(e.c)
		} else {
			char[e.c] = otherChar
			others++
		}
	}
	if others > 0 {
		legend[string(otherChar)] = fmt.Sprintf("any of %d other colours", others)
	}
	out := make([]byte, len(g.Colors))
	for i, c := range g.Colors {
		out[i] = '.'
		if c.A != 0 {
			out[i] = char[c]
		}
	}
	return out
}

// heightCells gives each height (or band of heights) a character.
func heightCells(g analyze.Grid, legend map[string]string) []byte {
	lo, hi := math.MaxInt, math.MinInt
	for _, h := range g.Heights {
		if h != math.MinInt {
			lo, hi = min(lo, h), max(hi, h)
		}
	}
	out := make([]byte, len(g.Heights))
	band := 1
	if lo <= hi {
		band = (hi-lo)/len(heightChars) + 1
	}
	for i, h := range g.Heights {
		out[i] = '.'
		if h == math.MinInt {
			continue
		}
		k := (h - lo) / band
		out[i] = heightChars[k]
		if band == 1 {
			legend[string(heightChars[k])] = fmt.Sprintf("z=%d", h)
		} else {
			legend[string(heightChars[k])] = fmt.Sprintf("z=%d..%d", lo+k*band, lo+(k+1)*band-1)
		}
	}
	return out
}

// sliceText draws the grid with axis labels: a ruler of column
// coordinates above, each row's coordinate on the left.
func sliceText(o sliceOutput, g analyze.Grid) string {
	var b strings.Builder
	what := "the visible layers"
	if o.Layer != 0 {
		what = fmt.Sprintf("layer %d", o.Layer)
	}
	if o.View == "heightmap" {
		fmt.Fprintf(&b, "Heightmap of %s seen from above: each cell is the top z of its column.", what)
	} else {
		fmt.Fprintf(&b, "Slice %s=%d of %s.", o.Axis, *o.At, what)
	}
	fmt.Fprintf(&b, " Columns: %s %d→%d left to right; rows: %s %d→%d top to bottom; %d of %d cells filled.",
		o.Columns.Axis, o.Columns.From, o.Columns.To, o.RowAxis.Axis, o.RowAxis.From, o.RowAxis.To, o.Filled, g.Cols*g.Rows)
	if o.Downsampled {
		fmt.Fprintf(&b, " Downsampled: each cell covers %d×%d positions (at most %d cells per side; narrow from/to for full detail).", g.Step, g.Step, max(g.Cols, g.Rows))
	}
	keys := make([]string, 0, len(o.Legend))
	for k := range o.Legend {
		keys = append(keys, k)
	}
	alphabet := legendChars + string(otherChar)
	if o.View == "heightmap" {
		alphabet = heightChars
	}
	slices.SortFunc(keys, func(x, y string) int {
		return cmp.Compare(strings.IndexByte(alphabet, x[0]), strings.IndexByte(alphabet, y[0]))
	})
	b.WriteString("\nLegend: . empty")
	for _, k := range keys {
		fmt.Fprintf(&b, ", %s %s", k, o.Legend[k])
	}
	labelW := 0
	for r := range g.Rows {
		labelW = max(labelW, len(strconv.Itoa(g.RowFrom-r*g.Step)))
	}
	// Ruler: a column coordinate every 10 columns (5 when narrow), starting
	// at its column, never overlapping the previous label.
	every := 10
	if g.Cols <= 40 {
		every = 5
	}
	ruler := []byte(strings.Repeat(" ", g.Cols+8))
	free := 0
	for c := 0; c < g.Cols; c += every {
		lbl := strconv.Itoa(g.ColFrom + c*g.Step)
		if c < free {
			continue
		}
		copy(ruler[c:], lbl)
		free = c + len(lbl) + 1
	}
	fmt.Fprintf(&b, "\n%*s %s", labelW+1, o.Columns.Axis, strings.TrimRight(string(ruler), " "))
	for r, row := range o.Rows {
		fmt.Fprintf(&b, "\n%*d %s", labelW+1, g.RowFrom-r*g.Step, row)
	}
	return b.String()
}
