package mesh

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// EncodePLY writes snap's surface as binary little-endian PLY with
// per-vertex colours. A surface over MaxFaces or MaxQuads is refused
// with ErrTooLarge.
func EncodePLY(w io.Writer, snap *voxel.Snapshot) error {
	s, err := build(snap, MaxFaces, MaxQuads)
	if err != nil {
		return err
	}
	return s.writePLY(w)
}

// WritePLY writes the mesh as binary little-endian PLY.
func (m *Mesh) WritePLY(w io.Writer) error { return m.surface().writePLY(w) }

func (s *surface) writePLY(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, "ply\nformat binary_little_endian 1.0\ncomment goxel-mcp voxel export, Z up\n"+
		"element vertex %d\nproperty float x\nproperty float y\nproperty float z\n"+
		"property uchar red\nproperty uchar green\nproperty uchar blue\nproperty uchar alpha\n"+
		"element face %d\nproperty list uchar uint vertex_indices\nend_header\n", s.verts, s.quads)
	le := binary.LittleEndian
	buf := make([]byte, 0, 17)
	_ = s.walk(func(verts []vertex, _ [][4]uint32) error {
		for _, v := range verts {
			buf = buf[:0]
			for _, c := range v.p {
				buf = le.AppendUint32(buf, math.Float32bits(float32(c)))
			}
			buf = append(buf, v.c.R, v.c.G, v.c.B, v.c.A)
			bw.Write(buf)
		}
		return nil
	})
	_ = s.walk(func(_ []vertex, quads [][4]uint32) error {
		for _, q := range quads {
			buf = append(buf[:0], 4)
			for _, id := range q {
				buf = le.AppendUint32(buf, id)
			}
			bw.Write(buf)
		}
		return nil
	})
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("failed to write ply: %w", err)
	}
	return nil
}
