package vox

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"image/color"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Config describes a file without building its scene.
type Config struct {
	Version int       // 150 or 200
	Models  int       // SIZE/XYZI pairs
	Voxels  int       // sum of the XYZI counts (before instancing and overlap)
	Size    voxel.Pos // the largest model extent on each axis
}

// DecodeConfig reads the header and the model sizes and voxel counts only.
func DecodeConfig(r io.Reader) (Config, error) {
	d := &decoder{r: buffered(r), configOnly: true}
	if err := d.read(); err != nil {
		return Config{}, err
	}
	return d.cfg, nil
}

// Decode reads a MagicaVoxel file into a new scene with DefaultLimits.
func Decode(r io.Reader) (*voxel.Scene, error) {
	return DecodeLimits(r, DefaultLimits)
}

// DecodeLimits is Decode with caller-chosen limits.
func DecodeLimits(r io.Reader, lim Limits) (*voxel.Scene, error) {
	d := &decoder{r: buffered(r), nodes: map[int32]*node{}}
	if err := d.read(); err != nil {
		return nil, err
	}
	return d.build(lim)
}

type model struct {
	size [3]int
	xyzi []byte // 4 bytes per voxel: x, y, z, colour index
}

type node struct {
	kind     string // idnTRN, idnGRP or idnSHP
	attrs    map[string]string
	child    int32             // nTRN
	layer    int32             // nTRN
	frame    map[string]string // nTRN: attributes of the first frame
	children []int32           // nGRP
	model    int32             // nSHP: the first model (frame 0)
}

type layerChunk struct {
	id     int32
	name   string
	named  bool
	hidden bool
}

type decoder struct {
	r          io.Reader
	configOnly bool
	cfg        Config

	pack       int // models announced by PACK, 0 when absent
	models     []model
	size       [3]int
	hasSize    bool
	palette    [256]color.NRGBA
	hasPalette bool
	nodes      map[int32]*node
	layers     []layerChunk
}

var le = binary.LittleEndian

func truncated(what string) error {
	return FormatError("truncated " + what)
}

// readN reads exactly n bytes, growing the buffer as data arrives so that
// a size taken from the file never allocates more than the file holds.
func readN(r io.Reader, n uint32, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(n)))
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", what, err)
	}
	if len(b) != int(n) {
		return nil, truncated(what)
	}
	return b, nil
}

func skipN(r io.Reader, n int64, what string) error {
	if n == 0 {
		return nil
	}
	m, err := io.CopyN(io.Discard, r, n)
	if m != n {
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("failed to read %s: %w", what, err)
		}
		return truncated(what)
	}
	return nil
}

func (d *decoder) read() error {
	var hdr [8]byte
	if _, err := io.ReadFull(d.r, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return FormatError("not a MagicaVoxel file: shorter than its 8-byte header")
		}
		return fmt.Errorf("failed to read header: %w", err)
	}
	if string(hdr[:4]) != magic {
		if isSLAB6(hdr, d.r) {
			return UnsupportedError("this is a SLAB6 .vox (headerless: three int32 dimensions, one colour index per voxel, a 768-byte palette), not MagicaVoxel; only MagicaVoxel .vox files (magic \"VOX \") are read: convert it with a tool that reads SLAB6, such as vengi's voxconvert")
		}
		return FormatError(fmt.Sprintf("not a MagicaVoxel file: magic is %q, want %q", hdr[:4], magic))
	}
	v := le.Uint32(hdr[4:])
	if v < versionMin || v > versionMax {
		return UnsupportedError(fmt.Sprintf("version %d (want %d to %d)", v, versionMin, versionMax))
	}
	d.cfg.Version = int(v)

	var ch [chunkHeaderSize]byte
	if _, err := io.ReadFull(d.r, ch[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return truncated("MAIN chunk header")
		}
		return fmt.Errorf("failed to read MAIN chunk: %w", err)
	}
	if string(ch[:4]) != idMAIN {
		return FormatError(fmt.Sprintf("first chunk is %q, want %q", ch[:4], idMAIN))
	}
	if err := skipN(d.r, int64(le.Uint32(ch[4:])), "MAIN content"); err != nil {
		return err
	}
	rem := int64(le.Uint32(ch[8:]))
	chunks := 0
	for rem > 0 {
		if chunks++; chunks > maxChunks {
			return UnsupportedError(fmt.Sprintf("more than %d chunks in MAIN", maxChunks))
		}
		if rem < chunkHeaderSize {
			return FormatError(fmt.Sprintf("%d stray bytes at the end of MAIN", rem))
		}
		if _, err := io.ReadFull(d.r, ch[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return truncated("chunk header")
			}
			return fmt.Errorf("failed to read chunk header: %w", err)
		}
		id := string(ch[:4])
		n, m := le.Uint32(ch[4:]), le.Uint32(ch[8:])
		if size := chunkHeaderSize + int64(n) + int64(m); size > rem {
			return FormatError(fmt.Sprintf("chunk %q of %d bytes exceeds MAIN (%d bytes left)", id, size, rem))
		}
		rem -= chunkHeaderSize + int64(n) + int64(m)
		if err := d.chunk(id, n); err != nil {
			return err
		}
		// Only MAIN has children in any known file; others' are skipped.
		if err := skipN(d.r, int64(m), id+" children"); err != nil {
			return err
		}
	}
	if d.hasSize {
		return FormatError("SIZE chunk without its XYZI chunk")
	}
	d.cfg.Models = len(d.models)
	return nil
}

func (d *decoder) chunk(id string, n uint32) error {
	r := d.r
	switch id {
	case idXYZI:
		if !d.hasSize {
			return FormatError("XYZI chunk without a SIZE chunk before it")
		}
		d.hasSize = false
		if n < 4 {
			return FormatError(fmt.Sprintf("XYZI chunk of %d bytes has no voxel count", n))
		}
		var c [4]byte
		if _, err := io.ReadFull(r, c[:]); err != nil {
			return truncated("XYZI chunk")
		}
		count := le.Uint32(c[:])
		if uint64(count)*4 > uint64(n-4) {
			return FormatError(fmt.Sprintf("XYZI count %d exceeds its %d-byte chunk", count, n))
		}
		d.cfg.Voxels += int(count)
		if len(d.models) >= maxModels {
			return UnsupportedError(fmt.Sprintf("more than %d models (SIZE/XYZI pairs)", maxModels))
		}
		d.models = append(d.models, model{size: d.size})
		if d.configOnly {
			return skipN(r, int64(n-4), "XYZI chunk")
		}
		b, err := readN(r, count*4, "XYZI chunk")
		if err != nil {
			return err
		}
		d.models[len(d.models)-1].xyzi = b
		return skipN(r, int64(n-4-count*4), "XYZI chunk")
	case idSIZE, idPACK, idRGBA, idnTRN, idnGRP, idnSHP, idLAYR:
	case idTDCZ:
		return UnsupportedError("Teardown compressed voxel chunk TDCZ (zlib, written by Teardown's Voxtool): only plain MagicaVoxel XYZI voxel chunks are read; open and re-save the file in MagicaVoxel first")
	default:
		return skipN(r, int64(n), id+" chunk")
	}
	if d.configOnly && id != idSIZE {
		return skipN(r, int64(n), id+" chunk")
	}
	b, err := readN(r, n, id+" chunk")
	if err != nil {
		return err
	}
	c := &cursor{b: b, what: id + " chunk"}
	switch id {
	case idSIZE:
		if d.hasSize {
			return FormatError("SIZE chunk without its XYZI chunk")
		}
		for i := range d.size {
			v := c.u32()
			if c.err == nil && v > maxModelSize {
				return FormatError(fmt.Sprintf("model size %d exceeds %d", v, maxModelSize))
			}
			d.size[i] = int(v)
		}
		d.hasSize = true
		d.cfg.Size = voxel.Pos{X: max(d.cfg.Size.X, d.size[0]), Y: max(d.cfg.Size.Y, d.size[1]), Z: max(d.cfg.Size.Z, d.size[2])}
	case idPACK:
		d.pack = int(c.u32())
	case idRGBA:
		if len(b) < 4*(paletteSize-1) {
			return FormatError(fmt.Sprintf("RGBA chunk of %d bytes, want %d", len(b), 4*paletteSize))
		}
		for i := 1; i < paletteSize; i++ {
			e := b[4*(i-1):]
			col := color.NRGBA{R: e[0], G: e[1], B: e[2], A: e[3]}
			if col.A == 0 {
				// MagicaVoxel ignores palette alpha; a voxel must keep existing.
				col.A = 255
			}
			d.palette[i] = col
		}
		d.hasPalette = true
	case idnTRN:
		nd := &node{kind: id, model: -1}
		nodeID := c.i32()
		nd.attrs = c.dict()
		nd.child = c.i32()
		c.i32() // reserved
		nd.layer = c.i32()
		frames := c.i32()
		if c.err == nil && frames < 0 {
			return FormatError(fmt.Sprintf("nTRN node %d has %d frames", nodeID, frames))
		}
		best := 0
		for f := int32(0); f < frames && c.err == nil; f++ {
			attrs := c.dict()
			// Frame 0 is the keyframe with the smallest _f (0 when absent).
			if k := frameIndex(attrs); f == 0 || k < best {
				nd.frame, best = attrs, k
			}
		}
		return d.addNode(nodeID, nd, c)
	case idnGRP:
		nd := &node{kind: id, model: -1}
		nodeID := c.i32()
		nd.attrs = c.dict()
		k := c.count(4)
		for i := 0; i < k && c.err == nil; i++ {
			nd.children = append(nd.children, c.i32())
		}
		return d.addNode(nodeID, nd, c)
	case idnSHP:
		nd := &node{kind: id, model: -1}
		nodeID := c.i32()
		nd.attrs = c.dict()
		k := c.count(8)
		best := 0
		for i := 0; i < k && c.err == nil; i++ {
			mid := c.i32()
			attrs := c.dict()
			if f := frameIndex(attrs); i == 0 || f < best {
				nd.model, best = mid, f
			}
		}
		return d.addNode(nodeID, nd, c)
	case idLAYR:
		if len(d.layers) >= maxLayers {
			return UnsupportedError(fmt.Sprintf("more than %d LAYR chunks", maxLayers))
		}
		l := layerChunk{id: c.i32()}
		attrs := c.dict()
		l.name, l.named = attrs["_name"]
		l.hidden = attrs["_hidden"] == "1"
		if c.err != nil {
			return c.err
		}
		d.layers = append(d.layers, l)
	}
	return c.err
}

// frameIndex returns a frame DICT's _f (animation frame), 0 when absent.
func frameIndex(attrs map[string]string) int {
	f, err := strconv.Atoi(attrs["_f"])
	if err != nil {
		return 0
	}
	return f
}

// isSLAB6 reports whether the input is Ken Silverman's headerless SLAB6
// .vox: int32 x, y, z sizes (read as hdr and the next 4 bytes), x·y·z
// colour indices and a 768-byte palette, and nothing else.
func isSLAB6(hdr [8]byte, r io.Reader) bool {
	var zb [4]byte
	if _, err := io.ReadFull(r, zb[:]); err != nil {
		return false
	}
	x, y, z := int64(le.Uint32(hdr[:])), int64(le.Uint32(hdr[4:])), int64(le.Uint32(zb[:]))
	if x < 1 || y < 1 || z < 1 || x > 1024 || y > 1024 || z > 1024 {
		return false
	}
	want := x*y*z + 768
	n, _ := io.CopyN(io.Discard, r, want+1) // an error only shortens n
	return n == want
}

func (d *decoder) addNode(id int32, nd *node, c *cursor) error {
	if c.err != nil {
		return c.err
	}
	if len(d.nodes) >= maxNodes {
		return UnsupportedError(fmt.Sprintf("more than %d scene-graph nodes", maxNodes))
	}
	if _, dup := d.nodes[id]; dup {
		return FormatError(fmt.Sprintf("scene-graph node id %d used twice", id))
	}
	d.nodes[id] = nd
	return nil
}

// cursor reads little-endian values from a chunk's content; the first
// failure sticks in err and later reads return zero values.
type cursor struct {
	b    []byte
	what string
	err  error
}

func (c *cursor) fail() {
	if c.err == nil {
		c.err = truncated(c.what)
	}
	c.b = nil
}

func (c *cursor) u32() uint32 {
	if len(c.b) < 4 {
		c.fail()
		return 0
	}
	v := le.Uint32(c.b)
	c.b = c.b[4:]
	return v
}

func (c *cursor) i32() int32 { return int32(c.u32()) }

// count reads a count of items of at least minSize bytes each and checks
// that they fit in the rest of the chunk.
func (c *cursor) count(minSize int) int {
	v := c.u32()
	if c.err != nil {
		return 0
	}
	if uint64(v)*uint64(minSize) > uint64(len(c.b)) {
		c.err = FormatError(fmt.Sprintf("count %d exceeds the rest of the %s (%d bytes)", v, c.what, len(c.b)))
		c.b = nil
		return 0
	}
	return int(v)
}

func (c *cursor) str() string {
	n := c.count(1)
	if c.err != nil {
		return ""
	}
	s := string(c.b[:n])
	c.b = c.b[n:]
	return s
}

func (c *cursor) dict() map[string]string {
	n := c.count(8)
	if c.err != nil {
		return nil
	}
	if n > maxDictPairs {
		c.err = FormatError(fmt.Sprintf("DICT of %d pairs in %s", n, c.what))
		return nil
	}
	m := make(map[string]string, n)
	for range n {
		k := c.str()
		m[k] = c.str()
	}
	return m
}

// transform is an affine map of the scene graph: x ↦ rot·x + t, where x is
// a point in space (not a voxel index).
type transform struct {
	rot [3][3]int
	t   [3]int
}

var identity = transform{rot: [3][3]int{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}}

// then returns the transform applying u first, then a.
func (a transform) then(u transform) transform {
	var out transform
	for i := range 3 {
		for j := range 3 {
			for k := range 3 {
				out.rot[i][j] += a.rot[i][k] * u.rot[k][j]
			}
		}
		out.t[i] = a.t[i]
		for k := range 3 {
			out.t[i] += a.rot[i][k] * u.t[k]
		}
	}
	return out
}

// place returns the world voxel of model voxel p in a model of the given
// size. The voxel is the unit cube [p, p+1]; the model's pivot is the grid
// vertex floor(size/2), which the transform takes to t. The world voxel is
// the one the transformed cube fills: floor(rot·(p + ½ − floor(size/2)) + t).
// On each world axis whose row of rot is negative (an axis the rotation
// flips) that is one less than rot·(p − floor(size/2)) + t.
func (a transform) place(p, size [3]int) voxel.Pos {
	var w [3]int
	for i := range 3 {
		w[i] = a.t[i]
		for j := range 3 {
			r := a.rot[i][j]
			w[i] += r * (p[j] - size[j]/2)
			if r < 0 {
				w[i]-- // the cube's far corner lands on the lower side
			}
		}
	}
	return voxel.Pos{X: w[0], Y: w[1], Z: w[2]}
}

// maxTranslation keeps sums of translations far from overflow; world
// positions are checked against maxExtent after placement.
const maxTranslation = 1 << 24

// parseFrame reads a frame's _t (translation) and _r (packed rotation).
func parseFrame(f map[string]string) (transform, error) {
	tr := identity
	if s, ok := f["_t"]; ok {
		fields := strings.Fields(s)
		if len(fields) != 3 {
			return tr, FormatError(fmt.Sprintf("translation %q is not three integers", s))
		}
		for i, fs := range fields {
			v, err := strconv.Atoi(fs)
			if err != nil || v < -maxTranslation || v > maxTranslation {
				return tr, FormatError(fmt.Sprintf("translation %q is not three integers within ±%d", s, maxTranslation))
			}
			tr.t[i] = v
		}
	}
	if s, ok := f["_r"]; ok {
		v, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || v < 0 || v > 255 {
			return tr, FormatError(fmt.Sprintf("rotation %q is not a byte", s))
		}
		rot, ok := unpackRotation(uint8(v))
		if !ok {
			return tr, FormatError(fmt.Sprintf("rotation byte %d is not a signed permutation", v))
		}
		tr.rot = rot
	}
	return tr, nil
}

// unpackRotation decodes the ROTATION type: bits 0-1 and 2-3 give the
// column of the non-zero entry in rows 0 and 1, bits 4, 5, 6 the signs of
// rows 0, 1, 2 (1 is negative).
func unpackRotation(b uint8) ([3][3]int, bool) {
	var m [3][3]int
	c0, c1 := int(b&3), int(b>>2&3)
	if c0 > 2 || c1 > 2 || c0 == c1 {
		return m, false
	}
	cols := [3]int{c0, c1, 3 - c0 - c1}
	for row, col := range cols {
		m[row][col] = 1
		if b>>(4+row)&1 == 1 {
			m[row][col] = -1
		}
	}
	return m, true
}

// packRotation is the inverse of unpackRotation.
func packRotation(m [3][3]int) uint8 {
	var b uint8
	for row := range 3 {
		for col := range 3 {
			if m[row][col] == 0 {
				continue
			}
			if row < 2 {
				b |= uint8(col) << (2 * row)
			}
			if m[row][col] < 0 {
				b |= 1 << (4 + row)
			}
		}
	}
	return b
}

// placement is one instance of a model in the world.
type placement struct {
	model  int
	tr     transform
	layer  int32 // MagicaVoxel layer id, or the model index without a scene graph
	hidden bool  // under a node with _hidden=1
}

func hiddenAttr(attrs map[string]string) bool { return attrs["_hidden"] == "1" }

// placements walks the scene graph from root node 0 depth first, children
// in file order; the order of the result is the drawing order.
func (d *decoder) placements() ([]placement, error) {
	root, ok := d.nodes[0]
	if !ok {
		return nil, FormatError("scene graph without root node 0")
	}
	var out []placement
	visits := 0
	var walk func(nd *node, id int32, tr transform, layer int32, hidden bool, depth int) error
	walk = func(nd *node, id int32, tr transform, layer int32, hidden bool, depth int) error {
		visits++
		if depth > maxDepth {
			return UnsupportedError(fmt.Sprintf("scene graph nested deeper than %d (or cyclic) at node %d", maxDepth, id))
		}
		if visits > 4*maxPlacements {
			return UnsupportedError(fmt.Sprintf("scene graph visits more than %d nodes", 4*maxPlacements))
		}
		hidden = hidden || hiddenAttr(nd.attrs)
		switch nd.kind {
		case idnTRN:
			ft, err := parseFrame(nd.frame)
			if err != nil {
				return err
			}
			if nd.layer >= 0 {
				layer = nd.layer
			}
			child, ok := d.nodes[nd.child]
			if !ok {
				return FormatError(fmt.Sprintf("nTRN node %d points to missing node %d", id, nd.child))
			}
			return walk(child, nd.child, tr.then(ft), layer, hidden, depth+1)
		case idnGRP:
			for _, cid := range nd.children {
				child, ok := d.nodes[cid]
				if !ok {
					return FormatError(fmt.Sprintf("nGRP node %d points to missing node %d", id, cid))
				}
				if err := walk(child, cid, tr, layer, hidden, depth+1); err != nil {
					return err
				}
			}
		case idnSHP:
			if nd.model < 0 {
				return nil // a shape without models
			}
			if int(nd.model) >= len(d.models) {
				return FormatError(fmt.Sprintf("nSHP node %d points to model %d of %d", id, nd.model, len(d.models)))
			}
			if len(out) >= maxPlacements {
				return UnsupportedError(fmt.Sprintf("more than %d model instances", maxPlacements))
			}
			out = append(out, placement{model: int(nd.model), tr: tr, layer: max(layer, 0), hidden: hidden})
		}
		return nil
	}
	return out, walk(root, 0, identity, -1, false, 0)
}

// layerKey names a layer of the decoded scene: a MagicaVoxel layer, split
// in two when some of its instances sit under hidden nodes.
type layerKey struct {
	id     int32
	hidden bool // the instances under hidden nodes
}

// sceneLayer is one layer of the decoded scene.
type sceneLayer struct {
	key    layerKey
	name   string
	hidden bool
}

// checkExtent refuses a placement reaching beyond ±maxExtent.
func checkExtent(p placement, m *model) error {
	if m.size[0] == 0 || m.size[1] == 0 || m.size[2] == 0 {
		return nil
	}
	a := p.tr.place([3]int{}, m.size)
	b := p.tr.place([3]int{m.size[0] - 1, m.size[1] - 1, m.size[2] - 1}, m.size)
	lo := voxel.Pos{X: min(a.X, b.X), Y: min(a.Y, b.Y), Z: min(a.Z, b.Z)}
	hi := voxel.Pos{X: max(a.X, b.X), Y: max(a.Y, b.Y), Z: max(a.Z, b.Z)}
	if lo.X < -maxExtent || lo.Y < -maxExtent || lo.Z < -maxExtent || hi.X > maxExtent || hi.Y > maxExtent || hi.Z > maxExtent {
		return UnsupportedError(fmt.Sprintf("model %d is placed at x %d..%d, y %d..%d, z %d..%d, outside the supported extent of ±%d on each axis",
			p.model, lo.X, hi.X, lo.Y, hi.Y, lo.Z, hi.Z, maxExtent))
	}
	return nil
}

func (d *decoder) build(lim Limits) (*voxel.Scene, error) {
	pal := &d.palette
	if !d.hasPalette {
		for i := range paletteSize {
			pal[i] = defaultColor(uint8(i))
		}
	}
	var (
		places []placement
		layers []sceneLayer
	)
	if len(d.nodes) > 0 {
		var err error
		if places, err = d.placements(); err != nil {
			return nil, err
		}
		byID := map[int32]layerChunk{}
		for _, l := range d.layers {
			byID[l.id] = l
		}
		// A layer per MagicaVoxel layer holding voxels or named, plus one
		// hidden layer per MagicaVoxel layer for instances under hidden
		// nodes (kept, but not drawn or exported as a mesh).
		keys := map[layerKey]bool{}
		for _, p := range places {
			if len(d.models[p.model].xyzi) > 0 {
				keys[layerKey{p.layer, p.hidden}] = true
			}
		}
		for _, l := range d.layers {
			if l.named && l.id >= 0 {
				keys[layerKey{id: l.id}] = true
			}
		}
		if len(keys) > maxLayers {
			return nil, UnsupportedError(fmt.Sprintf("scene needs %d layers; at most %d are read", len(keys), maxLayers))
		}
		for k := range keys {
			l := byID[k.id]
			name := l.name
			if !l.named {
				name = fmt.Sprintf("Layer %d", k.id)
			}
			if k.hidden {
				name += " (hidden objects)"
			}
			layers = append(layers, sceneLayer{key: k, name: name, hidden: l.hidden || k.hidden})
		}
		slices.SortFunc(layers, func(a, b sceneLayer) int {
			return cmp.Or(cmp.Compare(a.key.id, b.key.id), cmp.Compare(btoi(a.key.hidden), btoi(b.key.hidden)))
		})
	} else {
		// Without a scene graph every model holding voxels is a layer; PACK
		// marks them as animation frames, of which only the first stays
		// visible. Empty models make no layer.
		for i, m := range d.models {
			if len(m.xyzi) == 0 && len(d.models) > 1 {
				continue
			}
			name := voxel.DefaultLayerName
			switch {
			case d.pack > 0:
				name = fmt.Sprintf("Frame %d", i+1)
			case len(d.models) > 1:
				name = fmt.Sprintf("Model %d", i+1)
			}
			k := layerKey{id: int32(i)}
			layers = append(layers, sceneLayer{key: k, name: name, hidden: d.pack > 0 && len(layers) > 0})
			places = append(places, placement{model: i, tr: identity, layer: int32(i)})
		}
	}

	s := voxel.NewEmpty()
	ids := map[layerKey]int{}
	for _, l := range layers {
		id := s.AddLayer(s.Budget().ClipName(l.name))
		if id == 0 {
			return nil, s.Err()
		}
		ids[l.key] = id
		if l.hidden {
			if err := s.SetVisible(id, false); err != nil {
				return nil, err
			}
		}
	}
	if len(layers) == 0 {
		s.AddLayer(voxel.DefaultLayerName)
	}
	b := newBuilder(s, lim)
	for _, p := range places {
		m := &d.models[p.model]
		if len(m.xyzi) == 0 {
			continue
		}
		if err := checkExtent(p, m); err != nil {
			return nil, err
		}
		layer := ids[layerKey{p.layer, p.hidden}]
		if err := b.Spend(len(m.xyzi) / 4); err != nil {
			return nil, err
		}
		for i := 0; i+4 <= len(m.xyzi); i += 4 {
			v := m.xyzi[i : i+4 : i+4]
			if v[3] == 0 {
				continue // index 0 is empty
			}
			// Voxels outside SIZE are kept, placed by the same rule.
			pos := p.tr.place([3]int{int(v[0]), int(v[1]), int(v[2])}, m.size)
			if err := b.Set(layer, pos, pal[v[3]]); err != nil {
				return nil, err
			}
		}
	}
	if err := s.SelectLayer(s.Layers()[0].ID); err != nil {
		return nil, err
	}
	return s, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// buffered wraps r in a bufio.Reader unless it is already buffered, since
// decoding reads many small headers.
func buffered(r io.Reader) io.Reader {
	if _, ok := r.(io.ByteReader); ok {
		return r
	}
	return bufio.NewReaderSize(r, 64<<10)
}
