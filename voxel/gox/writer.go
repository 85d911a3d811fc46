package gox

import (
	"bufio"
	"bytes"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// identity is the "mat" of a plain layer, column-major.
var identity = [16]float32{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}

// Encode writes every layer of the scene (hidden ones too) as a Goxel
// version 2 file: IMG, the distinct blocks as BL16, then one LAYR per
// layer, each chunk with its CRC.
func Encode(w io.Writer, s *voxel.Scene) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := &chunkWriter{w: bw}
	bw.WriteString(magic)
	bw.Write(le.AppendUint32(nil, version))

	var img []byte
	if box := s.Box(); !box.Empty() {
		// Goxel's box: a matrix mapping the cube [-1, 1]³ onto the scene's
		// bounds (whose upper faces are at Max+1).
		var m [16]float32
		sz := box.Size()
		m[0], m[5], m[10] = float32(sz.X)/2, float32(sz.Y)/2, float32(sz.Z)/2
		m[12] = float32(box.Min.X) + float32(sz.X)/2
		m[13] = float32(box.Min.Y) + float32(sz.Y)/2
		m[14] = float32(box.Min.Z) + float32(sz.Z)/2
		m[15] = 1
		img = appendDict(img, "box", matBytes(&m))
	}
	cw.chunk(idIMG, img)

	type entry struct {
		origin voxel.Pos
		index  int
	}
	layers := s.Layers()
	refs := make([][]entry, len(layers))
	byHash := map[uint64][]int{} // content hash → indices of written blocks
	var written [][]byte         // voxel bytes of each written block
	enc := png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pool{}}
	var pngBuf bytes.Buffer
	for li, l := range layers {
		blocks := map[voxel.Pos]*[voxelBytes]byte{}
		var order []voxel.Pos
		s.Each(l.ID, func(p voxel.Pos, c color.NRGBA) bool {
			o := voxel.Pos{X: p.X &^ 15, Y: p.Y &^ 15, Z: p.Z &^ 15}
			blk := blocks[o]
			if blk == nil {
				blk = new([voxelBytes]byte)
				blocks[o] = blk
				order = append(order, o)
			}
			i := 4 * (p.X&15 | (p.Y&15)<<4 | (p.Z&15)<<8)
			blk[i], blk[i+1], blk[i+2], blk[i+3] = c.R, c.G, c.B, c.A
			return true
		})
		for _, o := range order {
			data := blocks[o][:]
			h := xxhash.Sum64(data)
			index := -1
			for _, j := range byHash[h] {
				if bytes.Equal(written[j], data) {
					index = j
					break
				}
			}
			if index < 0 {
				index = len(written)
				written = append(written, data)
				byHash[h] = append(byHash[h], index)
				pngBuf.Reset()
				im := &image.NRGBA{Pix: data, Stride: 4 * blockImage, Rect: image.Rect(0, 0, blockImage, blockImage)}
				if err := enc.Encode(&pngBuf, im); err != nil {
					return fmt.Errorf("failed to encode block: %w", err)
				}
				cw.chunk(idBL16, pngBuf.Bytes())
			}
			refs[li] = append(refs[li], entry{o, index})
		}
	}
	for li, l := range layers {
		var b []byte
		b = le.AppendUint32(b, uint32(len(refs[li])))
		for _, e := range refs[li] {
			b = le.AppendUint32(b, uint32(e.index))
			b = le.AppendUint32(b, uint32(int32(e.origin.X)))
			b = le.AppendUint32(b, uint32(int32(e.origin.Y)))
			b = le.AppendUint32(b, uint32(int32(e.origin.Z)))
			b = le.AppendUint32(b, 0)
		}
		b = appendDict(b, "name", []byte(clip(l.Name, maxDictVal)))
		b = appendDict(b, "mat", matBytes(&identity))
		b = appendDict(b, "id", le.AppendUint32(nil, uint32(l.ID)))
		b = appendDict(b, "base_id", le.AppendUint32(nil, 0))
		visible := byte(0)
		if l.Visible {
			visible = 1
		}
		b = appendDict(b, "visible", []byte{visible})
		cw.chunk(idLAYR, b)
	}
	if cw.err == nil {
		cw.err = bw.Flush()
	}
	if cw.err != nil {
		return fmt.Errorf("failed to write gox: %w", cw.err)
	}
	return nil
}

// clip shortens s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

func matBytes(m *[16]float32) []byte {
	b := make([]byte, 0, matSize)
	for _, v := range m {
		b = le.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

func appendDict(b []byte, key string, value []byte) []byte {
	b = le.AppendUint32(b, uint32(len(key)))
	b = append(b, key...)
	b = le.AppendUint32(b, uint32(len(value)))
	return append(b, value...)
}

type chunkWriter struct {
	w   *bufio.Writer
	err error
}

func (c *chunkWriter) chunk(id string, data []byte) {
	if c.err != nil {
		return
	}
	var hdr [chunkHeaderSize]byte
	copy(hdr[:], id)
	le.PutUint32(hdr[4:], uint32(len(data)))
	h := crc32.NewIEEE()
	h.Write(hdr[:4])
	h.Write(data)
	c.w.Write(hdr[:])
	c.w.Write(data)
	_, c.err = c.w.Write(le.AppendUint32(nil, h.Sum32()))
}

// pool lets the PNG encoder reuse its buffers across blocks.
type pool struct{ b *png.EncoderBuffer }

func (p *pool) Get() *png.EncoderBuffer  { return p.b }
func (p *pool) Put(b *png.EncoderBuffer) { p.b = b }
