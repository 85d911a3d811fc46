package pngx

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/adler32"
	"hash/crc32"
	"image"
	"io"
	"runtime"
	"sync"

	"github.com/klauspost/compress/flate"

	"github.com/goxel-mcp/goxel-mcp/internal/hot"
)

// TextChunk is one textual metadata entry, written as a tEXt chunk (or iTXt when the value is not ASCII).
type TextChunk struct {
	Keyword string // 1 to 79 printable ASCII characters, no leading, trailing or double spaces
	Value   string
}

// Options controls Encode. A nil *Options means the defaults.
type Options struct {
	// Level is the klauspost/compress/flate level: 0 means the default, BestSpeed (1); 1 to 9 as flate;
	// flate.HuffmanOnly (-2) is accepted too.
	Level int
	// Text chunks are written in this order, before the image data.
	Text []TextChunk
	// Indexed, when set, gives the image's colours as its maker already counted them, and Encode
	// does not scan the pixels for them (see Indexed). Encode trusts it.
	Indexed *Indexed
}

// Indexed describes an image of at most 256 colours in row strips: strip i covers rows
// [Start[i], Start[i+1]) (the last one to the image's bottom), Palettes[i] lists colours (packed
// as in the image, R in the low byte; at most 256, in any order, each once) and Idx[i] holds, row
// after row, each pixel's index into Palettes[i]. Every pixel must be the colour its index names;
// a palette may hold colours no pixel uses. Encode only reads it.
type Indexed struct {
	Start    []int
	Palettes [][]uint32
	Idx      [][]byte
}

// fits reports whether x has the shape of an Indexed for a w×h image.
func (x *Indexed) fits(w, h int) bool {
	n := len(x.Start)
	if n == 0 || len(x.Palettes) != n || len(x.Idx) != n || x.Start[0] != 0 {
		return false
	}
	for i, y0 := range x.Start {
		y1 := h
		if i+1 < n {
			y1 = x.Start[i+1]
		}
		if y1 <= y0 || y1 > h || len(x.Idx[i]) != (y1-y0)*w || len(x.Palettes[i]) > maxPalette {
			return false
		}
	}
	return true
}

const (
	// maxPalette is the largest distinct colour count that still gives a paletted PNG.
	maxPalette = 256
	// stripRawBytes is the uncompressed size of one parallel deflate strip. Below twice that one stream is
	// written straight to the output; above it strips keep both cores busy (deflate dominates encode time).
	stripRawBytes = 64 << 10
	// maxStrips caps the strip count so buffered compressed output stays small; it does not depend on the
	// machine, so output bytes are the same everywhere.
	maxStrips = 16
	// idatMax is the largest IDAT chunk we write.
	idatMax = 1 << 16
)

var pngHeader = []byte("\x89PNG\r\n\x1a\n")

// Encode writes img to w as a PNG. It never modifies img.
func Encode(w io.Writer, img *image.NRGBA, opt *Options) error {
	if img == nil {
		return errors.New("pngx: nil image")
	}
	var o Options
	if opt != nil {
		o = *opt
	}
	level := o.Level
	if level == 0 {
		level = flate.BestSpeed
	}
	if level != flate.HuffmanOnly && (level < 1 || level > 9) {
		return fmt.Errorf("pngx: invalid compression level %d (want 1 to 9, or 0 for the default)", o.Level)
	}
	for _, t := range o.Text {
		if err := checkKeyword(t.Keyword); err != nil {
			return err
		}
	}
	b := img.Rect
	width, height := b.Dx(), b.Dy()
	if width <= 0 || height <= 0 {
		return fmt.Errorf("pngx: invalid image size %dx%d", width, height)
	}
	if uint64(width) > 1<<31-1 || uint64(height) > 1<<31-1 {
		return fmt.Errorf("pngx: image too large %dx%d", width, height)
	}

	e := &encoder{img: img, w: width, h: height}
	defer e.release()
	if x := o.Indexed; x != nil && x.fits(width, height) {
		e.useIndexed(x)
	} else if err := e.analyse(); err != nil {
		return err
	}

	bw, _ := writerPool.Get().(*bufio.Writer)
	if bw == nil {
		// Not NewWriterSize(w, …): given a large enough *bufio.Writer it returns w itself, and the
		// caller's writer would end up reset and in the pool.
		bw = bufio.NewWriterSize(nil, 32<<10)
	}
	bw.Reset(w)
	defer func() {
		bw.Reset(nil) // keeps no reference to w
		writerPool.Put(bw)
	}()
	ew := &chunkWriter{w: bw}
	ew.raw(pngHeader)

	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(width))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(height))
	ihdr[8] = byte(e.depth)
	ihdr[9] = byte(e.ctype)
	// ihdr[10..12]: compression 0, filter method 0, no interlace.
	ew.chunk("IHDR", ihdr[:])

	for _, t := range o.Text {
		writeText(ew, t)
	}
	if e.ctype == ctPaletted {
		pal := make([]byte, 3*len(e.palette))
		lastAlpha := -1
		for i, c := range e.palette {
			pal[3*i], pal[3*i+1], pal[3*i+2] = byte(c), byte(c>>8), byte(c>>16)
			if byte(c>>24) != 0xff {
				lastAlpha = i
			}
		}
		ew.chunk("PLTE", pal)
		if lastAlpha >= 0 {
			trns := make([]byte, lastAlpha+1)
			for i := range trns {
				trns[i] = byte(e.palette[i] >> 24)
			}
			ew.chunk("tRNS", trns)
		}
	}
	if ew.err == nil {
		ew.err = e.writeIDAT(ew, level)
	}
	ew.chunk("IEND", nil)
	if ew.err != nil {
		return fmt.Errorf("failed to write png: %w", ew.err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("failed to write png: %w", err)
	}
	return nil
}

// PNG colour types used here.
const (
	ctRGB      = 2
	ctPaletted = 3
	ctRGBA     = 6
)

type encoder struct {
	img          *image.NRGBA
	w, h         int
	ctype, depth int
	palette      []uint32 // RGBA packed little-endian (R in the low byte), first-appearance order
	// Paletted images keep the indices found while scanning: strip i covers rows from scanStart[i], its
	// indices are local to the strip and remap[i] turns them into palette indices. A strip whose
	// indices would pass maxIndexBytes keeps none (scanIdx[i] is nil): its rows are turned into indices
	// through table as they are written, which costs a second look-up pass but no buffer of a quarter
	// of the frame (8 MB at 4K).
	scanStart []int
	scanIdx   [][]byte
	borrowed  bool // scanIdx came with Options.Indexed: not ours to pool
	remap     [][256]byte
	table     *paletteTable
	rowBytes  int // bytes per row without the filter byte
}

// paletteTable maps a packed colour to its palette index by open addressing.
type paletteTable struct {
	keys [1024]uint32
	idx  [1024]uint16 // index+1; 0 = empty slot
}

func hashColour(c uint32) uint32 { return (c * 0x9E3779B1) >> 22 }

// find returns the index of c, which must be in the table (0 otherwise).
func (t *paletteTable) find(c uint32) byte {
	h := hashColour(c)
	for {
		i := t.idx[h]
		if i == 0 || t.keys[h] == c {
			return byte(max(int(i)-1, 0))
		}
		h = (h + 1) & 1023
	}
}

// lookup returns the index of c, adding it when absent; ok is false when the table already holds 256.
func (t *paletteTable) lookup(c uint32, n *int) (int, bool) {
	h := hashColour(c)
	for {
		i := t.idx[h]
		if i == 0 {
			if *n == maxPalette {
				return 0, false
			}
			*n++
			t.keys[h] = c
			t.idx[h] = uint16(*n)
			return *n - 1, true
		}
		if t.keys[h] == c {
			return int(i) - 1, true
		}
		h = (h + 1) & 1023
	}
}

func pixel(p []byte, i int) uint32 { return binary.LittleEndian.Uint32(p[i:]) }

// analyse picks the colour type: paletted if the image has at most 256 colours, else RGB or RGBA.
// Row strips are scanned in parallel, each with its own table; merging the strips' colours in strip
// order gives the palette in first-appearance raster order, whatever the worker count.
func (e *encoder) analyse() error {
	strips := 1
	if e.w*e.h >= 1<<16 {
		strips = min(runtime.GOMAXPROCS(0), e.h, 8) // from 256×256 up
	}
	type scan struct {
		palette []uint32
		idx     []byte
		ok      bool // at most 256 colours in this strip
	}
	// Index buffers of strips that found too many colours go back to the pool at once; the rest when
	// the image is written (release).
	res := make([]scan, strips)
	err := hot.Run(strips, func(i int) {
		if testPanic != nil {
			testPanic("scan")
		}
		p, idx, ok := e.scanColours(e.h*i/strips, e.h*(i+1)/strips)
		res[i] = scan{p, idx, ok}
	})
	if err != nil {
		for _, r := range res {
			putBytes(r.idx)
		}
		return fmt.Errorf("pngx: %w", err)
	}
	palettes, idx, start := make([][]uint32, strips), make([][]byte, strips), make([]int, strips)
	paletted := true
	for i, r := range res {
		palettes[i], idx[i], start[i] = r.palette, r.idx, e.h*i/strips
		paletted = paletted && r.ok
	}
	if paletted && e.merge(start, palettes, idx) {
		return nil
	}
	for _, r := range res {
		putBytes(r.idx)
	}
	e.direct()
	return nil
}

// useIndexed takes the strips of x (which fits the image) instead of scanning the pixels.
func (e *encoder) useIndexed(x *Indexed) {
	e.borrowed = true
	if !e.merge(x.Start, x.Palettes, x.Idx) {
		e.borrowed = false
		e.direct()
	}
}

// merge joins the strips' palettes in strip order into the image's palette and sets the paletted
// colour type, or reports false, leaving e as it was, when they hold more than 256 colours in all.
func (e *encoder) merge(start []int, palettes [][]uint32, idx [][]byte) bool {
	t := new(paletteTable)
	n := 0
	var palette []uint32
	remap := make([][256]byte, len(palettes))
	for i, p := range palettes {
		for j, c := range p {
			k, ok := t.lookup(c, &n)
			if !ok {
				return false
			}
			if k == len(palette) {
				palette = append(palette, c)
			}
			remap[i][j] = byte(k)
		}
	}
	e.ctype, e.palette, e.remap, e.table = ctPaletted, palette, remap, t
	e.scanStart, e.scanIdx = start, idx
	switch {
	case n <= 2:
		e.depth = 1
	case n <= 4:
		e.depth = 2
	case n <= 16:
		e.depth = 4
	default:
		e.depth = 8
	}
	e.rowBytes = (e.w*e.depth + 7) / 8
	return true
}

// direct sets the colour type of an image of more than 256 colours: RGB when it is opaque, else RGBA.
func (e *encoder) direct() {
	e.depth = 8
	if e.opaque() {
		e.ctype, e.rowBytes = ctRGB, 3*e.w
	} else {
		e.ctype, e.rowBytes = ctRGBA, 4*e.w
	}
}

// scanColours returns the distinct colours of rows [y0, y1) in first-appearance order and each pixel's
// index in that list, or false as soon as there are more than 256.
func (e *encoder) scanColours(y0, y1 int) ([]uint32, []byte, bool) {
	img := e.img
	t := new(paletteTable)
	n := 0
	palette := make([]uint32, 0, 16)
	var idx []byte
	if n := (y1 - y0) * e.w; n <= maxIndexBytes {
		idx = getBytes(n)
	}
	// prev is the last colour looked up (a run cache: rendered images are mostly long runs); pair is
	// prev twice, to skip two equal pixels with one 8-byte compare.
	prev := pixel(img.Pix, y0*img.Stride)
	pair := uint64(prev) | uint64(prev)<<32
	var prevIdx byte
	add := func(c uint32) bool {
		k, ok := t.lookup(c, &n)
		if !ok {
			return false
		}
		if k == len(palette) {
			palette = append(palette, c)
		}
		prev, pair, prevIdx = c, uint64(c)|uint64(c)<<32, byte(k)
		return true
	}
	add(prev)
	if idx == nil {
		return palette, nil, e.scanOnly(y0, y1, add, &prev, &pair)
	}
	for y := y0; y < y1; y++ {
		out := idx[(y-y0)*e.w : (y-y0+1)*e.w]
		row := img.Pix[y*img.Stride : y*img.Stride+4*len(out)]
		x := 0
		for x+2 <= len(out) {
			v := binary.LittleEndian.Uint64(row[4*x:])
			if v == pair {
				// Inside a run (the common case in rendered images): four pixels per step while it lasts.
				fill := uint32(prevIdx) * 0x01010101
				x += 2
				for x+4 <= len(out) {
					b := row[4*x : 4*x+16]
					if binary.LittleEndian.Uint64(b) != pair || binary.LittleEndian.Uint64(b[8:]) != pair {
						break
					}
					binary.LittleEndian.PutUint32(out[x-2:x+2], fill)
					x += 4
				}
				out[x-2], out[x-1] = prevIdx, prevIdx
				continue
			}
			if c := uint32(v); c != prev && !add(c) {
				putBytes(idx)
				return nil, nil, false
			}
			out[x] = prevIdx
			if c := uint32(v >> 32); c != prev && !add(c) {
				putBytes(idx)
				return nil, nil, false
			}
			out[x+1] = prevIdx
			x += 2
		}
		if x < len(out) {
			if c := pixel(row, 4*x); c != prev && !add(c) {
				putBytes(idx)
				return nil, nil, false
			}
			out[x] = prevIdx
		}
	}
	return palette, idx, true
}

// scanOnly is scanColours without indices: it meets every colour of rows [y0, y1) through add, with
// the same run cache (*prev, *pair, which add updates).
func (e *encoder) scanOnly(y0, y1 int, add func(uint32) bool, prev *uint32, pair *uint64) bool {
	img := e.img
	w := e.w
	for y := y0; y < y1; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		x := 0
		for x+2 <= w {
			v := binary.LittleEndian.Uint64(row[4*x:])
			if v == *pair {
				x += 2
				for x+4 <= w {
					b := row[4*x : 4*x+16]
					if binary.LittleEndian.Uint64(b) != *pair || binary.LittleEndian.Uint64(b[8:]) != *pair {
						break
					}
					x += 4
				}
				continue
			}
			if c := uint32(v); c != *prev && !add(c) {
				return false
			}
			if c := uint32(v >> 32); c != *prev && !add(c) {
				return false
			}
			x += 2
		}
		if x < w {
			if c := pixel(row, 4*x); c != *prev && !add(c) {
				return false
			}
		}
	}
	return true
}

// indexRow writes the palette index of each pixel of row (NRGBA bytes, len(out) pixels) to out, with
// the scan's run cache: one table look-up per change of colour.
func (e *encoder) indexRow(out, row []byte) {
	t := e.table
	w := len(out)
	prev := pixel(row, 0)
	k := t.find(prev)
	pair := uint64(prev) | uint64(prev)<<32
	x := 0
	for x+2 <= w {
		v := binary.LittleEndian.Uint64(row[4*x:])
		if v == pair {
			fill := uint32(k) * 0x01010101
			x += 2
			for x+4 <= w {
				b := row[4*x : 4*x+16]
				if binary.LittleEndian.Uint64(b) != pair || binary.LittleEndian.Uint64(b[8:]) != pair {
					break
				}
				binary.LittleEndian.PutUint32(out[x-2:x+2], fill)
				x += 4
			}
			out[x-2], out[x-1] = k, k
			continue
		}
		if c := uint32(v); c != prev {
			prev, k = c, t.find(c)
		}
		out[x] = k
		if c := uint32(v >> 32); c != prev {
			prev, k = c, t.find(c)
		}
		out[x+1] = k
		pair = uint64(prev) | uint64(prev)<<32
		x += 2
	}
	if x < w {
		if c := pixel(row, 4*x); c != prev {
			k = t.find(c)
		}
		out[x] = k
	}
}

// opaque reports whether every alpha is 255.
func (e *encoder) opaque() bool {
	img := e.img
	for y := range e.h {
		row := img.Pix[y*img.Stride : y*img.Stride+4*e.w]
		i := 0
		for ; i+8 <= len(row); i += 8 {
			if binary.LittleEndian.Uint64(row[i:])&0xff000000ff000000 != 0xff000000ff000000 {
				return false
			}
		}
		if i < len(row) && row[i+3] != 0xff {
			return false
		}
	}
	return true
}

func (e *encoder) writeRows(dst io.Writer, y0, y1 int) (uint32, error) {
	img := e.img
	sum := adler32.New()
	buf := make([]byte, 1+e.rowBytes)
	var scratch []byte // a row of indices, for packRowPixels
	for y := y0; y < y1; y++ {
		src := img.Pix[y*img.Stride : y*img.Stride+4*e.w]
		buf[0] = 0 // filter type None
		out := buf[1:]
		if e.ctype == ctRGBA {
			// The NRGBA row is already the PNG row: write it in place, no copy.
			sum.Write(buf[:1]) //nolint:errcheck // hash writes never fail
			sum.Write(src)     //nolint:errcheck // hash writes never fail
			if _, err := dst.Write(buf[:1]); err != nil {
				return 0, err
			}
			if _, err := dst.Write(src); err != nil {
				return 0, err
			}
			continue
		}
		switch e.ctype {
		case ctRGB:
			for i, j := 0, 0; i < len(src); i, j = i+4, j+3 {
				out[j], out[j+1], out[j+2] = src[i], src[i+1], src[i+2]
			}
		case ctPaletted:
			e.packRow(out, y, &scratch)
		}
		sum.Write(buf) //nolint:errcheck // hash writes never fail
		if _, err := dst.Write(buf); err != nil {
			return 0, err
		}
	}
	return sum.Sum32(), nil
}

// packRow writes row y's palette indices at the image's bit depth.
func (e *encoder) packRow(out []byte, y int, scratch *[]byte) {
	i := len(e.scanStart) - 1
	for e.scanStart[i] > y {
		i--
	}
	if e.scanIdx[i] == nil {
		e.packRowPixels(out, y, scratch)
		return
	}
	local := e.scanIdx[i][(y-e.scanStart[i])*e.w : (y-e.scanStart[i]+1)*e.w]
	remap := &e.remap[i]
	if e.depth == 8 {
		if i == 0 {
			copy(out, local) // the first strip's order is the palette's order
			return
		}
		for x, k := range local {
			out[x] = remap[k]
		}
		return
	}
	clear(out)
	perByte := 8 / e.depth
	for x, k := range local {
		shift := uint(8 - e.depth*(x%perByte+1))
		out[x/perByte] |= remap[k] << shift
	}
}

// packRowPixels writes row y's palette indices, from its pixels, at the image's bit depth.
func (e *encoder) packRowPixels(out []byte, y int, scratch *[]byte) {
	src := e.img.Pix[y*e.img.Stride : y*e.img.Stride+4*e.w]
	if e.depth == 8 {
		e.indexRow(out, src)
		return
	}
	if len(*scratch) != e.w {
		*scratch = make([]byte, e.w)
	}
	idx := *scratch
	e.indexRow(idx, src)
	clear(out)
	perByte := 8 / e.depth
	for x, k := range idx {
		shift := uint(8 - e.depth*(x%perByte+1))
		out[x/perByte] |= k << shift
	}
}

// bytePool recycles the per-pixel index buffers of the colour scan, at most maxIndexBytes each.
var bytePool sync.Pool // of *[]byte

// maxIndexBytes is the largest index buffer a scan strip keeps (a 1080p frame's strips on 2 cores are
// 1 MB); larger strips keep none (see encoder.scanIdx). maxPooledBytes bounds pooled strip output.
const (
	maxIndexBytes  = 2 << 20
	maxPooledBytes = 2 << 20
)

func getBytes(n int) []byte {
	if p, ok := bytePool.Get().(*[]byte); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]byte, n)
}

func putBytes(b []byte) {
	if b != nil && cap(b) <= maxIndexBytes {
		b = b[:0]
		bytePool.Put(&b)
	}
}

// release returns the encoder's buffers to their pools.
func (e *encoder) release() {
	if !e.borrowed {
		for _, b := range e.scanIdx {
			putBytes(b)
		}
	}
	e.scanIdx = nil
}

// bufPool recycles the compressed output of parallel strips.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

var flatePool sync.Pool // of *flate.Writer, keyed implicitly by level (see getFlate)

type pooledFlate struct {
	level int
	fw    *flate.Writer
}

func getFlate(w io.Writer, level int) (*flate.Writer, error) {
	if p, ok := flatePool.Get().(*pooledFlate); ok && p.level == level {
		p.fw.Reset(w)
		return p.fw, nil
	}
	return flate.NewWriter(w, level)
}

func putFlate(fw *flate.Writer, level int) { flatePool.Put(&pooledFlate{level: level, fw: fw}) }

// writeIDAT writes the zlib stream of all rows as IDAT chunks.
func (e *encoder) writeIDAT(cw *chunkWriter, level int) error {
	raw := (e.rowBytes + 1) * e.h
	strips := min(max(raw/stripRawBytes, 1), maxStrips, e.h)
	idat := &idatWriter{cw: cw}
	defer idat.release()
	idat.Write([]byte{0x78, 0x01}) //nolint:errcheck // errors are kept in cw.err
	var total uint32
	if strips == 1 {
		fw, err := getFlate(idat, level)
		if err != nil {
			return err
		}
		total, err = e.writeRows(fw, 0, e.h)
		if err == nil {
			err = fw.Close()
		}
		putFlate(fw, level)
		if err != nil {
			return err
		}
	} else {
		type result struct {
			buf  *bytes.Buffer
			sum  uint32
			rows int
			err  error
		}
		res := make([]result, strips)
		for i := range res {
			res[i].buf = bufPool.Get().(*bytes.Buffer)
			res[i].buf.Reset()
		}
		err := hot.Run(strips, func(i int) {
			r := &res[i]
			if testPanic != nil {
				testPanic("deflate")
			}
			y0, y1 := e.h*i/strips, e.h*(i+1)/strips
			r.rows = y1 - y0
			fw, err := getFlate(r.buf, level)
			if err == nil {
				r.sum, err = e.writeRows(fw, y0, y1)
				if err == nil {
					if i == strips-1 {
						err = fw.Close()
					} else {
						err = fw.Flush() // sync flush: byte-aligned, not final
					}
				}
				putFlate(fw, level)
			}
			r.err = err
		})
		if err != nil {
			err = fmt.Errorf("pngx: %w", err)
		}
		for i := range res {
			r := &res[i]
			if err == nil && r.err != nil {
				err = r.err
			}
			if err == nil {
				idat.Write(r.buf.Bytes()) //nolint:errcheck // errors are kept in cw.err
				n := int64(r.rows) * int64(e.rowBytes+1)
				if i == 0 {
					total = r.sum
				} else {
					total = adler32Combine(total, r.sum, n)
				}
			}
			if r.buf.Cap() <= maxPooledBytes {
				bufPool.Put(r.buf)
			}
			r.buf = nil
		}
		if err != nil {
			return err
		}
	}
	var tail [4]byte
	binary.BigEndian.PutUint32(tail[:], total)
	idat.Write(tail[:]) //nolint:errcheck // errors are kept in cw.err
	idat.flush()
	return cw.err
}

// adler32Combine returns the adler32 of A||B from adler32(A), adler32(B) and len(B) (RFC 1950 maths:
// s1 adds B's s1 minus the initial 1; s2 gains len(B)·s1(A) plus B's s2 minus len(B)).
func adler32Combine(a, b uint32, lenB int64) uint32 {
	const mod = 65521
	rem := uint64(lenB % mod)
	a1, a2 := uint64(a&0xffff), uint64(a>>16)
	b1, b2 := uint64(b&0xffff), uint64(b>>16)
	s1 := (a1 + b1 + mod - 1) % mod
	s2 := (a2 + b2 + rem*a1%mod + mod - rem) % mod
	return uint32(s2<<16 | s1)
}

// chunkWriter writes PNG chunks and remembers the first error.
type chunkWriter struct {
	w   io.Writer
	err error
}

func (c *chunkWriter) raw(p []byte) {
	if c.err == nil {
		_, c.err = c.w.Write(p)
	}
}

func (c *chunkWriter) chunk(typ string, data []byte) {
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[:4], uint32(len(data)))
	copy(hdr[4:], typ)
	crc := crc32.NewIEEE()
	crc.Write(hdr[4:]) //nolint:errcheck // hash writes never fail
	crc.Write(data)    //nolint:errcheck // hash writes never fail
	var tail [4]byte
	binary.BigEndian.PutUint32(tail[:], crc.Sum32())
	c.raw(hdr[:])
	c.raw(data)
	c.raw(tail[:])
}

// idatWriter collects zlib bytes into IDAT chunks of at most idatMax bytes.
type idatWriter struct {
	cw  *chunkWriter
	buf []byte
}

func (w *idatWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(w.buf) == 0 && len(p) >= idatMax {
			// A whole chunk: written from p, not copied (chunks fall where they would anyway).
			w.cw.chunk("IDAT", p[:idatMax])
			p = p[idatMax:]
			continue
		}
		if w.buf == nil {
			w.buf = getIdat()
		}
		k := min(len(p), idatMax-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		if len(w.buf) == idatMax {
			w.flush()
		}
	}
	if w.cw.err != nil {
		return 0, w.cw.err
	}
	return n, nil
}

func (w *idatWriter) flush() {
	if len(w.buf) > 0 {
		w.cw.chunk("IDAT", w.buf)
		w.buf = w.buf[:0]
	}
}

// release hands the chunk buffer back; the writer must not be used afterwards.
func (w *idatWriter) release() {
	if b := w.buf; b != nil {
		w.buf = nil
		idatPool.Put(&b) // a pointer to a copy: the pool's next taker owns it, not this writer
	}
}

// idatPool recycles the chunk buffers of idatWriter (idatMax bytes), writerPool the output buffers
// of Encode: a 400×400 render allocated 94 KB of them per encode.
var (
	idatPool   sync.Pool // of *[]byte
	writerPool sync.Pool // of *bufio.Writer
)

func getIdat() []byte {
	if p, ok := idatPool.Get().(*[]byte); ok {
		return (*p)[:0]
	}
	return make([]byte, 0, idatMax)
}

func checkKeyword(k string) error {
	if len(k) < 1 || len(k) > 79 {
		return fmt.Errorf("pngx: text keyword %q must be 1 to 79 characters", k)
	}
	if k[0] == ' ' || k[len(k)-1] == ' ' || bytes.Contains([]byte(k), []byte("  ")) {
		return fmt.Errorf("pngx: text keyword %q has leading, trailing or double spaces", k)
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 32 || c > 126 {
			return fmt.Errorf("pngx: text keyword %q must be printable ASCII", k)
		}
	}
	return nil
}

// writeText writes t as tEXt when the value is printable ASCII (plus newline), else as an uncompressed
// UTF-8 iTXt chunk; tEXt is Latin-1 and a UTF-8 string there would be misread.
func writeText(cw *chunkWriter, t TextChunk) {
	ascii := true
	for i := 0; i < len(t.Value); i++ {
		if c := t.Value[i]; c == 0 || c > 126 || (c < 32 && c != '\n') {
			ascii = false
			break
		}
	}
	if ascii {
		data := make([]byte, 0, len(t.Keyword)+1+len(t.Value))
		data = append(data, t.Keyword...)
		data = append(data, 0)
		data = append(data, t.Value...)
		cw.chunk("tEXt", data)
		return
	}
	// iTXt: keyword, NUL, compression flag 0, method 0, empty language tag NUL, empty translated keyword NUL.
	data := make([]byte, 0, len(t.Keyword)+5+len(t.Value))
	data = append(data, t.Keyword...)
	data = append(data, 0, 0, 0, 0, 0)
	data = append(data, bytes.ReplaceAll([]byte(t.Value), []byte{0}, nil)...)
	cw.chunk("iTXt", data)
}

// recoverTo turns a panic in the calling goroutine into *err, so a bug in one encode fails that call
// only (the process keeps serving). Use as defer recoverTo(&err).
func recoverTo(err *error) {
	if v := recover(); v != nil {
		*err = fmt.Errorf("pngx: internal error: %v", v)
	}
}

// testPanic, when set by a test, is called in the encoder's goroutines with the name of the pass.
var testPanic func(where string)
