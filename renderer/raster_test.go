package renderer

import (
	"math/rand/v2"
	"testing"
)

// clip narrows [xl, xr) to the columns inside the edge on the row whose centre is py.
func (e *edge) clipDirect(py int64, xl, xr int64) (int64, int64) {
	// E(P) = dx·(Py−oy) − dy·(Px−ox), with Px = 256·x + 128.
	A := -e.dy
	C := e.dx*(py-e.oy) + e.dy*e.ox
	alpha := A << subBits
	beta := A*(1<<(subBits-1)) + C
	switch {
	case alpha > 0:
		var lo int64
		if e.incl {
			lo = ceilDiv(-beta, alpha)
		} else {
			lo = floorDiv(-beta, alpha) + 1
		}
		xl = max(xl, lo)
	case alpha < 0:
		var hi int64
		if e.incl {
			hi = floorDiv(beta, -alpha) + 1
		} else {
			hi = ceilDiv(beta, -alpha)
		}
		xr = min(xr, hi)
	default:
		if beta < 0 || (beta == 0 && !e.incl) {
			return 0, 0
		}
	}
	return xl, xr
}

// TestWalkerMatchesDivision checks the division-free edge walk against the direct formula.
func TestWalkerMatchesDivision(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for range 3000 {
		e := newEdge(r.Int64N(1<<20)-1<<19, r.Int64N(1<<20)-1<<19, r.Int64N(1<<16)-1<<15, r.Int64N(1<<16)-1<<15)
		if r.IntN(8) == 0 {
			e = newEdge(e.ox, e.oy, e.dx, 0)
		}
		if r.IntN(8) == 0 {
			e = newEdge(e.ox, e.oy, 0, e.dy)
		}
		row0 := r.Int64N(4000) - 2000
		w, _ := newWalker(&e, row0)
		// The shared shape walker placed at the edge's start must agree too.
		es := newShape([2]int64{e.dx, e.dy}, [2]int64{-e.dy, e.dx}).edges[0]
		var ws walker
		es.start(&ws, e.ox, e.oy, row0<<subBits+1<<(subBits-1))
		for row := row0; row < row0+300; row++ {
			py := row<<subBits + 1<<(subBits-1)
			wl, wr := w.clip(-1<<40, 1<<40)
			sl, sr := ws.clip(-1<<40, 1<<40)
			if (wl >= wr) != (sl >= sr) || (wl < wr && (wl != sl || wr != sr)) {
				t.Fatalf("edge %+v row %d: walker [%d,%d) shape walker [%d,%d)", e, row, wl, wr, sl, sr)
			}
			ws.next()
			dl, dr := e.clipDirect(py, -1<<40, 1<<40)
			empty := wl >= wr
			if empty != (dl >= dr) || (!empty && (wl != dl || wr != dr)) {
				t.Fatalf("edge %+v row %d: walker [%d,%d) direct [%d,%d)", e, row, wl, wr, dl, dr)
			}
			w.next()
		}
	}
}

// TestWatertight tiles a target with sheared parallelograms sharing edges and checks that every pixel
// centre inside the tiling is drawn exactly once.
func TestWatertight(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for range 50 {
		const w, h = 120, 100
		tg := &target{pix: make([]uint32, w*h), stride: w, w: w, h: h}
		a := [2]int64{r.Int64N(3000) + 200, r.Int64N(2000) - 1000}
		b := [2]int64{r.Int64N(2000) - 1000, r.Int64N(3000) + 200}
		if a[0]*b[1]-a[1]*b[0] <= 0 {
			continue
		}
		ox, oy := r.Int64N(256), r.Int64N(256)
		counts := make([]int, w*h)
		shp := newShape(a, b)
		rs := &raster{t: tg, shapes: []*shape{shp}}
		// Tile index range covering the target: invert the corners.
		k := float64(a[0]*b[1] - a[1]*b[0])
		lo, hi := [2]int{1 << 30, 1 << 30}, [2]int{-1 << 30, -1 << 30}
		for _, c := range [][2]float64{{0, 0}, {w * 256, 0}, {0, h * 256}, {w * 256, h * 256}} {
			x, y := c[0]-float64(ox), c[1]-float64(oy)
			i := (x*float64(b[1]) - y*float64(b[0])) / k
			j := (float64(a[0])*y - float64(a[1])*x) / k
			lo[0], hi[0] = min(lo[0], int(i)-2), max(hi[0], int(i)+2)
			lo[1], hi[1] = min(lo[1], int(j)-2), max(hi[1], int(j)+2)
		}
		for i := lo[0]; i <= hi[0]; i++ {
			for j := lo[1]; j <= hi[1]; j++ {
				q := quad{px: ox + int64(i)*a[0] + int64(j)*b[0], py: oy + int64(i)*a[1] + int64(j)*b[1], fill: 1, kind: quadFlat}
				clear(tg.pix)
				if !q.setBounds(shp, tg) {
					continue
				}
				q.draw(rs, 0, h)
				for k, v := range tg.pix {
					counts[k] += int(v)
				}
			}
		}
		for k, c := range counts {
			if c != 1 {
				t.Fatalf("a=%v b=%v: pixel (%d,%d) drawn %d times", a, b, k%w, k/w, c)
			}
		}
	}
}

// TestOutlineEnds checks the span-end outline counts against testing every pixel.
func TestOutlineEnds(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for range 20000 {
		shp := &shape{ws: int32(r.IntN(fixOne / 3)), wt: int32(r.IntN(fixOne / 3))}
		q := quad{edges: uint8(r.IntN(16))}
		n := 1 + r.IntN(300)
		s, tt := int32(r.IntN(3*fixOne)-fixOne), int32(r.IntN(3*fixOne)-fixOne)
		ds, dt := int32(r.IntN(2*fixOne/n+1)-fixOne/n), int32(r.IntN(2*fixOne/n+1)-fixOne/n)
		if r.IntN(10) == 0 {
			ds = 0
		}
		pre, suf := q.outlineEnds(shp, n, s, tt, ds, dt)
		for i := range n {
			want := q.onOutline(shp, s+int32(i)*ds, tt+int32(i)*dt)
			got := i < pre || i >= n-suf
			if want != got {
				t.Fatalf("edges %04b ws %d wt %d n %d s %d t %d ds %d dt %d: pixel %d outline %v, ends (%d,%d)",
					q.edges, shp.ws, shp.wt, n, s, tt, ds, dt, i, want, pre, suf)
			}
		}
	}
}
