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
	bw := bufio.NewWriterSize(w, 64<<10)
	put := func(v uint32) { bw.Write(le.AppendUint32(nil, v)) }
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
		size := [3]int{hi.X - lo.X + 1, hi.Z - lo.Z + 1, hi.Y - lo.Y + 1}
		for _, v := range size {
			if v > maxSide {
				return UnsupportedError(fmt.Sprintf("layer %q is %d voxels across; a .qb matrix side is at most %d", l.Name, v, maxSide))
			}
		}
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
		word := func(x, y, z int) uint32 {
			if l.Count == 0 {
				return 0
			}
			sy := pos[2] + z // left-handed
			if !opt.LeftHanded {
				sy = -(pos[2] + z) - 1
			}
			c := s.Get(l.ID, voxel.Pos{X: pos[0] + x, Y: sy, Z: pos[1] + y})
			if c.A == 0 {
				return 0
			}
			if opt.BGRA {
				c.R, c.B = c.B, c.R
			}
			return uint32(c.R) | uint32(c.G)<<8 | uint32(c.B)<<16 | uint32(c.A)<<24
		}
		for z := range size[2] {
			run, count := uint32(0), 0
			flush := func() {
				// Voxel words have alpha > 0 or are 0, so never read as a flag.
				switch {
				case count > 2:
					put(codeFlag)
					put(uint32(count))
					put(run)
				default:
					for range count {
						put(run)
					}
				}
			}
			for y := range size[1] {
				for x := range size[0] {
					v := word(x, y, z)
					if opt.Uncompressed {
						put(v)
						continue
					}
					if count > 0 && v != run {
						flush()
						count = 0
					}
					run = v
					count++
				}
			}
			if !opt.Uncompressed {
				flush()
				put(nextSliceFlag)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("failed to write qb: %w", err)
	}
	return nil
}
