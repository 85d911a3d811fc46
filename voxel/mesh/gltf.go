package mesh

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// glTF constants (glTF 2.0 specification).
const (
	gltfFloat        = 5126       // componentType FLOAT
	gltfUint         = 5125       // componentType UNSIGNED_INT
	gltfArrayBuffer  = 34962      // bufferView target for vertex attributes
	gltfElementArray = 34963      // bufferView target for indices
	glbMagic         = 0x46546C67 // "glTF"
	glbVersion       = 2
	glbJSON          = 0x4E4F534A // chunk type "JSON"
	glbBIN           = 0x004E4942 // chunk type "BIN\x00"
)

type gltfDoc struct {
	Asset       map[string]string `json:"asset"`
	Scene       int               `json:"scene"`
	Scenes      []gltfScene       `json:"scenes"`
	Nodes       []map[string]any  `json:"nodes,omitempty"`
	Meshes      []map[string]any  `json:"meshes,omitempty"`
	Materials   []map[string]any  `json:"materials,omitempty"`
	Accessors   []map[string]any  `json:"accessors,omitempty"`
	BufferViews []map[string]any  `json:"bufferViews,omitempty"`
	Buffers     []map[string]any  `json:"buffers,omitempty"`
}

type gltfScene struct {
	Nodes []int `json:"nodes"`
}

// srgbToLinear converts an 8-bit sRGB channel to linear light.
func srgbToLinear(c uint8) float32 {
	v := float64(c) / 255
	if v <= 0.04045 {
		return float32(v / 12.92)
	}
	return float32(math.Pow((v+0.055)/1.055, 2.4))
}

// yUp rotates a scene vector (Z up) into glTF's Y-up frame.
func yUp(p [3]int) [3]float32 {
	return [3]float32{float32(p[0]), float32(p[2]), float32(-p[1])}
}

// gltf builds the document; its buffer (when the mesh has quads) is
// written by writeBin, byteLength bytes.
func (s *surface) gltf() *gltfDoc {
	doc := &gltfDoc{
		Asset:  map[string]string{"version": "2.0", "generator": "goxel-mcp"},
		Scenes: []gltfScene{{Nodes: []int{}}},
	}
	if s.quads == 0 {
		return doc
	}
	n := s.verts
	posLen, normLen, colLen, idxLen := 12*n, 12*n, 16*n, 24*s.quads

	doc.Scenes[0].Nodes = []int{0}
	doc.Nodes = []map[string]any{{"mesh": 0, "name": "voxels"}}
	doc.Meshes = []map[string]any{{"name": "voxels", "primitives": []map[string]any{{
		"attributes": map[string]int{"POSITION": 0, "NORMAL": 1, "COLOR_0": 2},
		"indices":    3, "material": 0, "mode": 4,
	}}}}
	mat := map[string]any{"name": "vertex colours", "pbrMetallicRoughness": map[string]any{
		"baseColorFactor": []float32{1, 1, 1, 1}, "metallicFactor": 0, "roughnessFactor": 1,
	}}
	if s.translucent {
		mat["alphaMode"] = "BLEND"
	}
	doc.Materials = []map[string]any{mat}
	doc.Accessors = []map[string]any{
		{"bufferView": 0, "componentType": gltfFloat, "count": n, "type": "VEC3", "min": s.lo[:], "max": s.hi[:]},
		{"bufferView": 1, "componentType": gltfFloat, "count": n, "type": "VEC3"},
		{"bufferView": 2, "componentType": gltfFloat, "count": n, "type": "VEC4"},
		{"bufferView": 3, "componentType": gltfUint, "count": 6 * s.quads, "type": "SCALAR"},
	}
	doc.BufferViews = []map[string]any{
		{"buffer": 0, "byteOffset": 0, "byteLength": posLen, "target": gltfArrayBuffer},
		{"buffer": 0, "byteOffset": posLen, "byteLength": normLen, "target": gltfArrayBuffer},
		{"buffer": 0, "byteOffset": posLen + normLen, "byteLength": colLen, "target": gltfArrayBuffer},
		{"buffer": 0, "byteOffset": posLen + normLen + colLen, "byteLength": idxLen, "target": gltfElementArray},
	}
	doc.Buffers = []map[string]any{{"byteLength": posLen + normLen + colLen + idxLen}}
	return doc
}

// linear is srgbToLinear of every 8-bit value.
var linear = func() (t [256]float32) {
	for c := range t {
		t[c] = srgbToLinear(uint8(c))
	}
	return t
}()

// writeBin streams the glTF buffer: positions, normals, colours, indices.
func (s *surface) writeBin(w io.Writer) error {
	le := binary.LittleEndian
	buf := make([]byte, 0, 24)
	put := func(fs ...float32) error {
		buf = buf[:0]
		for _, f := range fs {
			buf = le.AppendUint32(buf, math.Float32bits(f))
		}
		_, err := w.Write(buf)
		return err
	}
	if err := s.walk(func(verts []vertex, _ [][4]uint32) error {
		for _, v := range verts {
			p := yUp(v.p)
			if err := put(p[0], p[1], p[2]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	for i := range s.planes {
		p := &s.planes[i]
		var normal [3]int
		normal[p.dir/2] = 1 - 2*(p.dir%2)
		n := yUp(normal)
		for range p.verts {
			if err := put(n[0], n[1], n[2]); err != nil {
				return err
			}
		}
	}
	if err := s.walk(func(verts []vertex, _ [][4]uint32) error {
		for _, v := range verts {
			if err := put(linear[v.c.R], linear[v.c.G], linear[v.c.B], float32(v.c.A)/255); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	return s.walk(func(_ []vertex, quads [][4]uint32) error {
		for _, q := range quads {
			buf = buf[:0]
			for _, i := range [6]int{0, 1, 2, 0, 2, 3} {
				buf = le.AppendUint32(buf, q[i])
			}
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
		return nil
	})
}

// EncodeGLTF writes snap's surface as a .gltf file with the buffer
// embedded as a base64 data URI. A surface over MaxFaces or MaxQuads is
// refused with ErrTooLarge.
func EncodeGLTF(w io.Writer, snap *voxel.Snapshot) error {
	s, err := build(snap, MaxFaces, MaxQuads)
	if err != nil {
		return err
	}
	return s.writeGLTF(w)
}

// WriteGLTF writes the mesh as .gltf JSON with an embedded buffer.
func (m *Mesh) WriteGLTF(w io.Writer) error { return m.surface().writeGLTF(w) }

// writeGLTF streams the document: the buffer is its last member, so the
// JSON is written up to the buffer's byteLength, then the uri is streamed
// through a base64 encoder.
func (s *surface) writeGLTF(w io.Writer) error {
	b, err := json.Marshal(s.gltf())
	if err != nil {
		return fmt.Errorf("failed to encode gltf: %w", err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if s.quads == 0 {
		bw.Write(b)
	} else {
		head, ok := bytes.CutSuffix(b, []byte("}]}"))
		if !ok {
			return fmt.Errorf("failed to encode gltf: the document does not end with its buffer")
		}
		bw.Write(head)
		bw.WriteString(`,"uri":"data:application/octet-stream;base64,`)
		enc := base64.NewEncoder(base64.StdEncoding, bw)
		if err := s.writeBin(enc); err != nil {
			return fmt.Errorf("failed to write gltf: %w", err)
		}
		if err := enc.Close(); err != nil {
			return fmt.Errorf("failed to write gltf: %w", err)
		}
		bw.WriteString(`"}]}`)
	}
	bw.WriteByte('\n')
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("failed to write gltf: %w", err)
	}
	return nil
}

// EncodeGLB writes snap's surface as binary glTF. A surface over
// MaxFaces or MaxQuads is refused with ErrTooLarge.
func EncodeGLB(w io.Writer, snap *voxel.Snapshot) error {
	s, err := build(snap, MaxFaces, MaxQuads)
	if err != nil {
		return err
	}
	return s.writeGLB(w)
}

// WriteGLB writes the mesh as binary glTF.
func (m *Mesh) WriteGLB(w io.Writer) error { return m.surface().writeGLB(w) }

// writeGLB writes a 12-byte header, a JSON chunk padded with spaces and a
// BIN chunk (every element is 4 bytes, so it needs no padding), streamed.
func (s *surface) writeGLB(w io.Writer) error {
	doc := s.gltf()
	js, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("failed to encode glb: %w", err)
	}
	for len(js)%4 != 0 {
		js = append(js, ' ')
	}
	binLen := 0
	if s.quads > 0 {
		binLen = doc.Buffers[0]["byteLength"].(int)
	}
	total := 12 + 8 + len(js)
	if binLen > 0 {
		total += 8 + binLen
	}
	if total > math.MaxUint32 {
		return fmt.Errorf("failed to encode glb: %d bytes is more than a GLB holds", total)
	}
	le := binary.LittleEndian
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(le.AppendUint32(le.AppendUint32(le.AppendUint32(nil, glbMagic), glbVersion), uint32(total)))
	bw.Write(le.AppendUint32(le.AppendUint32(nil, uint32(len(js))), glbJSON))
	bw.Write(js)
	if binLen > 0 {
		bw.Write(le.AppendUint32(le.AppendUint32(nil, uint32(binLen)), glbBIN))
		if err := s.writeBin(bw); err != nil {
			return fmt.Errorf("failed to write glb: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("failed to write glb: %w", err)
	}
	return nil
}
