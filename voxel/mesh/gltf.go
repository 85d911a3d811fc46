package mesh

import (
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

// gltf builds the document and its binary buffer.
func (m *Mesh) gltf() (*gltfDoc, []byte) {
	doc := &gltfDoc{
		Asset:  map[string]string{"version": "2.0", "generator": "goxel-mcp"},
		Scenes: []gltfScene{{Nodes: []int{}}},
	}
	if len(m.Quads) == 0 {
		return doc, nil
	}
	verts, quads := m.indexed()
	le := binary.LittleEndian
	var bin []byte
	lo := [3]float32{math.MaxFloat32, math.MaxFloat32, math.MaxFloat32}
	hi := [3]float32{-math.MaxFloat32, -math.MaxFloat32, -math.MaxFloat32}
	translucent := false
	for _, v := range verts {
		p := yUp(v.p)
		for i, c := range p {
			lo[i], hi[i] = min(lo[i], c), max(hi[i], c)
			bin = le.AppendUint32(bin, math.Float32bits(c))
		}
	}
	posLen := len(bin)
	for _, v := range verts {
		for _, c := range yUp(v.normal) {
			bin = le.AppendUint32(bin, math.Float32bits(c))
		}
	}
	normLen := len(bin) - posLen
	for _, v := range verts {
		for _, c := range []float32{srgbToLinear(v.c.R), srgbToLinear(v.c.G), srgbToLinear(v.c.B), float32(v.c.A) / 255} {
			bin = le.AppendUint32(bin, math.Float32bits(c))
		}
		translucent = translucent || v.c.A < 255
	}
	colLen := len(bin) - posLen - normLen
	for _, q := range quads {
		for _, i := range []int{0, 1, 2, 0, 2, 3} {
			bin = le.AppendUint32(bin, q[i])
		}
	}
	idxLen := len(bin) - posLen - normLen - colLen

	doc.Scenes[0].Nodes = []int{0}
	doc.Nodes = []map[string]any{{"mesh": 0, "name": "voxels"}}
	doc.Meshes = []map[string]any{{"name": "voxels", "primitives": []map[string]any{{
		"attributes": map[string]int{"POSITION": 0, "NORMAL": 1, "COLOR_0": 2},
		"indices":    3, "material": 0, "mode": 4,
	}}}}
	mat := map[string]any{"name": "vertex colours", "pbrMetallicRoughness": map[string]any{
		"baseColorFactor": []float32{1, 1, 1, 1}, "metallicFactor": 0, "roughnessFactor": 1,
	}}
	if translucent {
		mat["alphaMode"] = "BLEND"
	}
	doc.Materials = []map[string]any{mat}
	n := len(verts)
	doc.Accessors = []map[string]any{
		{"bufferView": 0, "componentType": gltfFloat, "count": n, "type": "VEC3", "min": lo[:], "max": hi[:]},
		{"bufferView": 1, "componentType": gltfFloat, "count": n, "type": "VEC3"},
		{"bufferView": 2, "componentType": gltfFloat, "count": n, "type": "VEC4"},
		{"bufferView": 3, "componentType": gltfUint, "count": 6 * len(quads), "type": "SCALAR"},
	}
	doc.BufferViews = []map[string]any{
		{"buffer": 0, "byteOffset": 0, "byteLength": posLen, "target": gltfArrayBuffer},
		{"buffer": 0, "byteOffset": posLen, "byteLength": normLen, "target": gltfArrayBuffer},
		{"buffer": 0, "byteOffset": posLen + normLen, "byteLength": colLen, "target": gltfArrayBuffer},
		{"buffer": 0, "byteOffset": posLen + normLen + colLen, "byteLength": idxLen, "target": gltfElementArray},
	}
	doc.Buffers = []map[string]any{{"byteLength": len(bin)}}
	return doc, bin
}

// EncodeGLTF writes snap's surface as a .gltf file with the buffer
// embedded as a base64 data URI.
func EncodeGLTF(w io.Writer, snap *voxel.Snapshot) error {
	return Build(snap).WriteGLTF(w)
}

// WriteGLTF writes the mesh as .gltf JSON with an embedded buffer.
func (m *Mesh) WriteGLTF(w io.Writer) error {
	doc, bin := m.gltf()
	if bin != nil {
		doc.Buffers[0]["uri"] = "data:application/octet-stream;base64," + base64.StdEncoding.EncodeToString(bin)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("failed to encode gltf: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("failed to write gltf: %w", err)
	}
	return nil
}

// EncodeGLB writes snap's surface as binary glTF.
func EncodeGLB(w io.Writer, snap *voxel.Snapshot) error {
	return Build(snap).WriteGLB(w)
}

// WriteGLB writes the mesh as binary glTF: a 12-byte header, a JSON chunk
// padded with spaces and a BIN chunk padded with zeros to 4 bytes.
func (m *Mesh) WriteGLB(w io.Writer) error {
	doc, bin := m.gltf()
	js, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("failed to encode glb: %w", err)
	}
	for len(js)%4 != 0 {
		js = append(js, ' ')
	}
	for len(bin)%4 != 0 {
		bin = append(bin, 0)
	}
	total := 12 + 8 + len(js)
	if len(bin) > 0 {
		total += 8 + len(bin)
	}
	le := binary.LittleEndian
	var out bytes.Buffer
	out.Grow(total)
	out.Write(le.AppendUint32(le.AppendUint32(le.AppendUint32(nil, glbMagic), glbVersion), uint32(total)))
	out.Write(le.AppendUint32(le.AppendUint32(nil, uint32(len(js))), glbJSON))
	out.Write(js)
	if len(bin) > 0 {
		out.Write(le.AppendUint32(le.AppendUint32(nil, uint32(len(bin))), glbBIN))
		out.Write(bin)
	}
	if _, err := out.WriteTo(w); err != nil {
		return fmt.Errorf("failed to write glb: %w", err)
	}
	return nil
}
