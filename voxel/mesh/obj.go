package mesh

import (
	"bufio"
	"fmt"
	"io"
	"strconv"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// channel holds " r" for each 8-bit channel: the colour of an OBJ vertex
// as 4-decimal fractions, formatted once.
var channel = func() (t [256]string) {
	for c := range t {
		t[c] = " " + strconv.FormatFloat(float64(c)/255, 'f', 4, 32)
	}
	return t
}()

// EncodeOBJ writes snap's surface as Wavefront OBJ with vertex colours. A
// surface over MaxFaces or MaxQuads is refused with ErrTooLarge.
func EncodeOBJ(w io.Writer, snap *voxel.Snapshot) error {
	s, err := build(snap, MaxFaces, MaxQuads)
	if err != nil {
		return err
	}
	return s.writeOBJ(w)
}

// WriteOBJ writes the mesh as Wavefront OBJ with vertex colours.
func (m *Mesh) WriteOBJ(w io.Writer) error { return m.surface().writeOBJ(w) }

func (s *surface) writeOBJ(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, "# goxel-mcp voxel export: %d vertices, %d quads\n# Z up; vertex colours as \"v x y z r g b\" (sRGB, 0 to 1); no .mtl\no voxels\n", s.verts, s.quads)
	var line []byte
	_ = s.walk(func(verts []vertex, _ [][4]uint32) error {
		for _, v := range verts {
			line = append(line[:0], 'v', ' ')
			line = strconv.AppendInt(line, int64(v.p[0]), 10)
			line = append(line, ' ')
			line = strconv.AppendInt(line, int64(v.p[1]), 10)
			line = append(line, ' ')
			line = strconv.AppendInt(line, int64(v.p[2]), 10)
			line = append(line, channel[v.c.R]...)
			line = append(line, channel[v.c.G]...)
			line = append(line, channel[v.c.B]...)
			line = append(line, '\n')
			bw.Write(line)
		}
		return nil
	})
	for _, d := range dirs {
		fmt.Fprintf(bw, "vn %d %d %d\n", d[0], d[1], d[2])
	}
	p := 0
	_ = s.walk(func(_ []vertex, quads [][4]uint32) error {
		n := strconv.Itoa(s.planes[p].dir + 1)
		p++
		for _, q := range quads {
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
		return nil
	})
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("failed to write obj: %w", err)
	}
	return nil
}
