// Package schem writes the visible voxels of a scene as a Sponge
// schematic, version 3 (.schem), which WorldEdit and other Minecraft tools
// paste into a world.
//
// The format (github.com/SpongePowered/Schematic-Specification, versions/
// schematic-3.md) is gzip-compressed NBT: an unnamed root compound holding
// one compound "Schematic" with
//
//	Version     Int 3
//	DataVersion Int (the Minecraft data version the block ids belong to)
//	Metadata    Compound {Name String}
//	Width, Height, Length  Short (unsigned): the size along X, Y, Z
//	Offset      Int[3] {0, 0, 0}: the paste lands at the player
//	Blocks      Compound {Palette Compound {block state: Int index},
//	                      Data Byte[] (one varint index per cell,
//	                      cell index x + z·Width + y·Width·Length)}
//
// NBT is big-endian: a tag is its type byte, a name (uint16 length and
// bytes), then the payload; a compound ends with tag 0 (End).
//
// Axes: Minecraft is Y up and right-handed, so scene voxel (x, y, z)
// becomes block (x, z, -y-1), moved so the box's minimum corner is
// (0, 0, 0): the model's front (-Y in the scene) faces south (+Z).
//
// Colours: each opaque voxel becomes the full block (concrete, wool,
// terracotta, planks, stone, ...; the table in palette.go, with the
// average colour of each block's texture) nearest to its colour in
// CIELAB (ΔE76); translucent voxels (alpha below 255) become the nearest
// glass or stained glass. Report lists which colour went to which block.
// Layers and exact colours are lost; hidden layers are not exported.
package schem

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// DataVersion is Minecraft 1.20.1's data version: every block of the
// palette exists under the same id since 1.16, and WorldEdit upgrades
// older data versions on paste.
const DataVersion = 3465

// MaxCells caps Width·Height·Length (one byte each before compression).
const MaxCells = 1 << 27

// Mapping is one colour of the scene and the block it became.
type Mapping struct {
	Color  color.NRGBA
	Block  string // "minecraft:red_concrete"
	Voxels int
}

// Report says what Encode wrote.
type Report struct {
	Width, Height, Length int // Minecraft X, Y (up), Z
	Blocks                int // non-air blocks: the voxel count
	Mappings              []Mapping
}

// Summary describes the mapping in a sentence for a tool's result: per
// block type, the most used first, its block count and up to three of the
// colours that became it; at most max block types are listed.
func (r Report) Summary(max int) string {
	type use struct {
		block  string
		voxels int
		colors []color.NRGBA
	}
	var uses []*use
	byBlock := map[string]*use{}
	for _, m := range r.Mappings { // most used colours first
		u := byBlock[m.Block]
		if u == nil {
			u = &use{block: m.Block}
			byBlock[m.Block] = u
			uses = append(uses, u)
		}
		u.voxels += m.Voxels
		u.colors = append(u.colors, m.Color)
	}
	slices.SortFunc(uses, func(a, b *use) int { return cmp.Or(cmp.Compare(b.voxels, a.voxels), strings.Compare(a.block, b.block)) })
	var b strings.Builder
	fmt.Fprintf(&b, "Minecraft schematic %d×%d×%d blocks (X×Y×Z, Y up), %d blocks placed; %d colours mapped to %d block types:",
		r.Width, r.Height, r.Length, r.Blocks, len(r.Mappings), len(uses))
	for i, u := range uses {
		if i == max {
			fmt.Fprintf(&b, "; and %d more types", len(uses)-max)
			break
		}
		if i > 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " %s %d (", strings.TrimPrefix(u.block, "minecraft:"), u.voxels)
		for k, c := range u.colors {
			if k == 3 {
				fmt.Fprintf(&b, " +%d more", len(u.colors)-3)
				break
			}
			if k > 0 {
				b.WriteString(" ")
			}
			fmt.Fprintf(&b, "#%02X%02X%02X", c.R, c.G, c.B)
			if c.A < 255 {
				fmt.Fprintf(&b, "%02X", c.A)
			}
		}
		b.WriteString(")")
	}
	b.WriteString(".")
	return b.String()
}

// Encode writes snap's voxels as a Sponge schematic v3.
func Encode(w io.Writer, snap *voxel.Snapshot) error {
	_, err := EncodeReport(w, snap)
	return err
}

// EncodeReport is Encode that also reports the size and colour mapping.
func EncodeReport(w io.Writer, snap *voxel.Snapshot) (Report, error) {
	var rep Report
	box := snap.Box()
	if snap.Count() > 0 {
		size := box.Size()
		rep.Width, rep.Height, rep.Length = size.X, size.Z, size.Y
	}
	for _, v := range []int{rep.Width, rep.Height, rep.Length} {
		if v > math.MaxUint16 {
			return rep, fmt.Errorf("schem: the scene is %d voxels across; a schematic holds at most %d per axis", v, math.MaxUint16)
		}
	}
	cells := rep.Width * rep.Height * rep.Length
	if cells > MaxCells {
		return rep, fmt.Errorf("schem: a %d×%d×%d schematic has %d cells, more than the %d we write; export a smaller part", rep.Width, rep.Height, rep.Length, cells, MaxCells)
	}
	// Palette index 0 is air; indices stay below 128, so each varint of
	// Data is one byte.
	ids := []string{"minecraft:air"}
	index := map[string]byte{}
	nearest := map[color.NRGBA]byte{}
	counts := map[color.NRGBA]int{}
	data := make([]byte, cells)
	snap.Each(func(p voxel.Pos, c color.NRGBA) bool {
		id, ok := nearest[c]
		if !ok {
			name := "minecraft:" + nearestBlock(c)
			if id, ok = index[name]; !ok {
				id = byte(len(ids))
				ids = append(ids, name)
				index[name] = id
			}
			nearest[c] = id
		}
		counts[c]++
		x, y, z := p.X-box.Min.X, p.Z-box.Min.Z, box.Max.Y-p.Y
		data[x+z*rep.Width+y*rep.Width*rep.Length] = id
		rep.Blocks++
		return true
	})
	for c, n := range counts {
		rep.Mappings = append(rep.Mappings, Mapping{Color: c, Block: ids[nearest[c]], Voxels: n})
	}
	slices.SortFunc(rep.Mappings, func(a, b Mapping) int {
		return cmp.Or(cmp.Compare(b.Voxels, a.Voxels), cmp.Compare(hex(a.Color), hex(b.Color)))
	})

	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return rep, err
	}
	n := &nbt{w: bufio.NewWriterSize(zw, 64<<10)}
	n.tag(tagCompound, "")
	n.tag(tagCompound, "Schematic")
	n.tag(tagInt, "Version")
	n.i32(3)
	n.tag(tagInt, "DataVersion")
	n.i32(DataVersion)
	n.tag(tagCompound, "Metadata")
	n.tag(tagString, "Name")
	n.str("goxel-mcp export")
	n.end()
	for _, f := range []struct {
		name string
		v    int
	}{{"Width", rep.Width}, {"Height", rep.Height}, {"Length", rep.Length}} {
		n.tag(tagShort, f.name)
		n.u16(uint16(f.v))
	}
	n.tag(tagIntArray, "Offset")
	n.i32(3)
	n.i32(0)
	n.i32(0)
	n.i32(0)
	n.tag(tagCompound, "Blocks")
	n.tag(tagCompound, "Palette")
	for i, id := range ids {
		n.tag(tagInt, id)
		n.i32(int32(i))
	}
	n.end()
	n.tag(tagByteArray, "Data")
	n.i32(int32(len(data)))
	n.w.Write(data)
	n.end() // Blocks
	n.end() // Schematic
	n.end() // root
	if err := n.w.Flush(); err != nil {
		return rep, fmt.Errorf("failed to write schem: %w", err)
	}
	if err := zw.Close(); err != nil {
		return rep, fmt.Errorf("failed to write schem: %w", err)
	}
	return rep, nil
}

func hex(c color.NRGBA) uint32 {
	return uint32(c.R)<<24 | uint32(c.G)<<16 | uint32(c.B)<<8 | uint32(c.A)
}

// NBT tag types.
const (
	tagEnd       = 0
	tagShort     = 2
	tagInt       = 3
	tagByteArray = 7
	tagString    = 8
	tagCompound  = 10
	tagIntArray  = 11
)

// nbt writes big-endian NBT; write errors surface at Flush.
type nbt struct {
	w   *bufio.Writer
	buf [4]byte
}

func (n *nbt) tag(typ byte, name string) {
	n.w.WriteByte(typ)
	n.str(name)
}

func (n *nbt) end() { n.w.WriteByte(tagEnd) }

func (n *nbt) u16(v uint16) {
	binary.BigEndian.PutUint16(n.buf[:], v)
	n.w.Write(n.buf[:2])
}

func (n *nbt) i32(v int32) {
	binary.BigEndian.PutUint32(n.buf[:], uint32(v))
	n.w.Write(n.buf[:4])
}

// str writes a string payload: our ids and names are ASCII, so Java's
// modified UTF-8 is plain bytes.
func (n *nbt) str(s string) {
	n.u16(uint16(len(s)))
	n.w.WriteString(s)
}

// nearestBlock returns the id of the block whose colour is nearest to c.
func nearestBlock(c color.NRGBA) string {
	list := opaqueBlocks
	if c.A < 255 {
		list = glassBlocks
	}
	l := lab(c)
	best, bestD := "", math.Inf(1)
	for _, b := range list {
		m := labOf(b.c)
		d := (l[0]-m[0])*(l[0]-m[0]) + (l[1]-m[1])*(l[1]-m[1]) + (l[2]-m[2])*(l[2]-m[2])
		if d < bestD {
			best, bestD = b.id, d
		}
	}
	return best
}

var labCache = map[color.NRGBA][3]float64{}

func init() {
	for _, list := range [][]block{opaqueBlocks, glassBlocks} {
		for _, b := range list {
			labCache[b.c] = lab(b.c)
		}
	}
}

func labOf(c color.NRGBA) [3]float64 { return labCache[c] }

// lab converts an sRGB colour (alpha ignored) to CIELAB under D65.
func lab(c color.NRGBA) [3]float64 {
	lin := func(v uint8) float64 {
		f := float64(v) / 255
		if f <= 0.04045 {
			return f / 12.92
		}
		return math.Pow((f+0.055)/1.055, 2.4)
	}
	r, g, b := lin(c.R), lin(c.G), lin(c.B)
	x := (0.4124*r + 0.3576*g + 0.1805*b) / 0.95047
	y := 0.2126*r + 0.7152*g + 0.0722*b
	z := (0.0193*r + 0.1192*g + 0.9505*b) / 1.08883
	f := func(t float64) float64 {
		if t > 216.0/24389 {
			return math.Cbrt(t)
		}
		return (24389.0/27*t + 16) / 116
	}
	fx, fy, fz := f(x), f(y), f(z)
	return [3]float64{116*fy - 16, 500 * (fx - fy), 200 * (fy - fz)}
}
