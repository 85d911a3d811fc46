package vox

import (
	"bytes"
	"cmp"
	"fmt"
	"image/color"
	"io"
	"slices"
	"strconv"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Report says what Encode had to change to fit the format.
type Report struct {
	Models         int // models written (layers cut into pieces of at most 256³)
	Colors         int // distinct colours in the scene
	RemappedColors int // colours replaced by their nearest palette colour
	RemappedVoxels int // voxels whose colour was replaced
}

// Encode writes every layer of the scene (hidden ones too) as a
// MagicaVoxel file; see the package doc for the layout and quantisation.
func Encode(w io.Writer, s *voxel.Scene) error {
	_, err := EncodeReport(w, s)
	return err
}

type tileKey struct{ layer, x, y, z int }

// tile is one model of at most 256³ voxels; xyz holds each voxel's offset
// from origin, 3 bytes per voxel, to keep big scenes cheap.
type tile struct {
	key      tileKey
	origin   voxel.Pos
	min, max [3]uint8
	xyz      []byte
	colors   []color.NRGBA
}

// EncodeReport is Encode that also reports models written and colours
// remapped.
func EncodeReport(w io.Writer, s *voxel.Scene) (Report, error) {
	var rep Report
	layers := s.Layers()
	hist := map[color.NRGBA]int{}
	tiles := map[tileKey]*tile{}
	var last *tile
	for li, l := range layers {
		if l.Count == 0 {
			continue
		}
		o := l.Box.Min
		s.Each(l.ID, func(p voxel.Pos, c color.NRGBA) bool {
			hist[c]++
			k := tileKey{li, (p.X - o.X) / maxModelSize, (p.Y - o.Y) / maxModelSize, (p.Z - o.Z) / maxModelSize}
			if last == nil || last.key != k {
				last = tiles[k]
				if last == nil {
					last = &tile{key: k, min: [3]uint8{255, 255, 255},
						origin: voxel.Pos{X: o.X + k.x*maxModelSize, Y: o.Y + k.y*maxModelSize, Z: o.Z + k.z*maxModelSize}}
					tiles[k] = last
				}
			}
			t := last
			v := [3]uint8{uint8(p.X - t.origin.X), uint8(p.Y - t.origin.Y), uint8(p.Z - t.origin.Z)}
			for i := range v {
				t.min[i], t.max[i] = min(t.min[i], v[i]), max(t.max[i], v[i])
			}
			t.xyz = append(t.xyz, v[0], v[1], v[2])
			t.colors = append(t.colors, c)
			return true
		})
	}
	rep.Colors = len(hist)
	pal, index := buildPalette(hist)
	for c, n := range hist {
		if pal[index[c]] != c {
			rep.RemappedColors++
			rep.RemappedVoxels += n
		}
	}

	order := make([]*tile, 0, len(tiles))
	for _, t := range tiles {
		order = append(order, t)
	}
	slices.SortFunc(order, func(a, b *tile) int {
		return cmp.Or(cmp.Compare(a.key.layer, b.key.layer), cmp.Compare(a.key.z, b.key.z),
			cmp.Compare(a.key.y, b.key.y), cmp.Compare(a.key.x, b.key.x))
	})

	var body bytes.Buffer
	size := 2*chunkHeaderSize + 1024 + len(layers)*64
	for _, t := range order {
		size += 5*chunkHeaderSize + 80 + 4*len(t.colors)
	}
	body.Grow(size)
	cw := &chunkWriter{buf: &body}
	type shape struct {
		layer int
		t     voxel.Pos
	}
	var shapes []shape
	for _, t := range order {
		size := voxel.Pos{X: int(t.max[0]-t.min[0]) + 1, Y: int(t.max[1]-t.min[1]) + 1, Z: int(t.max[2]-t.min[2]) + 1}
		lo := voxel.Pos{X: t.origin.X + int(t.min[0]), Y: t.origin.Y + int(t.min[1]), Z: t.origin.Z + int(t.min[2])}
		cw.start(idSIZE)
		cw.u32(uint32(size.X))
		cw.u32(uint32(size.Y))
		cw.u32(uint32(size.Z))
		cw.end()
		cw.start(idXYZI)
		cw.u32(uint32(len(t.colors)))
		for i, c := range t.colors {
			v := t.xyz[3*i : 3*i+3 : 3*i+3]
			cw.bytes([]byte{v[0] - t.min[0], v[1] - t.min[1], v[2] - t.min[2], index[c]})
		}
		cw.end()
		// _t is the model's centre: min corner plus floor(size/2).
		shapes = append(shapes, shape{t.key.layer, voxel.Pos{X: lo.X + size.X/2, Y: lo.Y + size.Y/2, Z: lo.Z + size.Z/2}})
	}
	if len(shapes) == 0 {
		// MagicaVoxel expects a model: write an empty 1×1×1 one.
		cw.start(idSIZE)
		cw.u32(1)
		cw.u32(1)
		cw.u32(1)
		cw.end()
		cw.start(idXYZI)
		cw.u32(0)
		cw.end()
		shapes = append(shapes, shape{layer: 0})
	}
	rep.Models = len(shapes)

	// Scene graph: nTRN 0 → nGRP 1 → (nTRN 2k+2 → nSHP 2k+3) per model.
	cw.start(idnTRN)
	cw.u32(0)
	cw.dict(nil)
	cw.u32(1)
	cw.i32(-1)
	cw.i32(-1)
	cw.u32(1)
	cw.dict(nil)
	cw.end()
	cw.start(idnGRP)
	cw.u32(1)
	cw.dict(nil)
	cw.u32(uint32(len(shapes)))
	for k := range shapes {
		cw.u32(uint32(2*k + 2))
	}
	cw.end()
	for k, sh := range shapes {
		cw.start(idnTRN)
		cw.u32(uint32(2*k + 2))
		if sh.layer < len(layers) {
			cw.dict([][2]string{{"_name", layers[sh.layer].Name}}) // MagicaVoxel's object name
		} else {
			cw.dict(nil)
		}
		cw.u32(uint32(2*k + 3))
		cw.i32(-1)
		cw.u32(uint32(sh.layer))
		cw.u32(1)
		cw.dict([][2]string{{"_t", strconv.Itoa(sh.t.X) + " " + strconv.Itoa(sh.t.Y) + " " + strconv.Itoa(sh.t.Z)}})
		cw.end()
		cw.start(idnSHP)
		cw.u32(uint32(2*k + 3))
		cw.dict(nil)
		cw.u32(1)
		cw.u32(uint32(k))
		cw.dict(nil)
		cw.end()
	}
	for li, l := range layers {
		cw.start(idLAYR)
		cw.u32(uint32(li))
		attrs := [][2]string{{"_name", l.Name}}
		if !l.Visible {
			attrs = append(attrs, [2]string{"_hidden", "1"})
		}
		cw.dict(attrs)
		cw.i32(-1)
		cw.end()
	}
	cw.start(idRGBA)
	for i := 1; i <= paletteSize; i++ {
		c := color.NRGBA{A: 255}
		if i < paletteSize {
			c = pal[i]
		}
		cw.bytes([]byte{c.R, c.G, c.B, c.A})
	}
	cw.end()

	var head [8 + chunkHeaderSize]byte
	copy(head[:], magic)
	le.PutUint32(head[4:], writeVersion)
	copy(head[8:], idMAIN)
	le.PutUint32(head[12:], 0)
	le.PutUint32(head[16:], uint32(body.Len()))
	if _, err := w.Write(head[:]); err != nil {
		return rep, fmt.Errorf("failed to write vox: %w", err)
	}
	if _, err := body.WriteTo(w); err != nil {
		return rep, fmt.Errorf("failed to write vox: %w", err)
	}
	return rep, nil
}

// chunkWriter appends chunks without children to buf.
type chunkWriter struct {
	buf *bytes.Buffer
	pos int
}

func (c *chunkWriter) start(id string) {
	c.buf.WriteString(id)
	c.pos = c.buf.Len()
	c.buf.Write(make([]byte, 8)) // sizes, filled in by end
}

func (c *chunkWriter) end() {
	b := c.buf.Bytes()
	le.PutUint32(b[c.pos:], uint32(len(b)-c.pos-8))
}

func (c *chunkWriter) u32(v uint32) { c.buf.Write(le.AppendUint32(nil, v)) }
func (c *chunkWriter) i32(v int32)  { c.u32(uint32(v)) }
func (c *chunkWriter) bytes(b []byte) {
	c.buf.Write(b)
}

func (c *chunkWriter) str(s string) {
	c.u32(uint32(len(s)))
	c.buf.WriteString(s)
}

func (c *chunkWriter) dict(pairs [][2]string) {
	c.u32(uint32(len(pairs)))
	for _, p := range pairs {
		c.str(p[0])
		c.str(p[1])
	}
}
