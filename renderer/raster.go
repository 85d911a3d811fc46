package renderer

import (
	"math"
)

// target is a block of packed pixels (R | G<<8 | B<<16 | A<<24 in memory order) that a panel draws into.
type target struct {
	pix    []uint32
	stride int // in pixels
	w, h   int
	dirty  bool // the pixels may hold an old image (a reused frame), not zeros
}

// shape is what all faces of one direction share in one view: the parallelogram's edge vectors a and
// b in 1/256 pixel, with positive orientation (cross(a, b) > 0) so that interior points lie left of
// every edge, and everything derived from them. Faces are translates of their shape, so per face only
// the corner p and the walkers' starting quotients are computed.
type shape struct {
	a, b     [2]int64
	swapped  bool // a and b are the face's v and u axes (kept positively oriented)
	edges    [4]edgeShape
	dsx, dtx int64 // change of (s, t) in 16.16 per pixel to the right
	dsy, dty int64 // and per row down
	k        float64
	ws, wt   int32    // outline width in s and t units (16.16)
	bx, by   [2]int64 // the bounding box of the corners, relative to corner 0
	// Without a horizontal edge, two edges bound each row on the left and two on the right: their
	// indices, so rows are clipped without looking at edge kinds. flat is set otherwise.
	lower, upper [2]uint8
	flat         bool
}

// edgeShape is one edge of a shape: it starts at off from the face corner and runs along (dx, dy).
type edgeShape struct {
	off    [2]int64
	dx, dy int64
	w      walker  // the per-row step, shared; q and r are set per face
	sgn    int64   // the walker tracks floor(sgn·β / d)
	inv    float64 // 1/d
}

func newShape(a, b [2]int64) *shape {
	sh := &shape{a: a, b: b}
	ends := [4][2]int64{{0, 0}, a, {a[0] + b[0], a[1] + b[1]}, b}
	nl, nu := 0, 0
	dirs := [4][2]int64{a, b, {-a[0], -a[1]}, {-b[0], -b[1]}}
	for i := range 4 {
		e := newEdge(0, 0, dirs[i][0], dirs[i][1])
		w, sgn := newWalker(&e, 0)
		sh.edges[i] = edgeShape{off: ends[i], dx: dirs[i][0], dy: dirs[i][1], w: w, sgn: sgn}
		switch w.kind {
		case walkLower:
			sh.lower[nl&1] = uint8(i)
			nl++
		case walkUpper:
			sh.upper[nu&1] = uint8(i)
			nu++
		default:
			sh.flat = true
		}
		if w.d > 0 {
			sh.edges[i].inv = 1 / float64(w.d)
		}
	}
	for _, v := range ends[1:] {
		sh.bx[0], sh.bx[1] = min(sh.bx[0], v[0]), max(sh.bx[1], v[0])
		sh.by[0], sh.by[1] = min(sh.by[0], v[1]), max(sh.by[1], v[1])
	}
	sh.k = float64(a[0]*b[1] - a[1]*b[0])
	if sh.k > 0 {
		fix := func(v int64) int64 { return int64(math.Round(float64(v<<subBits) / sh.k * fixOne)) }
		sh.dsx, sh.dtx = fix(b[1]), fix(-a[1])
		sh.dsy, sh.dty = fix(-b[0]), fix(a[0])
	}
	return sh
}

// quad is one face projected for one view: its shape placed with corner 0 at (px, py), carrying
// everything its pixels need, so drawing never reads the model. It holds no pointers (the garbage
// collector neither scans nor barriers the thousands a render makes).
type quad struct {
	px, py int64
	rowMin int32 // first pixel row whose centre may be inside
	rowMax int32 // one past the last; 0 for a quad that draws nothing
	// quadFlat and quadEdges: the pixel off and on an outline. quadAO: fill is the face's colour,
	// for faces without a shade table.
	fill, line uint32
	tile       [4]int32  // quadShadow: the shadow map rectangle x, y, w, h in cells
	shade      [4]uint16 // quadAO: corner shades in (s, t) order (0,0), (1,0), (1,1), (0,1)
	lut        int32     // quadAO: index of the face colour's shade table, -1 for none
	shape      uint8     // index in raster.shapes
	kind       uint8     // quadFlat, quadEdges, quadAO or quadShadow
	edges      uint8     // outline flags in (a, b) order: bit 0 s=0, bit 1 s=1, bit 2 t=0, bit 3 t=1
}

// raster is what drawing a list of quads into a target needs besides the quads.
type raster struct {
	t      *target
	shapes []*shape
	luts   []shadeLUT
	sh     *shadowSampler
}

const (
	quadFlat = iota
	quadEdges
	quadAO
	quadShadow
)

// fixOne is 1.0 in the 16.16 fixed-point (s, t) parameters.
const fixOne = 1 << 16

// setBounds computes the rows a quad may cover; it returns false when the quad misses the target or is
// degenerate.
func (q *quad) setBounds(shp *shape, t *target) bool {
	if shp.k <= 0 {
		return false
	}
	minX, maxX := q.px+shp.bx[0], q.px+shp.bx[1]
	minY, maxY := q.py+shp.by[0], q.py+shp.by[1]
	const half = 1 << (subBits - 1)
	if maxX < half || minX > int64(t.w)<<subBits+half || maxY < half || minY > int64(t.h)<<subBits+half {
		return false
	}
	// Pixel row r has its centre at r·256+128. Arithmetic shifts are floor divisions by 256.
	r0 := -((half - minY) >> subBits) // ceil((minY-half)/256)
	r1 := (maxY-half)>>subBits + 1
	r0, r1 = max(r0, 0), min(r1, int64(t.h))
	if r0 >= r1 {
		return false
	}
	q.rowMin, q.rowMax = int32(r0), int32(r1)
	return true
}

func floorDiv(a, b int64) int64 {
	d := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		d--
	}
	return d
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }

// edge is one parallelogram edge as a function of the pixel column on a row: inside when
// alpha·x + beta > 0, or ≥ 0 for an inclusive (top-left) edge. Shared edges of neighbouring faces are
// walked in opposite directions, so exactly one of them owns the pixels centred on the edge.
type edge struct {
	ox, oy, dx, dy int64
	incl           bool
}

func newEdge(ox, oy, dx, dy int64) edge {
	return edge{ox, oy, dx, dy, -dy > 0 || (dy == 0 && dx > 0)}
}

// walker tracks one edge's column bound row by row without dividing: the bound is σ·floor(N/D)+κ
// where N grows by a constant per row, so the quotient and remainder advance like a Bresenham line.
// The walker keeps the bound itself (b = σ·q+κ) and the remainder.
type walker struct {
	kind      uint8 // walkLower, walkUpper or walkFlat
	sigma     int64 // +1 or -1
	kappa     int64
	b         int64 // the column bound on the current row: σ·floor(N/D)+κ
	r, d      int64 // N mod D, D > 0
	bq, kr    int64 // per row: the bound moves by σ·floor(K/D) and the remainder by K mod D
	beta, inc int64 // walkFlat: inside while beta > 0 (or >= 0 when incl); beta grows by inc per row
	incl      bool
}

const (
	walkLower = iota
	walkUpper
	walkFlat
)

// newWalker sets up edge e for rows from row0 on (see edge for the inside test). It also returns the
// sign s with which the walker tracks floor(s·β/d), β being the edge function's row term.
func newWalker(e *edge, row0 int64) (walker, int64) {
	A := -e.dy
	alpha := A << subBits
	py := row0<<subBits + 1<<(subBits-1)
	beta := A*(1<<(subBits-1)) + e.dx*(py-e.oy) + e.dy*e.ox
	dbeta := e.dx << subBits
	w := walker{incl: e.incl}
	var sgn int64
	switch {
	case alpha > 0:
		// strict: x ≥ floor(−β/α)+1; inclusive: x ≥ ceil(−β/α) = −floor(β/α).
		w.kind, w.d = walkLower, alpha
		if e.incl {
			sgn, w.sigma, w.kappa = 1, -1, 0
		} else {
			sgn, w.sigma, w.kappa = -1, 1, 1
		}
	case alpha < 0:
		// strict: x < ceil(β/−α) = −floor(−β/−α); inclusive: x < floor(β/−α)+1.
		w.kind, w.d = walkUpper, -alpha
		if e.incl {
			sgn, w.sigma, w.kappa = 1, 1, 1
		} else {
			sgn, w.sigma, w.kappa = -1, -1, 0
		}
	default:
		w.kind, w.beta, w.inc = walkFlat, beta, dbeta
		return w, 1
	}
	n, k := sgn*beta, sgn*dbeta
	q := floorDiv(n, w.d)
	w.r = n - q*w.d
	w.b = w.sigma*q + w.kappa
	kq := floorDiv(k, w.d)
	w.kr = k - kq*w.d
	w.bq = w.sigma * kq
	return w, sgn
}

// start sets w to the shared walker of e placed for a face whose edge starts at (ox, oy), from the
// row whose centre is py on.
func (e *edgeShape) start(w *walker, ox, oy, py int64) {
	*w = e.w
	beta := -e.dy*(1<<(subBits-1)) + e.dx*(py-oy) + e.dy*ox
	if w.kind == walkFlat {
		w.beta = beta
		return
	}
	// floor(n/d) from a float estimate (n and d fit well within float64's 53 bits here, so the
	// estimate is off by at most one or two) corrected exactly: cheaper than a 64-bit division, and
	// the same result on every platform.
	n := e.sgn * beta
	q := int64(math.Floor(float64(n) * e.inv))
	r := n - q*w.d
	for r < 0 {
		q--
		r += w.d
	}
	for r >= w.d {
		q++
		r -= w.d
	}
	w.b, w.r = w.sigma*q+w.kappa, r
}

// clip narrows [xl, xr) for the current row.
func (w *walker) clip(xl, xr int64) (int64, int64) {
	switch w.kind {
	case walkLower:
		xl = max(xl, w.b)
	case walkUpper:
		xr = min(xr, w.b)
	default:
		if w.beta < 0 || (w.beta == 0 && !w.incl) {
			return 0, 0
		}
	}
	return xl, xr
}

// next advances to the following row.
func (w *walker) next() {
	if w.kind == walkFlat {
		w.beta += w.inc
		return
	}
	w.step()
}

// step advances a lower or upper walker to the following row.
func (w *walker) step() {
	w.b += w.bq
	w.r += w.kr
	if w.r >= w.d {
		w.r -= w.d
		w.b += w.sigma
	}
}

// draw fills the quad's pixels on rows [r0, r1) of t.
func (q *quad) draw(rs *raster, r0, r1 int32) {
	r0, r1 = max(r0, q.rowMin), min(r1, q.rowMax)
	if r0 >= r1 {
		return
	}
	t := rs.t
	shp := rs.shapes[q.shape]
	py0 := int64(r0)<<subBits + 1<<(subBits-1)
	var walk [4]walker
	for i := range walk {
		e := &shp.edges[i]
		e.start(&walk[i], q.px+e.off[0], q.py+e.off[1], py0)
	}
	needST := q.kind != quadFlat
	// (s, t) at the centre of pixel 0 of row r0, then stepped in 16.16 (s, t are affine in position).
	var sRow, tRow int64
	if needST {
		cx, cy := int64(1<<(subBits-1))-q.px, py0-q.py
		a, b := shp.a, shp.b
		sRow = int64(math.Round(float64(cx*b[1]-cy*b[0]) / shp.k * fixOne))
		tRow = int64(math.Round(float64(a[0]*cy-a[1]*cx) / shp.k * fixOne))
	}
	w := int64(t.w)
	l0, l1 := &walk[shp.lower[0]], &walk[shp.lower[1]]
	u0, u1 := &walk[shp.upper[0]], &walk[shp.upper[1]]
	for row := r0; row < r1; row++ {
		var xl, xr int64
		if !shp.flat {
			xl, xr = max(0, l0.b, l1.b), min(w, u0.b, u1.b)
			l0.step()
			l1.step()
			u0.step()
			u1.step()
		} else {
			xl, xr = 0, w
			for i := range walk {
				xl, xr = walk[i].clip(xl, xr)
				walk[i].next()
			}
		}
		s0, t0 := sRow, tRow
		sRow += shp.dsy
		tRow += shp.dty
		if xl >= xr {
			continue
		}
		line := t.pix[int(row)*t.stride+int(xl) : int(row)*t.stride+int(xr)]
		if !needST {
			fillSpan(line, q.fill)
			continue
		}
		s := int32(min(max(s0+xl*shp.dsx, -fixOne), 2*fixOne))
		tt := int32(min(max(t0+xl*shp.dtx, -fixOne), 2*fixOne))
		ds, dt := int32(shp.dsx), int32(shp.dtx)
		switch q.kind {
		case quadEdges:
			q.spanEdges(shp, line, s, tt, ds, dt)
		case quadAO:
			q.spanAO(rs, shp, line, int(xl), int(row), s, tt, ds, dt)
		case quadShadow:
			rs.sh.span(line, int(xl), int(row), q.tile, s, tt, ds, dt)
		}
	}
}

// fillSpan sets every pixel of line to c. Long spans are filled by doubling copies, which run at
// memmove speed (several times a plain loop; measured in notes/renderer-measurements.md §5).
func fillSpan(line []uint32, c uint32) {
	if len(line) < 32 {
		for i := range line {
			line[i] = c
		}
		return
	}
	for i := range 16 {
		line[i] = c
	}
	for n := 16; n < len(line); n *= 2 {
		copy(line[n:], line[:n])
	}
}

// outlineEnds returns how many pixels at the start and at the end of a span of n pixels lie on an
// outline: within the outline width of a flagged edge. s and t are affine along the span, so each
// edge's condition holds on a prefix or a suffix; the counts are exact for s + i·ds, t + i·dt.
func (q *quad) outlineEnds(shp *shape, n int, s, t, ds, dt int32) (pre, suf int) {
	e, ws, wt := q.edges, shp.ws, shp.wt
	add := func(v0, dv, c int64) { // pixels with v0 + i·dv < c
		switch {
		case dv > 0:
			if k := min(ceilDiv(c-v0, dv), int64(n)); k > 0 {
				pre = max(pre, int(k))
			}
		case dv < 0:
			// i > (v0 − c)/(−dv)
			if first := max(floorDiv(v0-c, -dv)+1, 0); first < int64(n) {
				suf = max(suf, n-int(first))
			}
		default:
			if v0 < c {
				pre = n
			}
		}
	}
	if e&1 != 0 {
		add(int64(s), int64(ds), int64(ws))
	}
	if e&2 != 0 {
		add(-int64(s), -int64(ds), -int64(fixOne-ws))
	}
	if e&4 != 0 {
		add(int64(t), int64(dt), int64(wt))
	}
	if e&8 != 0 {
		add(-int64(t), -int64(dt), -int64(fixOne-wt))
	}
	return pre, suf
}

// onOutline reports whether (s, t) lies within the outline width of a flagged edge.
func (q *quad) onOutline(shp *shape, s, t int32) bool {
	e, ws, wt := q.edges, shp.ws, shp.wt
	return (e&1 != 0 && s < ws) || (e&2 != 0 && s > fixOne-ws) ||
		(e&4 != 0 && t < wt) || (e&8 != 0 && t > fixOne-wt)
}

// shortSpan is the span length below which testing each pixel against the outline costs less than
// finding the outline's ends (two divisions per flagged edge).
const shortSpan = 16

func (q *quad) spanEdges(shp *shape, line []uint32, s, t, ds, dt int32) {
	if len(line) < shortSpan {
		fill, out := q.fill, q.line
		for i := range line {
			c := fill
			if q.onOutline(shp, s, t) {
				c = out
			}
			line[i] = c
			s += ds
			t += dt
		}
		return
	}
	pre, suf := q.outlineEnds(shp, len(line), s, t, ds, dt)
	if pre+suf >= len(line) {
		fillSpan(line, q.line)
		return
	}
	fillSpan(line[:pre], q.line)
	fillSpan(line[pre:len(line)-suf], q.fill)
	fillSpan(line[len(line)-suf:], q.line)
}

// bilinear interpolates the corner shades c0 (0,0), c1 (1,0), c2 (1,1), c3 (0,1) at (s, t) in 16.16,
// clamped to the face.
func bilinear(c0, c1, c2, c3, s, t int32) int32 {
	s8 := min(max(s>>8, 0), 256)
	t8 := min(max(t>>8, 0), 256)
	top := c0*(256-s8) + c1*s8
	bot := c3*(256-s8) + c2*s8
	return (top*(256-t8) + bot*t8) >> 16
}

func (q *quad) spanAO(rs *raster, shp *shape, line []uint32, x0, row int, s, t, ds, dt int32) {
	dither := &bayer4[row&3]
	c0, c1, c2, c3 := int32(q.shade[0]), int32(q.shade[1]), int32(q.shade[2]), int32(q.shade[3])
	var lut *shadeLUT
	if q.lut >= 0 {
		lut = &rs.luts[q.lut]
	}
	pre, end := 0, len(line)
	short := q.edges != 0 && len(line) < shortSpan
	if q.edges != 0 && !short {
		var suf int
		pre, suf = q.outlineEnds(shp, len(line), s, t, ds, dt)
		end = len(line) - suf
	}
	if lut != nil {
		// A table lookup per pixel: cheaper than testing whether the dithered shade changed, which it
		// does unpredictably.
		for i := range line {
			sh := bilinear(c0, c1, c2, c3, s, t)
			if i < pre || i >= end || (short && q.onOutline(shp, s, t)) {
				sh = sh * outlineFactor >> 8
			}
			line[i] = lut[(sh+dither[(x0+i)&3]>>1)>>3]
			s += ds
			t += dt
		}
		return
	}
	// The shade is quantized, so neighbouring pixels often repeat it: cache the last colour.
	last, lastCol := int32(-1), uint32(0)
	for i := range line {
		sh := bilinear(c0, c1, c2, c3, s, t)
		if i < pre || i >= end || (short && q.onOutline(shp, s, t)) {
			sh = sh * outlineFactor >> 8
		}
		// Ordered dither below one quantization step, so gradients do not band.
		sh += dither[(x0+i)&3] >> 1
		if sh&shadeQuant != last {
			last = sh & shadeQuant
			lastCol = shadeColour(q.fill, sh)
		}
		line[i] = lastCol
		s += ds
		t += dt
	}
}
