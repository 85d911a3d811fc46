package vox

import (
	"bytes"
	"flag"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

var updateScenegraph = flag.Bool("update-scenegraph", false, "rewrite testdata/scenegraph/*.vox from the generator")

// This file holds the reference suite for the scene graph: a generator of
// .vox files (every signed axis permutation of _r on odd, even and mixed
// model sizes, flat and nested, instancing, hidden nodes and layers,
// overlap, animation) and refVoxels, a small reference reader written
// apart from the codec, that places voxels the way vengi, voxel-io and
// VoxReader document MagicaVoxel's rule: with float matrices,
// world = floor(M · (p + ½ − floor(size/2))), M the product of the frame-0
// transforms from the root down. Decode must agree with it voxel for voxel.

// refVoxels returns the visible world voxels of a .vox file: nodes with
// _hidden=1 and hidden layers are left out; where instances overlap, the
// later one in the depth-first walk wins, and across layers the one in the
// higher layer id (as the decoded scene stacks its layers).
func refVoxels(t testing.TB, data []byte) testmodels.Voxels {
	t.Helper()
	type refModel struct {
		size [3]int
		xyzi []byte
	}
	type refNode struct {
		kind     string
		attrs    map[string]string
		frames   []map[string]string
		child    int32
		layer    int32
		children []int32
		models   []int32
		modelF   []int
	}
	var models []refModel
	var pal [256]color.NRGBA
	for i := range pal {
		pal[i] = defaultColor(uint8(i))
	}
	nodes := map[int32]*refNode{}
	hiddenLayers := map[int32]bool{}
	rd := func(b []byte, o *int) int32 { v := int32(le.Uint32(b[*o:])); *o += 4; return v }
	rdict := func(b []byte, o *int) map[string]string {
		m := map[string]string{}
		for n := rd(b, o); n > 0; n-- {
			kl := int(rd(b, o))
			k := string(b[*o : *o+kl])
			*o += kl
			vl := int(rd(b, o))
			m[k] = string(b[*o : *o+vl])
			*o += vl
		}
		return m
	}
	require.Equal(t, "VOX ", string(data[:4]))
	var size [3]int
	pack := false
	for o := 20; o+12 <= len(data); {
		id := string(data[o : o+4])
		n := int(le.Uint32(data[o+4:]))
		c := data[o+12 : o+12+n]
		o += 12 + n + int(le.Uint32(data[o+8:]))
		p := 0
		switch id {
		case "PACK":
			pack = true
		case "SIZE":
			size = [3]int{int(rd(c, &p)), int(rd(c, &p)), int(rd(c, &p))}
		case "XYZI":
			cnt := int(rd(c, &p))
			models = append(models, refModel{size, c[4 : 4+4*cnt]})
		case "RGBA":
			for i := 1; i < 256; i++ {
				pal[i] = color.NRGBA{c[4*i-4], c[4*i-3], c[4*i-2], c[4*i-1]}
				if pal[i].A == 0 {
					pal[i].A = 255
				}
			}
		case "nTRN":
			nd := &refNode{kind: id}
			nid := rd(c, &p)
			nd.attrs = rdict(c, &p)
			nd.child = rd(c, &p)
			rd(c, &p)
			nd.layer = rd(c, &p)
			for f := rd(c, &p); f > 0; f-- {
				nd.frames = append(nd.frames, rdict(c, &p))
			}
			nodes[nid] = nd
		case "nGRP":
			nd := &refNode{kind: id}
			nid := rd(c, &p)
			nd.attrs = rdict(c, &p)
			for k := rd(c, &p); k > 0; k-- {
				nd.children = append(nd.children, rd(c, &p))
			}
			nodes[nid] = nd
		case "nSHP":
			nd := &refNode{kind: id}
			nid := rd(c, &p)
			nd.attrs = rdict(c, &p)
			for k := rd(c, &p); k > 0; k-- {
				nd.models = append(nd.models, rd(c, &p))
				f, _ := strconv.Atoi(rdict(c, &p)["_f"])
				nd.modelF = append(nd.modelF, f)
			}
			nodes[nid] = nd
		case "LAYR":
			lid := rd(c, &p)
			hiddenLayers[lid] = rdict(c, &p)["_hidden"] == "1"
		}
	}
	type mat [4][4]float64
	mul := func(a, b mat) mat {
		var out mat
		for i := range 4 {
			for j := range 4 {
				for k := range 4 {
					out[i][j] += a[i][k] * b[k][j]
				}
			}
		}
		return out
	}
	frameMatrix := func(f map[string]string) mat {
		m := mat{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}
		if s, ok := f["_r"]; ok {
			b, _ := strconv.Atoi(s)
			m = mat{{}, {}, {}, {0, 0, 0, 1}}
			c0, c1 := b&3, b>>2&3
			cols := []int{c0, c1, 3 - c0 - c1}
			for row, col := range cols {
				m[row][col] = 1 - 2*float64(b>>(4+row)&1)
			}
		}
		if s, ok := f["_t"]; ok {
			for i, fs := range strings.Fields(s) {
				v, _ := strconv.Atoi(fs)
				m[i][3] = float64(v)
			}
		}
		return m
	}
	type inst struct {
		model int32
		m     mat
		layer int32
	}
	var insts []inst
	var walk func(id int32, m mat, layer int32)
	walk = func(id int32, m mat, layer int32) {
		nd := nodes[id]
		if nd.attrs["_hidden"] == "1" {
			return
		}
		switch nd.kind {
		case "nTRN":
			f := map[string]string{}
			bestF := math.MaxInt
			for _, fr := range nd.frames {
				k, _ := strconv.Atoi(fr["_f"])
				if k < bestF {
					f, bestF = fr, k
				}
			}
			if nd.layer >= 0 {
				layer = nd.layer
			}
			walk(nd.child, mul(m, frameMatrix(f)), layer)
		case "nGRP":
			for _, c := range nd.children {
				walk(c, m, layer)
			}
		case "nSHP":
			best := 0
			for i := range nd.models {
				if nd.modelF[i] < nd.modelF[best] {
					best = i
				}
			}
			insts = append(insts, inst{nd.models[best], m, max(layer, 0)})
		}
	}
	if len(nodes) == 0 {
		// Without a scene graph every model shows, except that PACK makes
		// them animation frames, of which the first shows.
		for i := range models {
			if pack && i > 0 {
				break
			}
			insts = append(insts, inst{int32(i), mat{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}, 0})
		}
	} else {
		walk(0, mat{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}, -1)
	}
	slices.SortStableFunc(insts, func(a, b inst) int { return int(a.layer - b.layer) })
	out := testmodels.Voxels{}
	for _, in := range insts {
		if hiddenLayers[in.layer] {
			continue
		}
		md := models[in.model]
		for i := 0; i+4 <= len(md.xyzi); i += 4 {
			v := md.xyzi[i : i+4]
			if v[3] == 0 {
				continue
			}
			var q [4]float64
			for a := range 3 {
				q[a] = float64(v[a]) + 0.5 - math.Floor(float64(md.size[a])/2)
			}
			q[3] = 1
			var w [3]int
			for r := range 3 {
				s := 0.0
				for k := range 4 {
					s += in.m[r][k] * q[k]
				}
				w[r] = int(math.Floor(s))
			}
			out[voxel.Pos{X: w[0], Y: w[1], Z: w[2]}] = pal[v[3]]
		}
	}
	return out
}

// visible flattens the visible layers of s as the renderer and the mesh
// exports see them.
func visible(s *voxel.Scene) testmodels.Voxels {
	out := testmodels.Voxels{}
	s.Snapshot().Each(func(p voxel.Pos, c color.NRGBA) bool {
		out[p] = c
		return true
	})
	return out
}

// Generator.

func dict(pairs ...string) []byte {
	out := u32s(uint32(len(pairs) / 2))
	for _, s := range pairs {
		out = append(append(out, u32s(uint32(len(s)))...), s...)
	}
	return out
}

// genTRN is an nTRN chunk; each frame is a list of key, value strings.
func genTRN(id, child, layer int32, attrs []string, frames ...[]string) []byte {
	out := append(u32s(uint32(id)), dict(attrs...)...)
	out = append(out, u32s(uint32(child), 0xffffffff, uint32(layer), uint32(len(frames)))...)
	for _, f := range frames {
		out = append(out, dict(f...)...)
	}
	return chunk("nTRN", out)
}

func genGRP(id int32, children ...int32) []byte {
	out := append(u32s(uint32(id)), dict()...)
	out = append(out, u32s(uint32(len(children)))...)
	for _, c := range children {
		out = append(out, u32s(uint32(c))...)
	}
	return chunk("nGRP", out)
}

// genSHP is an nSHP chunk; models are (model id, _f) pairs.
func genSHP(id int32, models ...[2]int) []byte {
	out := append(u32s(uint32(id)), dict()...)
	out = append(out, u32s(uint32(len(models)))...)
	for _, m := range models {
		out = append(out, u32s(uint32(m[0]))...)
		if m[1] < 0 {
			out = append(out, dict()...)
		} else {
			out = append(out, dict("_f", strconv.Itoa(m[1]))...)
		}
	}
	return chunk("nSHP", out)
}

// genModel is a SIZE and XYZI pair: an asymmetric pattern where every
// voxel's colour index tells its position, so that a mirrored or rotated
// placement cannot look right by accident.
func genModel(sx, sy, sz, salt int) []byte {
	var xyzi []byte
	for z := range sz {
		for y := range sy {
			for x := range sx {
				if (x+2*y+3*z+salt)%3 == 0 || (x == 0 && y == 0) {
					xyzi = append(xyzi, byte(x), byte(y), byte(z), byte(1+(x+sx*(y+sy*z)+salt*37)%254))
				}
			}
		}
	}
	return append(chunk("SIZE", u32s(uint32(sx), uint32(sy), uint32(sz))), chunk("XYZI", u32s(uint32(len(xyzi)/4)), xyzi)...)
}

// rotations lists the 48 signed axis permutations as _r bytes.
func rotations() []int {
	var out []int
	for _, perm := range [][3]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}} {
		for signs := range 8 {
			out = append(out, perm[0]|perm[1]<<2|signs<<4)
		}
	}
	return out
}

func tr(x, y, z int) string { return fmt.Sprintf("%d %d %d", x, y, z) }

// genRotations places one model of the given size under every rotation;
// nested puts each instance under two more transforms (rotated groups).
func genRotations(size [3]int, nested bool) []byte {
	chunks := [][]byte{genModel(size[0], size[1], size[2], 1)}
	var kids []int32
	next := int32(2)
	var nodes [][]byte
	for k, r := range rotations() {
		at := tr(k%8*20-70, k/8*20-50, (k%3)*7-5)
		id := next
		kids = append(kids, id)
		if !nested {
			nodes = append(nodes, genTRN(id, id+1, 0, nil, []string{"_r", strconv.Itoa(r), "_t", at}), genSHP(id+1, [2]int{0, -1}))
			next += 2
			continue
		}
		// group transform (rotation k) → group → inner transform (another
		// rotation, odd offset) → shape
		inner := rotations()[(k*7+5)%48]
		nodes = append(nodes,
			genTRN(id, id+1, 0, nil, []string{"_r", strconv.Itoa(r), "_t", at}),
			genGRP(id+1, id+2),
			genTRN(id+2, id+3, 0, nil, []string{"_r", strconv.Itoa(inner), "_t", tr(1, -2, 3)}),
			genSHP(id+3, [2]int{0, -1}))
		next += 4
	}
	root := []string{}
	if nested {
		root = []string{"_r", strconv.Itoa(rotations()[13]), "_t", tr(3, -1, 2)}
	}
	chunks = append(chunks, genTRN(0, 1, -1, nil, root), genGRP(1, kids...))
	chunks = append(chunks, nodes...)
	return file(chunks...)
}

// genFeatures covers instancing, hidden nodes and layers, overlap,
// animation frames and a shape with several models.
func genFeatures() []byte {
	return file(
		genModel(4, 3, 5, 1), // model 0
		genModel(3, 3, 3, 2), // model 1
		genModel(5, 2, 2, 3), // model 2
		genTRN(0, 1, -1, nil, nil),
		genGRP(1, 2, 4, 6, 8, 10, 12, 14, 16),
		// model 0 twice (instancing), the second rotated
		genTRN(2, 3, 0, []string{"_name", "a"}, []string{"_t", tr(0, 0, 0)}), genSHP(3, [2]int{0, -1}),
		genTRN(4, 5, 0, nil, []string{"_t", tr(10, 0, 0), "_r", "40"}), genSHP(5, [2]int{0, -1}),
		// hidden node: kept in a hidden layer, not drawn
		genTRN(6, 7, 0, []string{"_hidden", "1"}, []string{"_t", tr(20, 0, 0)}), genSHP(7, [2]int{1, -1}),
		// hidden layer 1
		genTRN(8, 9, 1, nil, []string{"_t", tr(30, 0, 0)}), genSHP(9, [2]int{1, -1}),
		// overlap: model 1 over model 0's first instance, later wins
		genTRN(10, 11, 0, nil, []string{"_t", tr(1, 0, 1)}), genSHP(11, [2]int{1, -1}),
		// animation: frame 0 is the keyframe with the smallest _f, not the first
		genTRN(12, 13, 0, nil, []string{"_f", "10", "_t", tr(99, 99, 99)}, []string{"_f", "0", "_t", tr(0, 20, 0), "_r", "17"}),
		genSHP(13, [2]int{0, -1}),
		// a shape with models per frame: model 2 is frame 0
		genTRN(14, 15, 2, nil, []string{"_t", tr(0, 40, 0)}), genSHP(15, [2]int{1, 5}, [2]int{2, 0}),
		// a hidden group: its whole subtree is hidden
		genTRN(16, 17, 0, []string{"_hidden", "1"}, []string{"_t", tr(0, 60, 0)}), genGRP(17, 18),
		genTRN(18, 19, 0, nil, []string{"_t", tr(1, 1, 1)}), genSHP(19, [2]int{2, -1}),
		chunk("LAYR", u32s(0), dict("_name", "base"), u32s(0xffffffff)),
		chunk("LAYR", u32s(1), dict("_name", "off", "_hidden", "1"), u32s(0xffffffff)),
		chunk("LAYR", u32s(2), dict(), u32s(0xffffffff)),
	)
}

// scenegraphCases maps each generated testdata file to its generator.
func scenegraphCases() map[string][]byte {
	out := map[string][]byte{"features.vox": genFeatures()}
	for name, size := range map[string][3]int{"odd": {3, 5, 7}, "even": {4, 6, 2}, "mixed": {3, 4, 6}} {
		out["rotations-"+name+".vox"] = genRotations(size, false)
		out["rotations-"+name+"-nested.vox"] = genRotations(size, true)
	}
	return out
}

func TestScenegraphTestdata(t *testing.T) {
	for name, data := range scenegraphCases() {
		path := filepath.Join("testdata", "scenegraph", name)
		if *updateScenegraph {
			require.NoError(t, os.WriteFile(path, data, 0o644))
		}
		got, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(data, got), "%s differs from its generator; run go test ./voxel/vox -run TestScenegraphTestdata -update-scenegraph", path)
	}
}

// TestScenegraphReference checks Decode against the reference on every
// generated file.
func TestScenegraphReference(t *testing.T) {
	for name := range scenegraphCases() {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "scenegraph", name))
			require.NoError(t, err)
			s, err := Decode(bytes.NewReader(data))
			require.NoError(t, err)
			want := refVoxels(t, data)
			require.NotEmpty(t, want)
			assert.Empty(t, testmodels.Diff(want, visible(s)))
		})
	}
}

// TestScenegraphOneVoxel pins the rule on the smallest cases, worked by
// hand: a 1×1×1 model at _t = 0 fills voxel (0,0,0) without rotation and
// voxel (-1,0,0) when the rotation flips X; a 2×1×1 model's voxels x=0,1
// are at -1 and 0, and mirrored they swap; a 3×1×1 model's voxels x=0,1,2
// are at -1, 0, 1 and mirrored at 0, -1, -2 (the pivot is the grid vertex
// at floor(3/2) = 1, not the centre of the middle voxel).
func TestScenegraphOneVoxel(t *testing.T) {
	flipX := strconv.Itoa(0 | 1<<2 | 1<<4)
	for _, tc := range []struct {
		sx   int
		r    string
		want []int // world x of voxels x = 0, 1, ...
	}{
		{1, "", []int{0}},
		{1, flipX, []int{-1}},
		{2, "", []int{-1, 0}},
		{2, flipX, []int{0, -1}},
		{3, "", []int{-1, 0, 1}},
		{3, flipX, []int{0, -1, -2}},
	} {
		var xyzi []byte
		for x := range tc.sx {
			xyzi = append(xyzi, byte(x), 0, 0, byte(x+1))
		}
		frame := []string{"_t", "0 0 0"}
		if tc.r != "" {
			frame = append(frame, "_r", tc.r)
		}
		data := file(chunk("SIZE", u32s(uint32(tc.sx), 1, 1)), chunk("XYZI", u32s(uint32(tc.sx)), xyzi),
			genTRN(0, 1, 0, nil, frame), genSHP(1, [2]int{0, -1}))
		s, err := Decode(bytes.NewReader(data))
		require.NoError(t, err)
		for x, wx := range tc.want {
			_, _, ok := s.Lookup(voxel.Pos{X: wx})
			assert.True(t, ok, "size %d rotation %q: voxel %d should be at x=%d", tc.sx, tc.r, x, wx)
			assert.Equal(t, defaultColor(uint8(x+1)), s.Get(s.Layers()[0].ID, voxel.Pos{X: wx}))
		}
		assert.Equal(t, tc.sx, s.Count())
	}
}

func TestScenegraphFeatures(t *testing.T) {
	s, err := Decode(bytes.NewReader(genFeatures()))
	require.NoError(t, err)
	var names []string
	for _, l := range s.Layers() {
		names = append(names, fmt.Sprintf("%s visible=%v", l.Name, l.Visible))
	}
	assert.Equal(t, []string{"base visible=true", "base (hidden objects) visible=false", "off visible=false", "Layer 2 visible=true"}, names)
	snap := visible(s)
	// Nothing of the hidden node (x 20), the hidden layer (x 30), the
	// hidden group (y 60) nor the frame-10 keyframe (99) is drawn.
	for p := range snap {
		assert.False(t, p.X >= 18 || p.Y >= 55, "hidden voxel drawn at %v", p)
	}
	// The hidden objects are kept in their hidden layer.
	hidden := s.Layers()[1]
	assert.Positive(t, hidden.Count)
	// Overlap: model 1 at (1,0,1) wins over model 0 where both have voxels.
	m1 := refVoxels(t, file(genModel(3, 3, 3, 2), genTRN(0, 1, 0, nil, []string{"_t", tr(1, 0, 1)}), genSHP(1, [2]int{0, -1})))
	for p, c := range m1 {
		assert.Equal(t, c, snap[p], "at %v the later instance wins", p)
	}
	// The shape's frame-0 model is model 2 (5×2×2), in layer 2.
	l2 := s.Layers()[3]
	assert.Equal(t, 5, l2.Box.Max.X-l2.Box.Min.X+1)
}

// TestScenegraphSamples checks real scene-graph files against the
// reference: these are the files Goxel 0.11 reads wrongly.
func TestScenegraphSamples(t *testing.T) {
	for _, tc := range samples {
		t.Run(tc.name, func(t *testing.T) {
			data, err := os.ReadFile(testmodels.Path(t, tc.name))
			require.NoError(t, err)
			s, err := Decode(bytes.NewReader(data))
			require.NoError(t, err)
			if len(s.Layers()) > 1 && !strings.HasPrefix(s.Layers()[1].Name, "Frame") {
				// several models without a scene graph are stacked as layers
				t.Logf("%d layers", len(s.Layers()))
			}
			assert.Empty(t, testmodels.Diff(refVoxels(t, data), visible(s)))
		})
	}
}

// TestScenegraphRoundTrip: open → save → open keeps the world voxels and
// the layers (names, hidden) of scene-graph files.
func TestScenegraphRoundTrip(t *testing.T) {
	for name, data := range scenegraphCases() {
		t.Run(name, func(t *testing.T) {
			s, err := Decode(bytes.NewReader(data))
			require.NoError(t, err)
			out := encode(t, s)
			s2, err := Decode(bytes.NewReader(out))
			require.NoError(t, err)
			assert.Empty(t, testmodels.Diff(testmodels.Merge(s), testmodels.Merge(s2)))
			assert.Empty(t, testmodels.Diff(visible(s), visible(s2)))
			assertSameLayers(t, s, s2)
			// The file we write is read the same by the reference.
			assert.Empty(t, testmodels.Diff(visible(s), refVoxels(t, out)))
		})
	}
}
