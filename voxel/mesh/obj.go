package mesh

import (
	"bufio"
	"fmt"
	"io"
	"strconv"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// normalIndex numbers the six normals as OBJ "vn" lines 1 to 6.
func normalIndex(n [3]int) int {
	for i, d := range dirs {
		if d == n {
			return i + 1
		}
	}
	return 1
}

// EncodeOBJ writes snap's surface as Wavefront OBJ with vertex colours.
func EncodeOBJ(w io.Writer, snap *voxel.Snapshot) error {
	return Build(snap).WriteOBJ(w)
}

// WriteOBJ writes the mesh as Wavefront OBJ with vertex colours.
func (m *Mesh) WriteOBJ(w io.Writer) error {
	verts, quads := m.indexed()
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, "# goxel-mcp voxel export: %d vertices, %d quads\n# Z up; vertex colours as \"v x y z r g b\" (sRGB, 0 to 1); no .mtl\no voxels\n", len(verts), len(quads))
	var line []byte
	for _, v := range verts {
		line = append(line[:0], 'v', ' ')
		line = strconv.AppendInt(line, int64(v.p[0]), 10)
		line = append(line, ' ')
		line = strconv.AppendInt(line, int64(v.p[1]), 10)
		line = append(line, ' ')
		line = strconv.AppendInt(line, int64(v.p[2]), 10)
		for _, c := range []uint8{v.c.R, v.c.G, v.c.B} {
			line = append(line, ' ')
			line = strconv.AppendFloat(line, float64(c)/255, 'f', 4, 32)
		}
		line = append(line, '\n')
		bw.Write(line)
	}
	for _, d := range dirs {
		fmt.Fprintf(bw, "vn %d %d %d\n", d[0], d[1], d[2])
	}
	for qi, q := range quads {
		n := strconv.Itoa(normalIndex(m.Quads[qi].Normal))
		line = append(line[:0], 'f')
		for _, id := range q {
			line = append(line, ' ')
			line = strconv.AppendUint(line, uint64(id)+1, 10)
			line = append(line, "//"...)
			line = append(line, n...)
		}
		line = append(line, '\n')
		bw.Write(line)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("failed to write obj: %w", err)
	}
	return nil
}
