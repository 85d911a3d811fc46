// Package qb reads and writes Qubicle Binary (.qb) files.
//
// Layout (Qubicle's documentation, getqubicle.com/qubicle/documentation/
// docs/file/qb/; all integers little-endian 32-bit):
//
//	version            1.1.0.0, stored as the bytes 1 1 0 0
//	colorFormat        0: RGBA, 1: BGRA (the byte order of each voxel)
//	zAxisOrientation   0: left-handed, 1: right-handed
//	compressed         0: raw, 1: run-length encoded
//	visibilityMask     0: alpha is 0 (empty) or 255 (solid);
//	                   1: alpha is a mask of visible sides, 0 is empty
//	numMatrices
//	per matrix:
//	  uint8 name length, name
//	  uint32 sizeX, sizeY, sizeZ
//	  int32  posX, posY, posZ      (the matrix's offset)
//	  raw: sizeX·sizeY·sizeZ voxels, x fastest, then y, then z
//	  RLE: per z slice, words until NEXTSLICE (6): CODEFLAG (2), count,
//	       voxel repeats a voxel count times; any other word is one voxel;
//	       voxels fill the slice x fastest, then y
//
// Axes: Qubicle is Y up. Left-handed files have Z pointing away from the
// viewer, right-handed ones towards the viewer, so a matrix voxel
// (x, y, z) at offset (px, py, pz) is scene voxel
//
//	left-handed:  (px+x,  pz+z,      py+y)
//	right-handed: (px+x, -(pz+z)-1,  py+y)
//
// both proper maps to the scene's right-handed Z-up axes with the model's
// front (Qubicle's front view) facing -Y, as the scene's front view sees
// it. (Goxel 0.11 and vengi pick other mirror images for one of the two
// flags; with no Qubicle-written sample to settle it, this follows the
// axes as the format defines them.)
//
// Matrices become layers, named after the matrix ("Matrix n" when
// unnamed), in file order; each matrix's offset places its voxels. With a
// visibility mask any non-zero alpha is a solid voxel (alpha 255);
// without one the alpha byte is kept, so translucent voxels written by
// Encode come back. Qubicle has no layer visibility: every layer reads as
// visible, and Encode writes only the visible layers (Qubicle has no hidden
// matrices).
//
// Encode writes version 1.1.0.0, RGBA, right-handed, RLE, no visibility
// mask, one matrix per layer (its bounding box; an empty layer is an empty
// 1×1×1 matrix, so its name survives); Options choose the other flags.
//
// Decode checks every count against what remains: a run must fit its
// slice, matrix sides are at most 65,536, offsets and every voxel must lie
// within ±2^20, at most 1,024 matrices, and Limits caps the voxels and
// blocks built. Empty runs are skipped without visiting their voxels, so
// work is linear in the input.
package qb

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"image/color"
	"io"

	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/internal/build"
)

// On-disk constants.
const (
	version       = 0x00000101 // 1.1.0.0: the bytes 1, 1, 0, 0
	formatRGBA    = 0
	formatBGRA    = 1
	leftHanded    = 0
	rightHanded   = 1
	codeFlag      = 2 // RLE: a count and a voxel follow
	nextSliceFlag = 6 // RLE: the z slice ends
	headerSize    = 24

	maxSide     = 1 << 16 // matrix side
	maxMatrices = 1 << 10 // matrices (layers)
	maxExtent   = 1 << 20 // |coordinate| of any voxel
	maxRawCells = 1 << 27 // cells of an uncompressed matrix Encode writes (512 MiB)
	maxRun      = 1<<32 - 1
)

// Limits bounds what Decode builds from one file.
type Limits struct {
	MaxVoxels int // voxels placed
	MaxBlocks int // 16×16×16 blocks (16 KiB each)
}

// DefaultLimits is what Decode uses: 64 Mi voxels and 16 Ki blocks.
var DefaultLimits = Limits{MaxVoxels: 1 << 26, MaxBlocks: 1 << 14}

// FormatError reports that the input is not a valid Qubicle file.
type FormatError string

func (e FormatError) Error() string { return "qb: invalid format: " + string(e) }

// UnsupportedError reports valid input beyond what this package supports.
type UnsupportedError string

func (e UnsupportedError) Error() string { return "qb: unsupported feature: " + string(e) }

// Config describes a file without building its scene.
type Config struct {
	BGRA        bool // colour bytes are B, G, R, A
	RightHanded bool
	Compressed  bool // run-length encoded
	Mask        bool // alpha holds a visibility mask
	Matrices    int
	Voxels      int // non-empty voxels in all matrices
}

// DecodeConfig reads the header and walks the voxel data without building
// anything, counting the non-empty voxels.
func DecodeConfig(r io.Reader) (Config, error) {
	d := &decoder{r: bufio.NewReaderSize(r, 64<<10)}
	err := d.read(nil)
	return d.cfg, err
}

// Decode reads a Qubicle file into a new scene with DefaultLimits.
func Decode(r io.Reader) (*voxel.Scene, error) { return DecodeLimits(r, DefaultLimits) }

// DecodeLimits is Decode with caller-chosen limits.
func DecodeLimits(r io.Reader, lim Limits) (*voxel.Scene, error) {
	s := voxel.NewEmpty()
	b := build.New(s, lim.MaxVoxels, lim.MaxBlocks, func(msg string) error { return UnsupportedError(msg) })
	d := &decoder{r: bufio.NewReaderSize(r, 64<<10)}
	if err := d.read(&target{s: s, b: b}); err != nil {
		return nil, err
	}
	if len(s.Layers()) == 0 {
		s.AddLayer(voxel.DefaultLayerName)
	}
	if err := s.SelectLayer(s.Layers()[0].ID); err != nil {
		return nil, err
	}
	return s, nil
}

type target struct {
	s     *voxel.Scene
	b     *build.Builder
	layer int
}

type decoder struct {
	r   *bufio.Reader
	cfg Config
	buf [4]byte
}

var le = binary.LittleEndian

func (d *decoder) u32(what string) (uint32, error) {
	if _, err := io.ReadFull(d.r, d.buf[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, FormatError("truncated " + what)
		}
		return 0, fmt.Errorf("failed to read %s: %w", what, err)
	}
	return le.Uint32(d.buf[:]), nil
}

func (d *decoder) read(t *target) error {
	var h [6]uint32
	names := [6]string{"version", "colour format", "z-axis orientation", "compression flag", "visibility-mask flag", "matrix count"}
	for i := range h {
		v, err := d.u32("header (" + names[i] + ")")
		if err != nil {
			if i == 0 {
				return FormatError("not a Qubicle file: shorter than its 24-byte header")
			}
			return err
		}
		h[i] = v
	}
	if h[0] != version {
		return FormatError(fmt.Sprintf("not a Qubicle file: version bytes %d.%d.%d.%d, want 1.1.0.0", h[0]&255, h[0]>>8&255, h[0]>>16&255, h[0]>>24))
	}
	for i := 1; i <= 4; i++ {
		if h[i] > 1 {
			return FormatError(fmt.Sprintf("%s is %d, want 0 or 1", names[i], h[i]))
		}
	}
	d.cfg = Config{BGRA: h[1] == formatBGRA, RightHanded: h[2] == rightHanded, Compressed: h[3] == 1, Mask: h[4] == 1}
	if h[5] > maxMatrices {
		return UnsupportedError(fmt.Sprintf("%d matrices; at most %d are read", h[5], maxMatrices))
	}
	d.cfg.Matrices = int(h[5])
	for m := range int(h[5]) {
		if err := d.matrix(m, t); err != nil {
			return err
		}
	}
	return nil
}

// matrixHead is a matrix's name, size and offset.
type matrixHead struct {
	name string
	size [3]int
	pos  [3]int
}

func (d *decoder) matrix(m int, t *target) error {
	what := fmt.Sprintf("matrix %d", m+1)
	n, err := d.r.ReadByte()
	if err != nil {
		return FormatError("truncated " + what + " name")
	}
	name := make([]byte, n)
	if _, err := io.ReadFull(d.r, name); err != nil {
		return FormatError("truncated " + what + " name")
	}
	mh := matrixHead{name: string(name)}
	if mh.name == "" {
		mh.name = fmt.Sprintf("Matrix %d", m+1)
	}
	for i := range 3 {
		v, err := d.u32(what + " size")
		if err != nil {
			return err
		}
		if v == 0 || v > maxSide {
			return UnsupportedError(fmt.Sprintf("%s size %d on axis %d; sides of 1 to %d are read", what, v, i, maxSide))
		}
		mh.size[i] = int(v)
	}
	for i := range 3 {
		v, err := d.u32(what + " offset")
		if err != nil {
			return err
		}
		mh.pos[i] = int(int32(v))
		if mh.pos[i] < -maxExtent || mh.pos[i]+mh.size[i] > maxExtent {
			return UnsupportedError(fmt.Sprintf("%s reaches %d..%d on axis %d, outside the supported extent of ±%d", what, mh.pos[i], mh.pos[i]+mh.size[i]-1, i, maxExtent))
		}
	}
	if t != nil {
		t.layer = t.s.AddLayer(t.s.Budget().ClipName(mh.name))
	}
	sx, sy, sz := mh.size[0], mh.size[1], mh.size[2]
	if !d.cfg.Compressed {
		for z := range sz {
			for y := range sy {
				for x := range sx {
					v, err := d.u32(what + " voxels")
					if err != nil {
						return err
					}
					if err := d.put(t, mh, x, y, z, v); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	slice := sx * sy
	for z := range sz {
		index := 0
		for {
			v, err := d.u32(what + " RLE data")
			if err != nil {
				return err
			}
			if v == nextSliceFlag {
				break
			}
			count := 1
			if v == codeFlag {
				c, err := d.u32(what + " RLE count")
				if err != nil {
					return err
				}
				if v, err = d.u32(what + " RLE voxel"); err != nil {
					return err
				}
				if int64(c) > int64(slice-index) {
					return FormatError(fmt.Sprintf("%s: a run of %d voxels overflows slice z=%d (%d of %d filled)", what, c, z, index, slice))
				}
				count = int(c)
			} else if index >= slice {
				return FormatError(fmt.Sprintf("%s: slice z=%d holds more than its %d voxels", what, z, slice))
			}
			if d.alpha(v) == 0 {
				index += count // empty runs cost nothing
				continue
			}
			for range count {
				if err := d.put(t, mh, index%sx, index/sx, z, v); err != nil {
					return err
				}
				index++
			}
		}
	}
	return nil
}

func (d *decoder) alpha(v uint32) uint8 { return uint8(v >> 24) }

// put places one voxel word of a matrix.
func (d *decoder) put(t *target, mh matrixHead, x, y, z int, v uint32) error {
	a := d.alpha(v)
	if a == 0 {
		return nil
	}
	d.cfg.Voxels++
	if t == nil {
		return nil
	}
	c := color.NRGBA{R: uint8(v), G: uint8(v >> 8), B: uint8(v >> 16), A: a}
	if d.cfg.BGRA {
		c.R, c.B = c.B, c.R
	}
	if d.cfg.Mask {
		c.A = 255 // a mask of visible sides, not an opacity
	}
	wx, wy, wz := mh.pos[0]+x, mh.pos[1]+y, mh.pos[2]+z
	p := voxel.Pos{X: wx, Y: wz, Z: wy}
	if d.cfg.RightHanded {
		p.Y = -wz - 1
	}
	return t.b.Set(t.layer, p, c)
}

// Options choose the flags Encode writes.
type Options struct {
	LeftHanded   bool // zAxisOrientation 0 instead of 1
	BGRA         bool // colorFormat 1 instead of 0
	Uncompressed bool // raw voxels instead of RLE
}

// Encode writes every layer of the scene as a matrix: RGBA, right-handed,
// RLE compressed.
func Encode(w io.Writer, s *voxel.Scene) error { return EncodeOptions(w, s, Options{}) }

// EncodeOptions is Encode with other flags.
func EncodeOptions(w io.Writer, s *voxel.Scene, opt Options) error {
	// Qubicle has no hidden matrices: a hidden layer would come back
	// visible, so only the visible layers are written.
	var layers []voxel.LayerInfo
	for _, l := range s.Layers() {
		if l.Visible {
			layers = append(layers, l)
		}
	}
	if len(layers) > maxMatrices {
		return UnsupportedError(fmt.Sprintf("%d layers; a .qb we read back holds at most %d matrices", len(layers), maxMatrices))
	}
	// Refused before anything is written.
	for _, l := range layers {
		size := matrixSize(l)
		for _, v := range size {
			if v > maxSide {
				return UnsupportedError(fmt.Sprintf("layer %q is %d voxels across; a .qb matrix side is at most %d", l.Name, v, maxSide))
			}
		}
		if opt.Uncompressed && size[0]*size[1]*size[2] > maxRawCells {
			return UnsupportedError(fmt.Sprintf("layer %q spans %d×%d×%d cells; an uncompressed matrix is written up to %d cells (RLE has no such limit)",
				l.Name, size[0], size[1], size[2], maxRawCells))
		}
	}
	frozen := map[int][]voxel.BlockEntry{}
	for _, lb := range s.Freeze() {
		frozen[lb.ID] = lb.Blocks
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var word [4]byte
	put := func(v uint32) {
		le.PutUint32(word[:], v)
		bw.Write(word[:])
	}
	flag := func(b bool) uint32 {
		if b {
			return 1
		}
		return 0
	}
	put(version)
	put(flag(opt.BGRA))
	put(flag(!opt.LeftHanded))
	put(flag(!opt.Uncompressed))
	put(0) // no visibility mask: alpha is the voxel's alpha
	put(uint32(len(layers)))
	for _, l := range layers {
		name := l.Name
		if len(name) > 255 {
			name = name[:255]
		}
		bw.WriteByte(byte(len(name)))
		bw.WriteString(name)
		// The matrix spans the layer's box in Qubicle's axes.
		lo, hi := voxel.Pos{}, voxel.Pos{}
		if l.Count > 0 {
			lo, hi = l.Box.Min, l.Box.Max
		}
		size := matrixSize(l)
		pos := [3]int{lo.X, lo.Z, lo.Y}
		if !opt.LeftHanded {
			pos[2] = -hi.Y - 1
		}
		for _, v := range size {
			put(uint32(v))
		}
		for _, v := range pos {
			put(uint32(int32(v)))
		}
		enc := &sliceWriter{put: put, raw: opt.Uncompressed}
		rows := layerRows(frozen[l.ID], opt.BGRA)
		for z := range size[2] {
			// Slice z is the world row Y = hi.Y - z (right-handed) or lo.Y + z.
			y := hi.Y - z
			if opt.LeftHanded {
				y = lo.Y + z
			}
			sx := size[0]
			enc.begin(uint64(sx) * uint64(size[1]))
			if l.Count > 0 {
				rows.slice(y, func(p voxel.Pos, w uint32) {
					enc.at(uint64(p.X-lo.X)+uint64(p.Z-lo.Z)*uint64(sx), w)
				})
			}
			enc.end()
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("failed to write qb: %w", err)
	}
	return nil
}

// rows indexes a layer's blocks by their Y origin, so that one slice of
// constant world Y visits only the blocks that cross it.
type rows struct {
	byY  map[int][]voxel.BlockEntry // in (Z, X) order of their origins
	bgra bool
}

func layerRows(blocks []voxel.BlockEntry, bgra bool) rows {
	r := rows{byY: map[int][]voxel.BlockEntry{}, bgra: bgra}
	for _, b := range blocks { // (Z, Y, X) order: each Y list stays in (Z, X) order
		r.byY[b.Origin.Y] = append(r.byY[b.Origin.Y], b)
	}
	return r
}

// slice calls fn for the voxels of world row y in increasing (Z, X) order,
// which is the order of a Qubicle slice's cells (x + y·sizeX).
func (r rows) slice(y int, fn func(voxel.Pos, uint32)) {
	oy := y &^ (voxel.BlockSize - 1)
	blocks := r.byY[oy]
	ly := y - oy
	for i := 0; i < len(blocks); {
		// The blocks of one Z origin, in X order: a cell row of each in turn.
		j := i
		for j < len(blocks) && blocks[j].Origin.Z == blocks[i].Origin.Z {
			j++
		}
		for lz := range voxel.BlockSize {
			for _, b := range blocks[i:j] {
				if b.Block.Count() == 0 {
					continue
				}
				for lx := range voxel.BlockSize {
					c := b.Block.At(lx, ly, lz)
					if c.A == 0 {
						continue
					}
					if r.bgra {
						c.R, c.B = c.B, c.R
					}
					fn(voxel.Pos{X: b.Origin.X + lx, Y: y, Z: b.Origin.Z + lz}, uint32(c.R)|uint32(c.G)<<8|uint32(c.B)<<16|uint32(c.A)<<24)
				}
			}
		}
		i = j
	}
}

// sliceWriter writes one slice's cells, given only its voxels in cell
// order: the empty cells between them become runs (RLE) or zero words.
type sliceWriter struct {
	put        func(uint32)
	raw        bool
	size, next uint64 // cells in the slice; the next cell to write
	word       uint32 // the pending run (RLE)
	count      uint64
}

func (s *sliceWriter) begin(size uint64) { s.size, s.next, s.count = size, 0, 0 }

// at writes the empty cells up to index, then the voxel w at index.
func (s *sliceWriter) at(index uint64, w uint32) {
	s.run(0, index-s.next)
	s.run(w, 1)
	s.next = index + 1
}

// end writes the empty cells to the end of the slice and closes it.
func (s *sliceWriter) end() {
	s.run(0, s.size-s.next)
	s.next = s.size
	if !s.raw {
		s.flush()
		s.put(nextSliceFlag)
	}
}

func (s *sliceWriter) run(w uint32, n uint64) {
	if n == 0 {
		return
	}
	if s.raw {
		for range n {
			s.put(w)
		}
		return
	}
	if s.count > 0 && w != s.word {
		s.flush()
	}
	s.word = w
	s.count += n
}

// flush writes the pending run: up to two cells as words, longer ones as
// a counted run (voxel words have alpha > 0 or are 0, so never read as a
// flag), split where a count would not fit 32 bits.
func (s *sliceWriter) flush() {
	for s.count > 0 {
		n := min(s.count, maxRun)
		if n > 2 {
			s.put(codeFlag)
			s.put(uint32(n))
			s.put(s.word)
		} else {
			for range n {
				s.put(s.word)
			}
		}
		s.count -= n
	}
}

// matrixSize is the size of a layer's matrix in Qubicle's axes (x, z, y);
// an empty layer is one empty cell.
func matrixSize(l voxel.LayerInfo) [3]int {
	if l.Count == 0 {
		return [3]int{1, 1, 1}
	}
	lo, hi := l.Box.Min, l.Box.Max
	return [3]int{hi.X - lo.X + 1, hi.Z - lo.Z + 1, hi.Y - lo.Y + 1}
}
