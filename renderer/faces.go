package renderer

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Face directions, in the order +X, -X, +Y, -Y, +Z, -Z. A direction's normal axis is dir/2 and its sign
// is + for even dir. The face's in-plane axes are u = (axis+1)%3 and v = (axis+2)%3.
const (
	dirPosX = iota
	dirNegX
	dirPosY
	dirNegY
	dirPosZ
	dirNegZ
)

// face is one exposed voxel face. Corners are numbered in the face's (u, v) plane:
// 0 = (0,0), 1 = (1,0), 2 = (1,1), 3 = (0,1).
type face struct {
	x, y, z    int32         // voxel position relative to the model's box minimum
	col        uint32        // packed R | G<<8 | B<<16, alpha dropped: every voxel renders opaque
	fill, line uint32        // the face's pixel, plain and on an outline, with the default look (uniform faces)
	lut        int32         // index in model.luts, or -1 (too many colours)
	code       [4]cornerCode // per-corner light: contact and wide occlusion, sun blocked (see cornerCode)
	dir        uint8
	edges      uint8 // outline flags: bit 0 edge u=0, bit 1 edge u=1, bit 2 edge v=0, bit 3 edge v=1
}

// uniform reports whether all four corners of f have the same light code.
func (f *face) uniform() bool {
	return f.code[0] == f.code[1] && f.code[0] == f.code[2] && f.code[0] == f.code[3]
}

// model is the camera-independent preparation of a snapshot: exposed faces with AO and outline flags,
// plus the ground shadow footprint. It is immutable once built and shared between renders.
type model struct {
	box    voxel.Box
	size   voxel.Pos // box size in voxels
	count  int       // voxel count
	faces  [6][]face
	luts   []shadeLUT // shade tables of the colours of faces with occluded corners, at most maxLUTs
	shadow *shadowMap

	// nearBackground is set when more than 2 % of the faces have a colour close to the default
	// background, which then gives way to a darker one.
	nearBackground bool

	occ *occupancy

	cullMu sync.Mutex
	culls  []cullEntry // hidden faces of recent lattice view directions

	silMu sync.Mutex
	sil   []silEntry // silhouette bounds of recent cameras
}

// border is how many voxels of the neighbouring blocks the preparer copies around a block (the wide
// occlusion reads two cells out), and pad the edge of the bordered block.
const (
	border = 2
	pad    = voxel.BlockSize + 2*border
)

// buildModel culls hidden faces and computes AO, outline flags and light block by block, reading each
// block with a one-voxel border copied from its 26 neighbours, so no lookup is bounds-checked or hashed
// per voxel. Runs of blocks are prepared in parallel and concatenated in block order, so the result
// does not depend on the worker count.
func buildModel(snap *voxel.Snapshot) (*model, error) {
	m := &model{box: snap.Box(), count: snap.Count()}
	if m.box.Empty() {
		return m, nil
	}
	if err := checkExtent(m.box); err != nil {
		return nil, err
	}
	m.size = m.box.Size()
	entries := snap.Blocks()
	index := make(map[voxel.Pos]*voxel.Block, len(entries))
	for _, e := range entries {
		index[e.Origin] = e.Block
	}
	occ := newOccupancy(entries, m.box)
	m.occ = occ
	workers := min(runtime.GOMAXPROCS(0), len(entries))
	chunks := min(len(entries), 4*workers)
	out := make([][6][]face, chunks)
	var next atomic.Int32
	var failed atomic.Bool
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer recoverTo(&errs[w], &failed)
			if testPanic != nil {
				testPanic("prepare")
			}
			p := newPreparer(m.box.Min, index, occ)
			for !failed.Load() {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				for _, e := range entries[len(entries)*c/chunks : len(entries)*(c+1)/chunks] {
					p.block(e, &out[c])
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for dir := range 6 {
		n := 0
		for c := range out {
			n += len(out[c][dir])
		}
		m.faces[dir] = make([]face, 0, n)
		for c := range out {
			m.faces[dir] = append(m.faces[dir], out[c][dir]...)
		}
	}
	m.addLUTs()
	near, total := 0, 0
	for dir := range 6 {
		for i := range m.faces[dir] {
			total++
			if closeTo(m.faces[dir][i].col, defaultBackground, 40) {
				near++
			}
		}
	}
	m.nearBackground = near*50 > total
	// The lowest voxel of every column has a -Z face, and only the lowest counts for the contact shadow.
	m.shadow = newShadowMap(m.box)
	for _, f := range m.faces[dirNegZ] {
		m.shadow.add(f.x, f.y, f.z)
	}
	m.shadow.cast(occ)
	m.shadow.finish()
	return m, nil
}

// maxExtent is the largest scene extent, in voxels on any axis, that the renderer draws: face
// positions, sort keys and fixed-point vertices stay far from overflow below it (2^26 holds any scene
// within ±2^25). The scene budget (±2^20) keeps every scene made through the tools well inside.
const maxExtent = 1 << 26

// checkExtent refuses boxes too large for the renderer's integer coordinates. It works in int64, so
// even coordinates near the int32 limits cannot overflow it.
func checkExtent(b voxel.Box) error {
	size := [3]int64{int64(b.Max.X) - int64(b.Min.X) + 1, int64(b.Max.Y) - int64(b.Min.Y) + 1, int64(b.Max.Z) - int64(b.Min.Z) + 1}
	for i, n := range size {
		if n > maxExtent || n < 1 {
			return fmt.Errorf("the scene's extent is too large to render: %d voxels along %c (from %v to %v); the renderer draws up to %d per axis, so remove or move the far voxels", n, 'X'+i, b.Min, b.Max, maxExtent)
		}
	}
	return nil
}

// maxLUTs bounds the shade tables of a model (768 KB); a model with more colours than that shades the
// rest pixel by pixel.
const maxLUTs = 4096

// addLUTs gives every face the shade table of its colour, in face order, so table indices do not
// depend on the worker count, and uniform faces their default pixels.
func (m *model) addLUTs() {
	index := map[uint32]int32{}
	lastCol, lastIdx := uint32(1<<31), int32(-1) // faces of one colour come in runs
	for dir := range 6 {
		for i := range m.faces[dir] {
			f := &m.faces[dir][i]
			if f.col != lastCol {
				k, ok := index[f.col]
				if !ok {
					k = -1
					if len(m.luts) < maxLUTs {
						k = int32(len(m.luts))
						m.luts = append(m.luts, *newShadeLUT(f.col))
					}
					index[f.col] = k
				}
				lastCol, lastIdx = f.col, k
			}
			f.lut = lastIdx
			if lastIdx >= 0 && f.uniform() {
				sh := int32(lightTables[3][dir][f.code[0]])
				f.fill = m.luts[lastIdx][sh>>3]
				f.line = m.luts[lastIdx][(sh*outlineFactor>>8)>>3]
			}
		}
	}
}

// preparer holds one worker's scratch space for buildModel.
type preparer struct {
	min   voxel.Pos
	index map[voxel.Pos]*voxel.Block
	occ   *occupancy
	grid  [pad * pad * pad]uint32
	sun   [17 * 17 * 17]uint8 // per block vertex: 0 unknown, 1 lit, 2 blocked
}

func newPreparer(min voxel.Pos, index map[voxel.Pos]*voxel.Block, occ *occupancy) *preparer {
	return &preparer{min: min, index: index, occ: occ}
}

// sunBlocked reports whether the sun is blocked at block vertex (x, y, z) (0..16 on each axis) of the
// block at origin o, memoised per block: neighbouring faces share their corners.
func (p *preparer) sunBlocked(o voxel.Pos, x, y, z int) bool {
	k := (z*17+y)*17 + x
	switch p.sun[k] {
	case 1:
		return false
	case 2:
		return true
	}
	b := p.occ.blocked(o.X+x, o.Y+y, o.Z+z)
	p.sun[k] = 1
	if b {
		p.sun[k] = 2
	}
	return b
}

// block appends the exposed faces of block e to out.
func (p *preparer) block(e voxel.BlockEntry, out *[6][]face) {
	const sx, sy, sz = 1, pad, pad * pad
	step := [3]int{sx, sy, sz} // neighbour offsets in the padded grid per axis
	grid := &p.grid
	fillPadded(grid, e, p.index)
	clear(p.sun[:])
	ox := int32(e.Origin.X - p.min.X)
	oy := int32(e.Origin.Y - p.min.Y)
	oz := int32(e.Origin.Z - p.min.Z)
	for z := border; z < border+voxel.BlockSize; z++ {
		for y := border; y < border+voxel.BlockSize; y++ {
			row := z*sz + y*sy
			for x := border; x < border+voxel.BlockSize; x++ {
				i := row + x
				c := grid[i]
				if c == 0 {
					continue
				}
				local := [3]int{x - border, y - border, z - border}
				px, py, pz := ox+int32(local[0]), oy+int32(local[1]), oz+int32(local[2])
				for dir := range 6 {
					axis := dir >> 1
					n := step[axis]
					if dir&1 == 1 {
						n = -n
					}
					if grid[i+n] != 0 {
						continue
					}
					ua, va := (axis+1)%3, (axis+2)%3
					u, v := step[ua], step[va]
					col := c & 0xffffff
					f := face{x: px, y: py, z: pz, col: col, dir: uint8(dir), lut: -1}
					ao := faceAO(grid, i+n, u, v)
					wide := wideAO(grid, i+n, u, v, n)
					// Corner vertices in block coordinates: the face plane, then (0,0), (1,0), (1,1), (0,1).
					vert := local
					if dir&1 == 0 {
						vert[axis]++
					}
					lit := sunDir[axis] > 0 == (dir&1 == 0) // the face turns towards the sun
					for k := range 4 {
						code := ao>>(2*k)&3 | wide[k]<<wideShift
						if lit {
							cv := vert
							cv[ua] += k&1 ^ k>>1
							cv[va] += k >> 1
							if p.sunBlocked(e.Origin, cv[0], cv[1], cv[2]) {
								code |= codeShadow
							}
						}
						f.code[k] = code
					}
					sh := int32(lightTables[3][dir][f.code[0]])
					f.fill = shadeColour(col, sh)
					f.line = shadeColour(col, sh*outlineFactor>>8)
					f.edges = faceEdges(grid, i, n, u, v)
					out[dir] = append(out[dir], f)
				}
			}
		}
	}
}

// wideAO returns the wide occlusion level (0 open to 7) of each corner of the face whose front cell is
// q: the occupied share of the 4×4 cells around the corner in the two layers in front of the face,
// so that recesses darken over more than one voxel.
func wideAO(g *[pad * pad * pad]uint32, q, u, v, n int) [4]uint8 {
	// Occupancy of the 5×5 window (offsets -2..2 around the front cell) in two layers, summed.
	var win [5][5]uint8
	for b := range 5 {
		for a := range 5 {
			j := q + (a-2)*u + (b-2)*v
			var c uint8
			if g[j] != 0 {
				c++
			}
			if g[j+n] != 0 {
				c++
			}
			win[b][a] = c
		}
	}
	var out [4]uint8
	for k := range 4 {
		// Corner k at (cu, cv) ∈ {0,1}²: its window covers offsets cu-2..cu+1.
		cu, cv := k&1^k>>1, k>>1
		sum := 0
		for b := cv; b < cv+4; b++ {
			for a := cu; a < cu+4; a++ {
				sum += int(win[b][a])
			}
		}
		// 32 cells; the face's own plane never counts (the front cell is empty). A corner level uses
		// the share beyond a quarter (a wall beside the face alone stays open-ish).
		lvl := (sum*2 - 8) * (wideLevels - 1) / 56
		out[k] = uint8(min(max(lvl, 0), wideLevels-1))
	}
	return out
}

// faceAO returns the four corner occlusion levels of a face whose front cell is q, in the 0fps style:
// both sides occluded gives 0, else 3 minus the occluded sides and corner.
func faceAO(g *[pad * pad * pad]uint32, q, u, v int) uint8 {
	occ := func(i int) int {
		if g[i] != 0 {
			return 1
		}
		return 0
	}
	mu, pu, mv, pv := occ(q-u), occ(q+u), occ(q-v), occ(q+v)
	if mu|pu|mv|pv == 0 && occ(q-u-v)|occ(q+u-v)|occ(q+u+v)|occ(q-u+v) == 0 {
		return 0xff
	}
	level := func(s1, s2, c int) uint8 {
		if s1 == 1 && s2 == 1 {
			return 0
		}
		return uint8(3 - s1 - s2 - c)
	}
	a0 := level(mu, mv, occ(q-u-v))
	a1 := level(pu, mv, occ(q+u-v))
	a2 := level(pu, pv, occ(q+u+v))
	a3 := level(mu, pv, occ(q-u+v))
	return a0 | a1<<2 | a2<<4 | a3<<6
}

// faceEdges flags the face edges that have no coplanar neighbour face: the in-plane neighbour is empty
// (a convex edge or silhouette) or its face is covered by the cell in front of it (a concave crease).
func faceEdges(g *[pad * pad * pad]uint32, i, n, u, v int) uint8 {
	missing := func(j int) bool { return g[j] == 0 || g[j+n] != 0 }
	var e uint8
	if missing(i - u) {
		e |= 1
	}
	if missing(i + u) {
		e |= 2
	}
	if missing(i - v) {
		e |= 4
	}
	if missing(i + v) {
		e |= 8
	}
	return e
}

// fillPadded copies block e and a border of its neighbours' voxels into g as packed colours
// (0 = empty; a present voxel always has a non-zero word because its alpha byte is set to 0xff).
func fillPadded(g *[pad * pad * pad]uint32, e voxel.BlockEntry, index map[voxel.Pos]*voxel.Block) {
	clear(g[:])
	const bs = voxel.BlockSize
	for dz := -1; dz <= 1; dz++ {
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				o := voxel.Pos{X: e.Origin.X + dx*bs, Y: e.Origin.Y + dy*bs, Z: e.Origin.Z + dz*bs}
				b := index[o]
				if b == nil {
					continue
				}
				vox := b.Voxels()
				// Local source range on each axis: the whole block for the centre, one slice for a border.
				x0, x1 := srcRange(dx)
				y0, y1 := srcRange(dy)
				z0, z1 := srcRange(dz)
				for z := z0; z < z1; z++ {
					gz := z + border + dz*bs
					for y := y0; y < y1; y++ {
						gy := y + border + dy*bs
						src := z<<8 | y<<4
						dst := (gz*pad+gy)*pad + border + dx*bs
						for x := x0; x < x1; x++ {
							if c := vox[src+x]; c.A != 0 {
								g[dst+x] = uint32(c.R) | uint32(c.G)<<8 | uint32(c.B)<<16 | 0xff<<24
							}
						}
					}
				}
			}
		}
	}
}

// srcRange returns the local coordinates of a neighbour block that land in the padded grid.
func srcRange(d int) (int, int) {
	switch d {
	case -1:
		return voxel.BlockSize - border, voxel.BlockSize
	case 1:
		return 0, border
	}
	return 0, voxel.BlockSize
}

// silhouette returns the screen bounds (unit scale) of the model's voxels seen from cam: exact for
// the union of voxel cubes, since a linear function's extreme over the voxels is reached on a voxel
// with an exposed face and every cube adds the same corner offsets. Results are cached per camera.
func (m *model) silhouette(c camera) bounds {
	if m.box.Empty() {
		return bounds{}
	}
	m.silMu.Lock()
	for _, e := range m.sil {
		if e.cam == c {
			m.silMu.Unlock()
			return e.b
		}
	}
	m.silMu.Unlock()
	r, u := c.right, c.up
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for dir := range 6 {
		for i := range m.faces[dir] {
			f := &m.faces[dir][i]
			x, y, z := float64(f.x), float64(f.y), float64(f.z)
			sx := float64(x*r[0]) + float64(y*r[1]) + float64(z*r[2])
			sy := -(float64(x*u[0]) + float64(y*u[1]) + float64(z*u[2]))
			minX, maxX = math.Min(minX, sx), math.Max(maxX, sx)
			minY, maxY = math.Min(minY, sy), math.Max(maxY, sy)
		}
	}
	cube := boxBounds(c, [3]float64{1, 1, 1})
	b := bounds{minX + cube.minX, minY + cube.minY, maxX + cube.maxX, maxY + cube.maxY}
	m.silMu.Lock()
	if len(m.sil) >= 16 {
		m.sil = m.sil[1:]
	}
	m.sil = append(m.sil, silEntry{c, b})
	m.silMu.Unlock()
	return b
}

type silEntry struct {
	cam camera
	b   bounds
}

// closeTo reports whether packed colour c is within d of bg on every channel.
func closeTo(c uint32, bg color.NRGBA, d int) bool {
	diff := func(a uint32, b uint8) int { return max(int(a)-int(b), int(b)-int(a)) }
	return diff(c&0xff, bg.R) <= d && diff(c>>8&0xff, bg.G) <= d && diff(c>>16&0xff, bg.B) <= d
}

// Hidden-face culling. When the view direction is a lattice direction s (components -1, 0 or 1: the
// axis views, the true isometric view, 45° views in a plane), the voxel at c - s, one step towards
// the camera, projects exactly onto voxel c, so any occupied cell on the line c - k·s (k ≥ 1) hides
// every face of c. Such faces (a Menger sponge's tunnels, the inside of a hollow model) are dropped
// before the raster. The result is cached per model and direction.

type cullEntry struct {
	s      [3]int32
	hidden [6][]uint64 // per face direction, one bit per face
}

// latticeDir returns the sign vector of cam's view direction when it is a lattice direction.
func latticeDir(c camera) ([3]int32, bool) {
	var s [3]int32
	var mag float64
	for i, f := range c.fwd {
		switch {
		case f > 1e-9:
			s[i] = 1
		case f < -1e-9:
			s[i] = -1
		}
		mag = math.Max(mag, math.Abs(f))
	}
	for i, f := range c.fwd {
		if math.Abs(math.Abs(f)-mag*math.Abs(float64(s[i]))) > 1e-9 {
			return s, false
		}
	}
	return s, true
}

// hiddenFaces returns the faces hidden from view direction s (see latticeDir), built on first use.
func (m *model) hiddenFaces(s [3]int32, facing func(dir int) bool) *[6][]uint64 {
	m.cullMu.Lock()
	defer m.cullMu.Unlock()
	for i := range m.culls {
		if m.culls[i].s == s {
			return &m.culls[i].hidden
		}
	}
	e := cullEntry{s: s}
	o := m.occ
	lo := [3]int{o.box.Min.X, o.box.Min.Y, o.box.Min.Z}
	hi := [3]int{o.box.Max.X, o.box.Max.Y, o.box.Max.Z}
	for dir := range 6 {
		if !facing(dir) {
			continue
		}
		bits := make([]uint64, (len(m.faces[dir])+63)/64)
		for i := range m.faces[dir] {
			f := &m.faces[dir][i]
			p := [3]int{lo[0] + int(f.x), lo[1] + int(f.y), lo[2] + int(f.z)}
			if o.lineHit(p, [3]int{-int(s[0]), -int(s[1]), -int(s[2])}, lo, hi) {
				bits[i>>6] |= 1 << (i & 63)
			}
		}
		e.hidden[dir] = bits
	}
	if len(m.culls) >= 8 {
		m.culls = m.culls[1:]
	}
	m.culls = append(m.culls, e)
	return &m.culls[len(m.culls)-1].hidden
}

// lineHit reports whether an occupied cell lies on p + k·d, k ≥ 1, before the line leaves the box.
func (o *occupancy) lineHit(p, d, lo, hi [3]int) bool {
	var lastOrigin voxel.Pos
	var last *[64]uint64
	haveLast := false
	for {
		for i := range 3 {
			p[i] += d[i]
			if p[i] < lo[i] || p[i] > hi[i] {
				return false
			}
		}
		origin := voxel.Pos{X: p[0] &^ 15, Y: p[1] &^ 15, Z: p[2] &^ 15}
		if !haveLast || origin != lastOrigin {
			last, lastOrigin, haveLast = o.blocks[origin], origin, true
		}
		if last != nil {
			i := (p[2]&15)<<8 | (p[1]&15)<<4 | p[0]&15
			if last[i>>6]&(1<<(i&63)) != 0 {
				return true
			}
		}
	}
}
