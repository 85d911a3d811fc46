package renderer

import (
	"encoding/binary"
	"math"
	"sync"

	"github.com/goxel-mcp/goxel-mcp/internal/pngx"
)

// Silhouette anti-aliasing. The raster fills whole pixels (exact, watertight, no seams); this pass then
// softens the model's outline against the background and the ground, where jagged edges show most
// (edges inside the model carry outlines). For every pixel next to the boundary between model and
// background it takes the model's share of a 3×3 tent (weights 1-2-1) around it, rounds it to quarters,
// and mixes the model's and the background's colours in linear light in that proportion. It reads
// only the frame, so it costs one pass over it plus a little per boundary pixel, whatever the model.
//
// Blends are new colours; a frame of at most 256 colours (most flat-lit renders) must stay under that
// to keep its fast paletted PNG, so the pass counts the frame's colours first and makes at most the
// spare entries, in row order (deterministic). A frame already above 256 colours is blended freely.

// aaPalette is the colour count a frame must stay within for pngx's paletted PNG.
const aaPalette = 256

// colourSet is a small open-addressing set of packed colours, for counting up to a limit.
type colourSet struct {
	slots [2048]uint32
	used  [2048]bool
	order [2048]uint16 // for colours added by put: their rank in order of addition
	n     int
}

// put adds c if it is new and returns its rank among the colours added (by put) so far.
func (s *colourSet) put(c uint32) (k int, added bool) {
	i := (c * 0x9E3779B1) >> 21
	for {
		if !s.used[i] {
			s.used[i], s.slots[i], s.order[i] = true, c, uint16(s.n)
			s.n++
			return s.n - 1, true
		}
		if s.slots[i] == c {
			return int(s.order[i]), false
		}
		i = (i + 1) & 2047
	}
}

func (s *colourSet) add(c uint32) bool {
	i := (c * 0x9E3779B1) >> 21
	for {
		if !s.used[i] {
			s.used[i], s.slots[i] = true, c
			s.n++
			return true
		}
		if s.slots[i] == c {
			return false
		}
		i = (i + 1) & 2047
	}
}

func (s *colourSet) reset() {
	clear(s.used[:])
	s.n = 0
}

func (s *colourSet) has(c uint32) bool {
	i := (c * 0x9E3779B1) >> 21
	for s.used[i] {
		if s.slots[i] == c {
			return true
		}
		i = (i + 1) & 2047
	}
	return false
}

// srgbToLin maps an sRGB byte to linear light in 1/65535; linToSRGB maps linear light in 1/4095 back.
var srgbToLin, linToSRGB = func() ([256]uint16, [4096]uint8) {
	var a [256]uint16
	var b [4096]uint8
	for i := range a {
		a[i] = uint16(math.Round(decodeSRGB(float64(i)/255) * 65535))
	}
	for i := range b {
		b[i] = uint8(math.Round(encodeSRGB(float64(i)/4095) * 255))
	}
	return a, b
}()

func decodeSRGB(v float64) float64 {
	if v <= 0.04045 {
		return v / 12.92
	}
	return math.Pow((v+0.055)/1.055, 2.4)
}

func encodeSRGB(v float64) float64 {
	if v <= 0.0031308 {
		return v * 12.92
	}
	return 1.055*math.Pow(v, 1/2.4) - 0.055
}

// mixLinear mixes opaque pixels a and b as a·k/16 + b·(16−k)/16 in linear light.
func mixLinear(a, b uint32, k uint32) uint32 {
	var out uint32
	for sh := uint32(0); sh < 24; sh += 8 {
		la, lb := uint32(srgbToLin[a>>sh&0xff]), uint32(srgbToLin[b>>sh&0xff])
		l := (la*k + lb*(16-k)) / 16
		out |= uint32(linToSRGB[l>>4]) << sh
	}
	return out | 0xff<<24
}

// aaBandRows is the height of the row bands the pass works on in parallel; bands depend only on the
// frame height, so the output does not depend on the worker count.
const aaBandRows = 64

// aaEdit is one blended pixel: its index in the target and its new colour.
type aaEdit struct {
	i int
	c uint32
}

// aaBand is one band's part of the pass.
type aaBand struct {
	seen  colourSet // the band's colours, up to the palette limit
	edits []aaEdit
	fresh []uint32 // colours of edits not among the band's own, in first-appearance order

	freshSet colourSet    // the colours of fresh
	cls      [3][]uint8   // scratch: the classes of three rows
	classes  aaClassifier // scratch

	// With indexing (see antialias), idx holds the band's pixels as indices into pal, its colours in
	// the order seen ranks them.
	idx []byte
	pal []uint32
}

// aaBands recycles bands, whose colour sets and cache are 28 KB.
var aaBands sync.Pool // of *aaBand

func getBand() *aaBand {
	b, ok := aaBands.Get().(*aaBand)
	if !ok {
		return &aaBand{}
	}
	b.seen.reset()
	b.freshSet.reset()
	b.edits, b.fresh = b.edits[:0], b.fresh[:0]
	b.idx, b.pal = nil, nil
	return b
}

// aaSets recycles the two frame-wide colour sets of antialias.
var aaSets sync.Pool // of *[2]colourSet

func getSets() *[2]colourSet {
	s, ok := aaSets.Get().(*[2]colourSet)
	if !ok {
		return new([2]colourSet)
	}
	s[0].reset()
	s[1].reset()
	return s
}

// aaClassifier tells model pixels (1) from background ones (0) through a direct-mapped cache of
// colours, counting each colour it meets into seen (when set) up to one over the palette. A colour
// in the cache was counted when it went in (the cache is filled from counted rows only), so the
// misses count all of a band's colours.
type aaClassifier struct {
	back    func(uint32) bool
	seen    *colourSet
	pal     *[]uint32           // seen's colours in rank order, when indexing
	counted bool                // rows being loaded are the band's own: count and cache their colours
	cache   [aaCacheSize]uint64 // rank<<40 | colour<<8 | class<<1 | 1 (rank: in seen, when counted)
}

const aaCacheSize = 1024

func (a *aaClassifier) class(c uint32) uint8 {
	i := (c * 0x9E3779B1) >> 22
	if e := a.cache[i]; e&1 != 0 && uint32(e>>8) == c {
		return uint8(e>>1) & 1
	}
	return a.miss(c, i)
}

func (a *aaClassifier) miss(c, i uint32) uint8 {
	var v uint8 = 1
	if a.back(c) {
		v = 0
	}
	if a.counted {
		var k int
		if a.seen.n <= aaPalette {
			var added bool
			if k, added = a.seen.put(c); added && a.pal != nil {
				*a.pal = append(*a.pal, c)
			}
		}
		a.cache[i] = uint64(k&0xff)<<40 | uint64(c)<<8 | uint64(v)<<1 | 1
	}
	return v
}

// entry returns the cache entry of c, a colour of a counted row.
func (a *aaClassifier) entry(c uint32) uint64 {
	i := (c * 0x9E3779B1) >> 22
	if e := a.cache[i]; e&1 != 0 && uint32(e>>8) == c {
		return e
	}
	a.miss(c, i)
	return a.cache[i]
}

// antialias softens the silhouettes in t. back reports the background and ground colours (everything
// that is not the model); transparent is set when the background has alpha 0. It reads the frame in
// parallel bands and collects the blends before writing any, so blended pixels never feed their
// neighbours; the new colours are admitted in band and row order within the spare palette entries.
//
// With ix set, a frame that ends with at most 256 colours also gets them described in ix, one strip
// per band, as pngx.Options.Indexed wants: the pass meets every pixel's colour anyway, so the PNG
// encoder need not scan the frame again. Otherwise ix is left empty.
func antialias(t target, back func(uint32) bool, transparent bool, ix *pngx.Indexed) error {
	w, h := t.w, t.h
	if w < 3 || h < 3 {
		return nil
	}
	nb := (h + aaBandRows - 1) / aaBandRows
	bands := make([]*aaBand, nb)
	defer func() {
		for _, b := range bands {
			if b != nil {
				b.idx, b.pal = nil, nil // ix has them, or they are dropped
				aaBands.Put(b)
			}
		}
	}()
	err := forEach(nb, func(b int) {
		band := getBand()
		bands[b] = band
		y0, y1 := b*aaBandRows, min((b+1)*aaBandRows, h)
		if ix != nil {
			band.idx, band.pal = getIndexBytes((y1-y0)*w), make([]uint32, 0, 32)
		}
		aaScan(t, back, transparent, y0, y1, band)
	})
	if err != nil {
		return err
	}
	// The frame's colours, then the blends admitted within the spare palette entries.
	sets := getSets()
	defer aaSets.Put(sets)
	seen, made := &sets[0], &sets[1]
	for _, b := range bands {
		for k, used := range b.seen.used {
			if used && seen.n <= aaPalette {
				seen.add(b.seen.slots[k])
			}
		}
		if b.seen.n > aaPalette {
			seen.n = aaPalette + 1
		}
	}
	limited := seen.n <= aaPalette
	if limited {
		free := aaPalette - seen.n
		for _, b := range bands {
			for _, c := range b.fresh {
				if free > 0 && !seen.has(c) && !made.has(c) {
					made.add(c)
					free--
				}
			}
		}
	}
	indexed := ix != nil && limited
	err = forEach(nb, func(b int) {
		band := bands[b]
		y0 := b * aaBandRows
		for _, e := range band.edits {
			if !limited || made.has(e.c) || seen.has(e.c) {
				t.pix[e.i] = e.c
				if indexed {
					y := e.i / t.stride
					k, added := band.seen.put(e.c)
					if added {
						band.pal = append(band.pal, e.c)
					}
					band.idx[(y-y0)*w+e.i-y*t.stride] = byte(k)
				}
			}
		}
	})
	if ix == nil {
		return err
	}
	if err != nil || !indexed {
		for _, b := range bands {
			putIndexBytes(b.idx)
		}
		return err
	}
	for b, band := range bands {
		ix.Start = append(ix.Start, b*aaBandRows)
		ix.Palettes = append(ix.Palettes, band.pal)
		ix.Idx = append(ix.Idx, band.idx)
	}
	return nil
}

// indexPool recycles the index strips of antialias (see RenderIndexed and ReleaseIndexed).
var indexPool sync.Pool // of *[]byte

func getIndexBytes(n int) []byte {
	if p, ok := indexPool.Get().(*[]byte); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]byte, n)
}

func putIndexBytes(b []byte) {
	if b != nil {
		indexPool.Put(&b)
	}
}

// aaScan finds the blends of rows [y0, y1) without writing them.
func aaScan(t target, back func(uint32) bool, transparent bool, y0, y1 int, out *aaBand) {
	w, h := t.w, t.h
	// Classes (1 = model) of three rows at a time.
	cls := [3][]uint8{out.cls[0][:0], out.cls[1][:0], out.cls[2][:0]}
	for k := range cls {
		if cap(cls[k]) < w {
			cls[k] = make([]uint8, w)
		}
		cls[k] = cls[k][:w]
	}
	out.cls = cls
	rows := [3][]uint32{}
	c := &out.classes
	c.back, c.seen, c.pal = back, &out.seen, nil
	if out.idx != nil {
		c.pal = &out.pal
	}
	clear(c.cache[:])
	// load classifies row y into cls[k]; rows of the band also count their colours into out.seen (up
	// to one over the palette), in the same pass.
	load := func(k, y int) {
		row := t.pix[y*t.stride : y*t.stride+w]
		rows[k] = row
		c.counted = y >= y0 && y < y1
		ck := cls[k][:len(row)]
		if c.counted && out.idx != nil {
			// The same, writing each pixel's rank among the band's colours too.
			ik := out.idx[(y-y0)*w : (y-y0+1)*w]
			pa, pb, ea, eb := row[0]+1, uint32(0), uint64(0), uint64(0)
			x := 0
			for ; x+2 <= len(row); x += 2 {
				if a, b := row[x], row[x+1]; a != pa || b != pb {
					pa, pb = a, b
					// c.entry(a), c.entry(b), with the cache hits inlined.
					if e := c.cache[(a*0x9E3779B1)>>22]; e&1 != 0 && uint32(e>>8) == a {
						ea = e
					} else {
						ea = c.entry(a)
					}
					if e := c.cache[(b*0x9E3779B1)>>22]; e&1 != 0 && uint32(e>>8) == b {
						eb = e
					} else {
						eb = c.entry(b)
					}
				}
				ck[x], ck[x+1] = uint8(ea>>1)&1, uint8(eb>>1)&1
				ik[x], ik[x+1] = uint8(ea>>40), uint8(eb>>40)
			}
			if x < len(row) {
				e := c.entry(row[x])
				ck[x], ik[x] = uint8(e>>1)&1, uint8(e>>40)
			}
			return
		}
		// Two pixels at a time, with the last pair's classes as a cache: rendered rows are mostly
		// runs and two-colour dither, which repeat pairs. Every colour of the row misses the cache at
		// least once, so the misses count all of them.
		pa, pb, qa, qb := row[0]+1, uint32(0), uint8(0), uint8(0)
		x := 0
		for ; x+2 <= len(row); x += 2 {
			a, b := row[x], row[x+1]
			if a != pa || b != pb {
				pa, pb = a, b
				// c.class(a), c.class(b), with the cache hits inlined.
				i := (a * 0x9E3779B1) >> 22
				if e := c.cache[i]; e&1 != 0 && uint32(e>>8) == a {
					qa = uint8(e>>1) & 1
				} else {
					qa = c.miss(a, i)
				}
				i = (b * 0x9E3779B1) >> 22
				if e := c.cache[i]; e&1 != 0 && uint32(e>>8) == b {
					qb = uint8(e>>1) & 1
				} else {
					qb = c.miss(b, i)
				}
			}
			ck[x], ck[x+1] = qa, qb
		}
		if x < len(row) {
			ck[x] = c.class(row[x])
		}
	}
	load(0, max(y0-1, 0))
	load(1, y0)
	load(2, min(y0+1, h-1))
	for y := y0; y < y1; y++ {
		if y > y0 {
			cls[0], cls[1], cls[2] = cls[1], cls[2], cls[0]
			rows[0], rows[1] = rows[1], rows[2]
			load(2, min(y+1, h-1))
		}
		up, mid, down := cls[0], cls[1], cls[2]
		for x := 0; x < w; x++ {
			// Skip eight pixels at a time where the three rows hold one class from x-1 to x+8.
			if x&7 == 0 && x+9 <= w && x > 0 {
				a := binary.LittleEndian.Uint64(up[x:])
				if a == binary.LittleEndian.Uint64(mid[x:]) && a == binary.LittleEndian.Uint64(down[x:]) &&
					(a == 0 || a == 0x0101010101010101) {
					v := uint8(a)
					if up[x-1] == v && mid[x-1] == v && down[x-1] == v && up[x+8] == v && mid[x+8] == v && down[x+8] == v {
						x += 7
						continue
					}
				}
			}
			xl, xr := max(x-1, 0), min(x+1, w-1)
			// Fast reject: all nine the same class.
			s9 := up[xl] + up[x] + up[xr] + mid[xl] + mid[x] + mid[xr] + down[xl] + down[x] + down[xr]
			if s9 == 0 || s9 == 9 {
				continue
			}
			cov := uint32(up[xl]) + 2*uint32(up[x]) + uint32(up[xr]) +
				2*uint32(mid[xl]) + 4*uint32(mid[x]) + 2*uint32(mid[xr]) +
				uint32(down[xl]) + 2*uint32(down[x]) + uint32(down[xr])
			k := (cov + 2) / 4 * 4 // quarters
			if k == 0 || k == 16 {
				continue
			}
			// The model and background colours: the pixel's own, and its nearest 4-neighbour of the
			// other class (the 8-neighbourhood when no 4-neighbour is).
			self := rows[1][x]
			var other uint32
			found := false
			want := 1 - mid[x]
			for _, n := range [8][2]int{{0, -1}, {-1, 0}, {1, 0}, {0, 1}, {-1, -1}, {1, -1}, {-1, 1}, {1, 1}} {
				nx, ny := x+n[0], 1+n[1]
				if nx < 0 || nx >= w {
					continue
				}
				if cls[ny][nx] == want {
					other, found = rows[ny][nx], true
					break
				}
			}
			if !found {
				continue
			}
			m, b := self, other
			if mid[x] == 0 {
				m, b = other, self
			}
			var c uint32
			if transparent && b>>24 == 0 {
				c = m&0xffffff | (k*255/16)<<24
			} else {
				c = mixLinear(m, b, k)
			}
			out.edits = append(out.edits, aaEdit{y*t.stride + x, c})
		}
	}
	// The blends' colours that the band does not hold, once all its rows are counted.
	fresh := &out.freshSet
	for _, e := range out.edits {
		if c := e.c; !out.seen.has(c) && fresh.n < len(fresh.slots)/2 && fresh.add(c) {
			out.fresh = append(out.fresh, c)
		}
	}
}
