package schem

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"image/color"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/vox"
)

// readNBT is a small NBT reader for the tests: compounds become maps,
// arrays slices, numbers int64.
func readNBT(t *testing.T, r io.Reader) map[string]any {
	t.Helper()
	be := binary.BigEndian
	var read func(typ byte) any
	readN := func(n int) []byte {
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		require.NoError(t, err)
		return b
	}
	str := func() string { return string(readN(int(be.Uint16(readN(2))))) }
	read = func(typ byte) any {
		switch typ {
		case 1:
			return int64(int8(readN(1)[0]))
		case 2:
			return int64(int16(be.Uint16(readN(2))))
		case 3:
			return int64(int32(be.Uint32(readN(4))))
		case 4:
			return int64(be.Uint64(readN(8)))
		case 7:
			return readN(int(be.Uint32(readN(4))))
		case 8:
			return str()
		case 9:
			et := readN(1)[0]
			n := int(be.Uint32(readN(4)))
			var out []any
			for range n {
				out = append(out, read(et))
			}
			return out
		case 10:
			m := map[string]any{}
			for {
				tt := readN(1)[0]
				if tt == 0 {
					return m
				}
				name := str()
				m[name] = read(tt)
			}
		case 11:
			n := int(be.Uint32(readN(4)))
			var out []int64
			for range n {
				out = append(out, int64(int32(be.Uint32(readN(4)))))
			}
			return out
		}
		t.Fatalf("unexpected NBT tag %d", typ)
		return nil
	}
	require.Equal(t, byte(10), readN(1)[0], "root is a compound")
	require.Equal(t, "", str(), "root is unnamed")
	root := read(10).(map[string]any)
	_, err := r.Read(make([]byte, 1))
	require.ErrorIs(t, err, io.EOF, "nothing after the root")
	return root
}

// decoded is a schematic read back: its fields and blocks by position.
type decoded struct {
	w, h, l int
	blocks  map[[3]int]string
}

func decode(t *testing.T, data []byte) decoded {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	require.NoError(t, err, "a .schem is gzip")
	root := readNBT(t, zr)
	s := root["Schematic"].(map[string]any)
	assert.Equal(t, int64(3), s["Version"])
	assert.Equal(t, int64(DataVersion), s["DataVersion"])
	assert.Equal(t, []int64{0, 0, 0}, s["Offset"])
	d := decoded{w: int(uint16(s["Width"].(int64))), h: int(uint16(s["Height"].(int64))), l: int(uint16(s["Length"].(int64))), blocks: map[[3]int]string{}}
	blocks := s["Blocks"].(map[string]any)
	names := map[int64]string{}
	for name, id := range blocks["Palette"].(map[string]any) {
		names[id.(int64)] = name
	}
	raw := blocks["Data"].([]byte)
	i := 0
	for cell := 0; cell < d.w*d.h*d.l; cell++ {
		var v int64
		for shift := 0; ; shift += 7 {
			b := raw[i]
			i++
			v |= int64(b&0x7f) << shift
			if b&0x80 == 0 {
				break
			}
		}
		name, ok := names[v]
		require.True(t, ok, "palette index %d", v)
		if name != "minecraft:air" {
			x, z, y := cell%d.w, cell/d.w%d.l, cell/(d.w*d.l)
			d.blocks[[3]int{x, y, z}] = name
		}
	}
	assert.Equal(t, len(raw), i, "Data holds exactly Width·Height·Length varints")
	return d
}

func encode(t *testing.T, s *voxel.Scene) ([]byte, Report) {
	t.Helper()
	var buf bytes.Buffer
	rep, err := EncodeReport(&buf, s.Snapshot())
	require.NoError(t, err)
	return buf.Bytes(), rep
}

func TestAxesAndBlocks(t *testing.T) {
	s := voxel.New()
	red := color.NRGBA{142, 33, 33, 255}
	oak := color.NRGBA{162, 131, 79, 255}
	glass := color.NRGBA{153, 51, 51, 100}
	s.Set(1, voxel.Pos{X: -2, Y: 5, Z: 1}, red) // the box's min X and max Y
	s.Set(1, voxel.Pos{X: 1, Y: 3, Z: 1}, oak)
	s.Set(1, voxel.Pos{X: 1, Y: 5, Z: 4}, glass) // top
	hidden := s.AddLayer("hidden")
	s.Set(hidden, voxel.Pos{X: 9, Y: 9, Z: 9}, red)
	_ = s.SetVisible(hidden, false)
	data, rep := encode(t, s)
	d := decode(t, data)
	// X: -2..1 (4), Y (up, scene Z): 1..4 (4), Z (south, scene -Y): 3..5 (3)
	assert.Equal(t, []int{4, 4, 3}, []int{d.w, d.h, d.l})
	assert.Equal(t, []int{4, 4, 3}, []int{rep.Width, rep.Height, rep.Length})
	assert.Equal(t, map[[3]int]string{
		{0, 0, 0}: "minecraft:red_concrete", // scene (-2, 5, 1): the back row, Z = maxY - y = 0
		{3, 0, 2}: "minecraft:oak_planks",   // scene (1, 3, 1): front, Z = 2
		{3, 3, 0}: "minecraft:red_stained_glass",
	}, d.blocks)
	assert.Equal(t, 3, rep.Blocks)
	assert.Equal(t, "Minecraft schematic 4×4×3 blocks (X×Y×Z, Y up), 3 blocks placed; 3 colours mapped to 3 block types:"+
		" oak_planks 1 (#A2834F); red_concrete 1 (#8E2121); red_stained_glass 1 (#99333364).", rep.Summary(10))
}

func TestKnight(t *testing.T) {
	f, err := os.Open(testmodels.Path(t, "magicavoxel/chr_knight.vox"))
	require.NoError(t, err)
	defer f.Close()
	s, err := vox.Decode(f)
	require.NoError(t, err)
	data, rep := encode(t, s)
	d := decode(t, data)
	box := s.Box().Size()
	assert.Equal(t, []int{box.X, box.Z, box.Y}, []int{d.w, d.h, d.l}, "Z up becomes Y up")
	assert.Len(t, d.blocks, s.Count(), "one block per voxel")
	total := 0
	for _, m := range rep.Mappings {
		total += m.Voxels
		assert.True(t, strings.HasPrefix(m.Block, "minecraft:"))
	}
	assert.Equal(t, s.Count(), total)
	t.Log(rep.Summary(8))
}

// TestNearest: every palette colour maps to its own block, and the
// palette is small enough for one-byte varints.
func TestNearest(t *testing.T) {
	require.Less(t, 1+len(opaqueBlocks)+len(glassBlocks), 128)
	seen := map[string]bool{}
	for _, b := range opaqueBlocks {
		assert.False(t, seen[b.id], "duplicate %s", b.id)
		seen[b.id] = true
		assert.Equal(t, b.id, nearestBlock(b.c), fmt.Sprint(b.c))
	}
	for _, b := range glassBlocks {
		c := b.c
		c.A = 128
		assert.Equal(t, b.id, nearestBlock(c))
	}
	assert.Equal(t, "snow_block", nearestBlock(color.NRGBA{250, 250, 250, 255}))
	assert.Equal(t, "black_concrete", nearestBlock(color.NRGBA{0, 0, 0, 255}))
}

func TestTooBig(t *testing.T) {
	s := voxel.New()
	s.Set(1, voxel.Pos{}, color.NRGBA{A: 255})
	s.Set(1, voxel.Pos{X: 70000}, color.NRGBA{A: 255})
	var buf bytes.Buffer
	_, err := EncodeReport(&buf, s.Snapshot())
	require.ErrorContains(t, err, "at most 65535")
	s = voxel.New()
	s.Set(1, voxel.Pos{}, color.NRGBA{A: 255})
	s.Set(1, voxel.Pos{X: 1000, Y: 1000, Z: 1000}, color.NRGBA{A: 255})
	_, err = EncodeReport(&buf, s.Snapshot())
	require.ErrorContains(t, err, "export a smaller part")
}
