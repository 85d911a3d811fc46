package gox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

var le = binary.LittleEndian

// Config describes a file without decoding its blocks.
type Config struct {
	Version   int // 1 or 2
	Blocks    int // BL16 chunks
	Layers    int // LAYR chunks
	BlockRefs int // block references over all layers
}

// MaxVoxels returns an upper bound of the voxels the file can hold: a full
// block for every reference.
func (c Config) MaxVoxels() int { return c.BlockRefs * blockSize * blockSize * blockSize }

// DecodeConfig reads the chunk headers and layer tables, skipping block
// images.
func DecodeConfig(r io.Reader) (Config, error) {
	d := &decoder{r: buffered(r), configOnly: true}
	if err := d.read(); err != nil {
		return Config{}, err
	}
	return d.cfg, nil
}

// Decode reads a Goxel file into a new scene with DefaultLimits.
func Decode(r io.Reader) (*voxel.Scene, error) { return DecodeLimits(r, DefaultLimits) }

// DecodeLimits is Decode with caller-chosen limits.
func DecodeLimits(r io.Reader, lim Limits) (*voxel.Scene, error) {
	return DecodeContext(context.Background(), r, lim)
}

// DecodeContext is DecodeLimits that stops with ctx's error when ctx is
// done: it is checked between chunks and while blocks are placed.
func DecodeContext(ctx context.Context, r io.Reader, lim Limits) (*voxel.Scene, error) {
	d := &decoder{r: buffered(r), lim: lim, ctx: ctx}
	if err := d.read(); err != nil {
		return nil, err
	}
	s, err := d.build()
	if errors.Is(err, voxel.ErrBudget) {
		return nil, fmt.Errorf("gox: %w", err)
	}
	return s, err
}

type blockRef struct {
	index   int
	x, y, z int
}

type layerChunk struct {
	refs    []blockRef
	name    string
	visible bool
	id      int32
	baseID  int32
	shape   string
	color   color.NRGBA
	mat     *[16]float32
}

type decoder struct {
	ctx        context.Context // nil for DecodeConfig
	r          io.Reader
	lim        Limits
	configOnly bool
	cfg        Config

	blocks []*[4096]color.NRGBA // nil for an empty block
	layers []layerChunk
	box    *[16]float32 // IMG box, nil when absent
}

func truncated(what string) error { return FormatError("truncated " + what) }

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

func (d *decoder) read() error {
	var hdr [8]byte
	if _, err := io.ReadFull(d.r, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return FormatError("not a Goxel file: shorter than its 8-byte header")
		}
		return fmt.Errorf("failed to read header: %w", err)
	}
	if string(hdr[:4]) != magic {
		return FormatError(fmt.Sprintf("not a Goxel file: magic is %q, want %q", hdr[:4], magic))
	}
	v := le.Uint32(hdr[4:])
	if v < versionFirst || v > version {
		return UnsupportedError(fmt.Sprintf("version %d (want %d or %d)", v, versionFirst, version))
	}
	d.cfg.Version = int(v)
	for {
		if d.ctx != nil {
			if err := d.ctx.Err(); err != nil {
				return err
			}
		}
		var ch [chunkHeaderSize]byte
		n, err := io.ReadFull(d.r, ch[:])
		if n == 0 && errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return truncated("chunk header")
			}
			return fmt.Errorf("failed to read chunk header: %w", err)
		}
		id := string(ch[:4])
		size := le.Uint32(ch[4:])
		if size > maxChunk {
			return FormatError(fmt.Sprintf("chunk %q has negative length %d", id, int32(size)))
		}
		if d.configOnly && id != idLAYR {
			if id == idBL16 {
				d.cfg.Blocks++
			}
			if m, err := io.CopyN(io.Discard, d.r, int64(size)+crcSize); m != int64(size)+crcSize {
				if err != nil && !errors.Is(err, io.EOF) {
					return fmt.Errorf("failed to read %s chunk: %w", id, err)
				}
				return truncated(id + " chunk")
			}
			continue
		}
		data, err := readN(d.r, size, id+" chunk")
		if err != nil {
			return err
		}
		var crc [crcSize]byte
		if _, err := io.ReadFull(d.r, crc[:]); err != nil {
			return truncated(id + " chunk CRC")
		}
		// Goxel writes 0 for every CRC; any other value must match.
		if want := le.Uint32(crc[:]); want != 0 {
			h := crc32.NewIEEE()
			h.Write(ch[:4])
			h.Write(data)
			if got := h.Sum32(); got != want {
				return FormatError(fmt.Sprintf("%s chunk CRC is %08x, want %08x", id, want, got))
			}
		}
		if err := d.chunk(id, data); err != nil {
			return err
		}
	}
}

func (d *decoder) chunk(id string, data []byte) error {
	switch id {
	case idBL16:
		d.cfg.Blocks++
		if len(d.blocks) >= d.lim.MaxBlocks {
			return UnsupportedError(fmt.Sprintf("more than %d BL16 blocks", d.lim.MaxBlocks))
		}
		b, err := decodeBlock(data)
		if err != nil {
			return fmt.Errorf("block %d: %w", len(d.blocks), err)
		}
		d.blocks = append(d.blocks, b)
	case idLAYR:
		d.cfg.Layers++
		if d.cfg.Layers > maxLayers {
			return UnsupportedError(fmt.Sprintf("more than %d layers", maxLayers))
		}
		c := &cursor{b: data, what: "LAYR chunk"}
		n := c.u32()
		if c.err == nil && uint64(n)*refSize > uint64(len(c.b)) {
			return FormatError(fmt.Sprintf("LAYR block count %d exceeds its %d-byte chunk", n, len(data)))
		}
		d.cfg.BlockRefs += int(n)
		l := layerChunk{visible: true, refs: make([]blockRef, 0, n)}
		for range n {
			ref := blockRef{index: int(c.i32()), x: int(c.i32()), y: int(c.i32()), z: int(c.i32())}
			c.u32() // unused, 0
			if d.cfg.Version == versionFirst {
				ref.x, ref.y, ref.z = ref.x-8, ref.y-8, ref.z-8
			}
			if !d.configOnly && (ref.index < 0 || ref.index >= len(d.blocks)) {
				return FormatError(fmt.Sprintf("LAYR refers to block %d of %d", ref.index, len(d.blocks)))
			}
			l.refs = append(l.refs, ref)
		}
		err := c.dict(func(k string, v []byte) error {
			switch k {
			case "name":
				if i := bytes.IndexByte(v, 0); i >= 0 {
					v = v[:i] // Goxel reads names as C strings
				}
				l.name = clip(string(v), maxDictVal)
			case "visible":
				if len(v) == 1 {
					l.visible = v[0] != 0
				}
			case "id":
				if len(v) == 4 {
					l.id = int32(le.Uint32(v))
				}
			case "base_id":
				if len(v) == 4 {
					l.baseID = int32(le.Uint32(v))
				}
			case "shape":
				l.shape = string(v)
			case "color":
				if len(v) == 4 {
					l.color = color.NRGBA{R: v[0], G: v[1], B: v[2], A: v[3]}
				}
			case "mat":
				m, err := readMat(v, "mat")
				if err != nil {
					return err
				}
				l.mat = m
			}
			return nil
		})
		if err != nil {
			return err
		}
		d.layers = append(d.layers, l)
	case idIMG:
		c := &cursor{b: data, what: "IMG chunk"}
		return c.dict(func(k string, v []byte) error {
			if k == "box" {
				m, err := readMat(v, "box")
				if err != nil {
					return err
				}
				d.box = m
			}
			return nil
		})
	}
	return nil
}

// maxMat bounds the entries of a shape layer's "mat", so that the shape's
// voxel coordinates stay far from int overflow. A "box" may be larger: it
// only clips.
const maxMat = 1 << 24

func readMat(v []byte, what string) (*[16]float32, error) {
	if len(v) != matSize {
		return nil, FormatError(fmt.Sprintf("%s of %d bytes, want %d", what, len(v), matSize))
	}
	var m [16]float32
	for i := range m {
		m[i] = math.Float32frombits(le.Uint32(v[4*i:]))
		if math.IsNaN(float64(m[i])) || math.IsInf(float64(m[i]), 0) || (what == "mat" && math.Abs(float64(m[i])) > maxMat) {
			return nil, FormatError(fmt.Sprintf("%s holds %v", what, m[i]))
		}
	}
	return &m, nil
}

// decodeBlock decodes a BL16 image: 64×64 RGBA pixels in row order are the
// 4096 voxels in x, then y, then z order, the layout of voxel.Block.
func decodeBlock(data []byte) (*[4096]color.NRGBA, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, FormatError(fmt.Sprintf("BL16 is not a PNG image: %v", err))
	}
	if cfg.Width != blockImage || cfg.Height != blockImage {
		return nil, FormatError(fmt.Sprintf("BL16 image is %d×%d, want %d×%d", cfg.Width, cfg.Height, blockImage, blockImage))
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, FormatError(fmt.Sprintf("BL16 image: %v", err))
	}
	var b [4096]color.NRGBA
	empty := true
	if m, ok := img.(*image.NRGBA); ok && m.Stride == 4*blockImage && len(m.Pix) == voxelBytes {
		for i := range b {
			p := m.Pix[4*i : 4*i+4 : 4*i+4]
			b[i] = color.NRGBA{R: p[0], G: p[1], B: p[2], A: p[3]}
			empty = empty && p[3] == 0
		}
	} else if m, ok := img.(*image.RGBA); ok && m.Stride == 4*blockImage && len(m.Pix) == voxelBytes {
		// image/png decodes opaque (colour type 2) images as RGBA.
		for i := range b {
			p := m.Pix[4*i : 4*i+4 : 4*i+4]
			c := color.RGBA{R: p[0], G: p[1], B: p[2], A: p[3]}
			if c.A == 255 || c.A == 0 {
				b[i] = color.NRGBA(c)
			} else {
				b[i] = color.NRGBAModel.Convert(c).(color.NRGBA)
			}
			empty = empty && c.A == 0
		}
	} else {
		bounds := img.Bounds()
		for i := range b {
			c := color.NRGBAModel.Convert(img.At(bounds.Min.X+i%blockImage, bounds.Min.Y+i/blockImage)).(color.NRGBA)
			b[i] = c
			empty = empty && c.A == 0
		}
	}
	if empty {
		return nil, nil
	}
	return &b, nil
}

// cursor reads little-endian values from a chunk; the first failure
// sticks in err.
type cursor struct {
	b    []byte
	what string
	err  error
}

func (c *cursor) u32() uint32 {
	if len(c.b) < 4 {
		if c.err == nil {
			c.err = truncated(c.what)
		}
		c.b = nil
		return 0
	}
	v := le.Uint32(c.b)
	c.b = c.b[4:]
	return v
}

func (c *cursor) i32() int32 { return int32(c.u32()) }

// dict reads key/value pairs until the chunk ends or a key size is 0.
func (c *cursor) dict(fn func(k string, v []byte) error) error {
	for c.err == nil && len(c.b) > 0 {
		kn := c.u32()
		if c.err != nil || kn == 0 {
			break
		}
		if kn > maxDictKey || int(kn) > len(c.b) {
			return FormatError(fmt.Sprintf("DICT key of %d bytes in %s", kn, c.what))
		}
		k := string(c.b[:kn])
		c.b = c.b[kn:]
		vn := c.u32()
		if c.err == nil && uint64(vn) > uint64(len(c.b)) {
			return FormatError(fmt.Sprintf("DICT value of %d bytes exceeds the %s", vn, c.what))
		}
		if c.err != nil {
			break
		}
		v := c.b[:vn]
		c.b = c.b[vn:]
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return c.err
}

func (d *decoder) build() (*voxel.Scene, error) {
	s := voxel.NewEmpty()
	budget := s.Budget()
	if len(d.layers) > budget.MaxLayers {
		return nil, UnsupportedError(fmt.Sprintf("%d layers, more than the %d a scene may have", len(d.layers), budget.MaxLayers))
	}
	if err := d.checkExtent(budget); err != nil {
		return nil, err
	}
	b := newBuilder(s, d.lim).WithContext(d.ctx)
	ids := map[int32]int{} // Goxel layer id → scene layer id
	for i, l := range d.layers {
		name := budget.ClipName(l.name)
		if name == "" {
			name = fmt.Sprintf("Layer %d", i+1)
		}
		id, err := s.TryAddLayer(name)
		if err != nil {
			return nil, err
		}
		if l.id != 0 {
			ids[l.id] = id
		}
		for _, ref := range l.refs {
			blk := d.blocks[ref.index]
			if blk == nil {
				continue
			}
			if err := b.Spend(len(blk)); err != nil {
				return nil, err
			}
			if ref.x&15 == 0 && ref.y&15 == 0 && ref.z&15 == 0 {
				// Goxel's blocks are aligned: placed whole.
				if err := b.PutBlock(id, voxel.Pos{X: ref.x, Y: ref.y, Z: ref.z}, blk); err != nil {
					return nil, err
				}
				continue
			}
			for j, c := range blk {
				if c.A == 0 {
					continue
				}
				p := voxel.Pos{X: ref.x + j&15, Y: ref.y + (j>>4)&15, Z: ref.z + j>>8}
				if err := b.Set(id, p, c); err != nil {
					return nil, err
				}
			}
		}
		if l.shape != "" && l.mat != nil {
			if err := d.paintShape(b, id, l); err != nil {
				return nil, err
			}
		}
		if !l.visible {
			if err := s.SetVisible(id, false); err != nil {
				return nil, err
			}
		}
	}
	if err := d.cloneLayers(s, b, ids); err != nil {
		return nil, err
	}
	if len(d.layers) == 0 {
		s.AddLayer(voxel.DefaultLayerName)
	}
	if err := s.SelectLayer(s.Layers()[0].ID); err != nil {
		return nil, err
	}
	return s, nil
}

// checkExtent refuses a file whose blocks place voxels outside the scene's
// extent, naming the extent of its voxels, or that would occupy more
// blocks than the budget allows, before anything is built (a sparse file
// would otherwise fill the budget's memory before being refused).
func (d *decoder) checkExtent(budget voxel.Budget) error {
	tight := make([]voxel.Box, len(d.blocks)) // each block's voxels, local
	done := make([]bool, len(d.blocks))
	ext := voxel.EmptyBox
	type key struct {
		layer int
		bp    voxel.Pos
	}
	occupied := map[key]struct{}{}
	for li, l := range d.layers {
		for _, ref := range l.refs {
			blk := d.blocks[ref.index]
			if blk == nil {
				continue
			}
			if !done[ref.index] {
				box := voxel.EmptyBox
				for j, c := range blk {
					if c.A != 0 {
						box = box.Extend(voxel.Pos{X: j & 15, Y: (j >> 4) & 15, Z: j >> 8})
					}
				}
				tight[ref.index], done[ref.index] = box, true
			}
			t := tight[ref.index]
			o := voxel.Pos{X: ref.x, Y: ref.y, Z: ref.z}
			ext = ext.Union(voxel.Box{Min: t.Min.Add(o), Max: t.Max.Add(o)})
			if o.X&15 == 0 && o.Y&15 == 0 && o.Z&15 == 0 {
				// Goxel's blocks are aligned: one scene block each.
				occupied[key{li, voxel.Pos{X: o.X >> 4, Y: o.Y >> 4, Z: o.Z >> 4}}] = struct{}{}
			} else {
				for j, c := range blk {
					if c.A != 0 {
						p := voxel.Pos{X: o.X + j&15, Y: o.Y + (j>>4)&15, Z: o.Z + j>>8}
						occupied[key{li, voxel.Pos{X: p.X >> 4, Y: p.Y >> 4, Z: p.Z >> 4}}] = struct{}{}
					}
				}
			}
			if len(occupied) > budget.MaxBlocks {
				return UnsupportedError(fmt.Sprintf("the file's layers occupy more than %d blocks of 16×16×16 voxels, more than a scene may hold", budget.MaxBlocks))
			}
		}
	}
	if budget.CheckBox(ext) != nil {
		return UnsupportedError(fmt.Sprintf("the file's voxels span %v, outside the allowed extent of ±%d on every axis", ext, budget.MaxCoord))
	}
	return nil
}

// buffered wraps r in a bufio.Reader unless it is already buffered, since
// decoding reads many small headers.
func buffered(r io.Reader) io.Reader {
	if _, ok := r.(io.ByteReader); ok {
		return r
	}
	return bufio.NewReaderSize(r, 64<<10)
}
