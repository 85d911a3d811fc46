package voxel

import (
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	red   = color.NRGBA{255, 0, 0, 255}
	green = color.NRGBA{0, 255, 0, 255}
	blue  = color.NRGBA{0, 0, 255, 255}
)

// dump returns every voxel of every layer, for exact comparisons.
func dump(s *Scene) map[int]map[Pos]color.NRGBA {
	out := map[int]map[Pos]color.NRGBA{}
	for _, l := range s.Layers() {
		m := map[Pos]color.NRGBA{}
		s.Each(l.ID, func(p Pos, c color.NRGBA) bool { m[p] = c; return true })
		out[l.ID] = m
	}
	return out
}

func TestSetGetNegativeCoordinates(t *testing.T) {
	s := New()
	id := s.Current()
	for _, p := range []Pos{{0, 0, 0}, {-1, -1, -1}, {-16, 15, -17}, {1000, -1000, 5}} {
		assert.True(t, s.Set(id, p, red), "set %v", p)
		assert.Equal(t, red, s.Get(id, p), "get %v", p)
	}
	assert.Equal(t, 4, s.Count())
	assert.False(t, s.Set(id, Pos{0, 0, 0}, red), "same colour is no change")
	assert.Equal(t, color.NRGBA{}, s.Get(id, Pos{-2, -1, -1}))
	assert.Equal(t, Box{Pos{-16, -1000, -17}, Pos{1000, 15, 5}}, s.Box())
	// alpha 0 removes, and the box shrinks
	assert.True(t, s.Set(id, Pos{1000, -1000, 5}, color.NRGBA{1, 2, 3, 0}))
	assert.Equal(t, 3, s.Count())
	assert.Equal(t, Box{Pos{-16, -1, -17}, Pos{0, 15, 0}}, s.Box())
	assert.False(t, s.Set(99, Pos{}, red), "unknown layer")
}

func TestUndoRedoRestoresExactly(t *testing.T) {
	s := New()
	id := s.Current()
	states := []map[int]map[Pos]color.NRGBA{dump(s)}
	edits := []func(){
		func() {
			for x := -20; x < 20; x++ {
				s.Set(id, Pos{x, 0, 0}, red)
			}
		},
		func() { s.Set(id, Pos{3, 0, 0}, blue); s.Set(id, Pos{-20, 0, 0}, color.NRGBA{}) },
		func() { l := s.AddLayer("second"); s.Set(l, Pos{1, 1, 1}, green) },
		func() { _ = s.RenameLayer(id, "base"); _ = s.SetVisible(id, false) },
		func() { _, _ = s.MergeLayers(s.Current(), id) },
		func() { s.Set(id, Pos{5, 5, 5}, red) },
	}
	var infos [][]LayerInfo
	infos = append(infos, s.Layers())
	for i, e := range edits {
		s.Begin("edit")
		e()
		require.True(t, s.Commit(), "edit %d changed something", i)
		states = append(states, dump(s))
		infos = append(infos, s.Layers())
	}
	for i := len(edits) - 1; i >= 0; i-- {
		_, err := s.Undo()
		require.NoError(t, err)
		assert.Equal(t, states[i], dump(s), "after undoing edit %d", i)
		assert.Equal(t, infos[i], s.Layers(), "layers after undoing edit %d", i)
	}
	_, err := s.Undo()
	assert.ErrorIs(t, err, ErrNothingToUndo)
	for i := range edits {
		_, err := s.Redo()
		require.NoError(t, err)
		assert.Equal(t, states[i+1], dump(s), "after redoing edit %d", i)
		assert.Equal(t, infos[i+1], s.Layers(), "layers after redoing edit %d", i)
	}
	_, err = s.Redo()
	assert.ErrorIs(t, err, ErrNothingToRedo)
}

func TestNewEditClearsRedo(t *testing.T) {
	s := New()
	s.Begin("a")
	s.Set(1, Pos{}, red)
	s.Commit()
	_, _ = s.Undo()
	s.Begin("b")
	s.Set(1, Pos{1, 0, 0}, red)
	s.Commit()
	assert.Equal(t, 0, s.RedoSteps())
	assert.False(t, func() bool { s.Begin("noop"); return s.Commit() }(), "an edit that changes nothing is not recorded")
}

func TestRollback(t *testing.T) {
	s := New()
	s.Set(1, Pos{}, red)
	before := dump(s)
	s.Begin("x")
	s.Set(1, Pos{}, blue)
	s.Set(1, Pos{40, 0, 0}, blue)
	s.AddLayer("x")
	s.Rollback()
	assert.Equal(t, before, dump(s))
	assert.Len(t, s.Layers(), 1)
	assert.Equal(t, 0, s.UndoSteps())
}

func TestHistoryIsBounded(t *testing.T) {
	s := New()
	s.SetHistoryLimits(HistoryLimits{MaxSteps: 5, MaxBytes: 1 << 30})
	for i := range 20 {
		s.Begin("e")
		s.Set(1, Pos{i * 16, 0, 0}, red)
		s.Commit()
	}
	assert.Equal(t, 5, s.UndoSteps())
	s.SetHistoryLimits(HistoryLimits{MaxSteps: 100, MaxBytes: 3 * blockBytes})
	assert.Equal(t, 3, s.UndoSteps())
}

func TestSnapshotIsImmutableAndHashIsContentBased(t *testing.T) {
	s := New()
	s.Set(1, Pos{1, 2, 3}, red)
	snap := s.Snapshot()
	s.Set(1, Pos{1, 2, 3}, blue)
	s.Set(1, Pos{100, 2, 3}, blue)
	assert.Equal(t, red, snap.At(Pos{1, 2, 3}), "snapshot keeps the old colour")
	assert.Equal(t, 1, snap.Count())

	// The same content reached by another route hashes the same.
	t2 := New()
	t2.Set(1, Pos{100, 2, 3}, blue)
	t2.Set(1, Pos{1, 2, 3}, green)
	t2.Set(1, Pos{1, 2, 3}, blue)
	assert.Equal(t, s.Snapshot().Hash(), t2.Snapshot().Hash())
	assert.NotEqual(t, snap.Hash(), t2.Snapshot().Hash())
}

// TestSnapshotReusedUntilChanged: a scene that has not changed gives the same Snapshot again, and
// every kind of change gives a new one that shows it (a stale one would render the old scene).
func TestSnapshotReusedUntilChanged(t *testing.T) {
	s := New()
	s.Set(1, Pos{1, 2, 3}, red)
	snap := s.Snapshot()
	s.Begin("nothing")
	s.Commit()
	s.SelectLayer(1)
	assert.Same(t, snap, s.Snapshot(), "no change: the same snapshot")

	var full [BlockSize * BlockSize * BlockSize]color.NRGBA
	for i := range full {
		full[i] = green
	}
	top := 0
	for _, c := range []struct {
		name  string
		edit  func()
		count int
	}{
		{"Set", func() { s.Set(1, Pos{5, 0, 0}, blue) }, 2},
		{"Set to empty", func() { s.Set(1, Pos{5, 0, 0}, color.NRGBA{}) }, 1},
		{"FillBox", func() { s.FillBox(1, Box{Pos{0, 0, 0}, Pos{1, 1, 0}}, blue) }, 5},
		{"AddLayer and Set", func() { top = s.AddLayer("top"); s.Set(top, Pos{40, 0, 0}, red) }, 6},
		{"SetVisible off", func() { require.NoError(t, s.SetVisible(top, false)) }, 5},
		{"SetVisible on", func() { require.NoError(t, s.SetVisible(top, true)) }, 6},
		{"PutBlock", func() { require.NoError(t, s.PutBlock(top, Pos{64, 0, 0}, &full)) }, 6 + len(full)},
		{"MergeLayers", func() { _, err := s.MergeLayers(top, 1); require.NoError(t, err) }, 6 + len(full)},
		{"DeleteLayer", func() {
			id := s.AddLayer("gone")
			s.Set(id, Pos{-50, 0, 0}, red)
			require.NoError(t, s.DeleteLayer(id))
		}, 6 + len(full)},
		{"Rollback", func() { s.Begin("x"); s.Set(1, Pos{9, 9, 9}, red); s.Snapshot(); s.Rollback() }, 6 + len(full)},
		{"edit", func() { s.Begin("y"); s.Set(1, Pos{9, 9, 9}, red); s.Commit() }, 7 + len(full)},
		{"Undo", func() { _, err := s.Undo(); require.NoError(t, err) }, 6 + len(full)},
		{"Redo", func() { _, err := s.Redo(); require.NoError(t, err) }, 7 + len(full)},
	} {
		before := s.Snapshot()
		c.edit()
		after := s.Snapshot()
		assert.Equal(t, c.count, after.Count(), c.name)
		if c.count != before.Count() {
			assert.NotSame(t, before, after, c.name)
		}
		// The snapshot given is the one the scene makes from scratch now: not a stale one.
		assert.Equal(t, s.takeSnapshot().Hash(), after.Hash(), c.name)
		assert.Same(t, after, s.Snapshot(), c.name+": then reused")
	}
}

func TestSnapshotMergesVisibleLayers(t *testing.T) {
	s := New()
	s.Set(1, Pos{0, 0, 0}, red)
	s.Set(1, Pos{1, 0, 0}, red)
	top := s.AddLayer("top")
	s.Set(top, Pos{0, 0, 0}, blue)
	hidden := s.AddLayer("hidden")
	s.Set(hidden, Pos{50, 50, 50}, green)
	require.NoError(t, s.SetVisible(hidden, false))
	snap := s.Snapshot()
	assert.Equal(t, 2, snap.Count())
	assert.Equal(t, blue, snap.At(Pos{}), "upper layer wins")
	assert.Equal(t, Box{Pos{}, Pos{1, 0, 0}}, snap.Box())
	n := 0
	snap.Each(func(Pos, color.NRGBA) bool { n++; return true })
	assert.Equal(t, 2, n)
	assert.Equal(t, red, s.Get(1, Pos{}), "merging for a snapshot leaves the scene alone")
}

func TestLayerErrors(t *testing.T) {
	s := New()
	assert.ErrorIs(t, s.DeleteLayer(1), ErrLastLayer)
	assert.ErrorIs(t, s.DeleteLayer(7), ErrNoLayer)
	assert.ErrorIs(t, s.RenameLayer(7, "x"), ErrNoLayer)
	_, err := s.MergeLayers(1, 1)
	assert.ErrorIs(t, err, ErrSameLayer)
	a := s.AddLayer("a")
	require.NoError(t, s.DeleteLayer(a))
	b := s.AddLayer("b")
	assert.NotEqual(t, a, b, "ids are never reused")
	assert.Equal(t, b, s.Current())
}

func TestShapes(t *testing.T) {
	count := func(sh Shape) int {
		n := 0
		require.NoError(t, sh.Each(func(Pos) bool { n++; return true }))
		return n
	}
	tests := []struct {
		name  string
		shape Shape
		want  int
	}{
		{"box", Shape{Kind: ShapeBox, From: Pos{-8, -8, -8}, To: Pos{7, 7, 7}}, 4096},
		{"box reversed corners", Shape{Kind: ShapeBox, From: Pos{7, 7, 7}, To: Pos{-8, -8, -8}}, 4096},
		{"hollow box", Shape{Kind: ShapeBox, From: Pos{0, 0, 0}, To: Pos{9, 9, 9}, Hollow: true}, 1000 - 512},
		{"sphere r20", Shape{Kind: ShapeSphere, Radii: [3]int{20, 20, 20}}, 33401},
		{"sphere r0", Shape{Kind: ShapeSphere}, 1},
		{"ellipsoid flat", Shape{Kind: ShapeSphere, Radii: [3]int{3, 3, 0}}, 29},
		{"cylinder", Shape{Kind: ShapeCylinder, Radius: 1, Height: 4, Axis: 2}, 20},
		{"cone", Shape{Kind: ShapeCone, Radius: 2, Height: 2, Axis: 2}, 13 + 5},
		{"line", Shape{Kind: ShapeLine, From: Pos{0, 0, 0}, To: Pos{10, 3, -2}}, 11},
		{"plane", Shape{Kind: ShapePlane, From: Pos{0, 0, 5}, To: Pos{9, 4, 9}, Axis: 2}, 50},
		{"hollow plane", Shape{Kind: ShapePlane, From: Pos{0, 0, 5}, To: Pos{9, 4, 9}, Axis: 2, Hollow: true}, 50 - 24},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, count(tt.shape))
		})
	}
	// a hollow sphere is a shell: every voxel has an outside neighbour
	sh := Shape{Kind: ShapeSphere, Radii: [3]int{6, 6, 6}, Hollow: true}
	require.NoError(t, sh.Each(func(p Pos) bool {
		assert.True(t, sh.Contains(p))
		assert.False(t, Shape{Kind: ShapeSphere, Radii: [3]int{5, 5, 5}}.Contains(p) &&
			p.X*p.X+p.Y*p.Y+p.Z*p.Z < 25, "inner voxel %v", p)
		return true
	}))
	_, err := Shape{Kind: "star"}.Bounds()
	assert.ErrorIs(t, err, ErrShape)
}

func TestLineIsConnected(t *testing.T) {
	var pts []Pos
	Line(Pos{-5, 2, 9}, Pos{12, -7, 0}, func(p Pos) bool { pts = append(pts, p); return true })
	require.Equal(t, Pos{-5, 2, 9}, pts[0])
	require.Equal(t, Pos{12, -7, 0}, pts[len(pts)-1])
	for i := 1; i < len(pts); i++ {
		d := Pos{pts[i].X - pts[i-1].X, pts[i].Y - pts[i-1].Y, pts[i].Z - pts[i-1].Z}
		assert.LessOrEqual(t, max(abs(d.X), abs(d.Y), abs(d.Z)), 1, "step %d", i)
	}
}

func TestFloodRegion(t *testing.T) {
	s := New()
	// a hollow 5³ box of red with one blue voxel on its surface
	require.NoError(t, Shape{Kind: ShapeBox, From: Pos{0, 0, 0}, To: Pos{4, 4, 4}, Hollow: true}.Each(func(p Pos) bool {
		s.Set(1, p, red)
		return true
	}))
	s.Set(1, Pos{0, 2, 2}, blue)
	box := s.Box()

	region, err := s.FloodRegion(1, Pos{0, 0, 0}, 1000, box)
	require.NoError(t, err)
	assert.Len(t, region, 98-1, "all red surface voxels but the blue one")

	inside, err := s.FloodRegion(1, Pos{2, 2, 2}, 1000, box)
	require.NoError(t, err)
	assert.Len(t, inside, 27, "the enclosed cavity")

	_, err = s.FloodRegion(1, Pos{2, 2, 2}, 10, box)
	assert.ErrorIs(t, err, ErrFloodLimit)

	s.Set(1, Pos{4, 2, 2}, color.NRGBA{}) // open a hole
	_, err = s.FloodRegion(1, Pos{2, 2, 2}, 1000, s.Box())
	assert.ErrorIs(t, err, ErrNotEnclosed)
}

func TestMemoryGrowsWithBlocksNotBox(t *testing.T) {
	s := New()
	s.Set(1, Pos{-1 << 20, 0, 0}, red)
	s.Set(1, Pos{1 << 20, 1 << 20, 1 << 20}, red)
	assert.Len(t, s.layers[0].blocks, 2)
}

func BenchmarkSetMillion(b *testing.B) {
	for b.Loop() {
		s := New()
		s.Begin("add")
		for z := range 100 {
			for y := range 100 {
				for x := range 100 {
					s.Set(1, Pos{x, y, z}, red)
				}
			}
		}
		s.Commit()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ns/voxel")
}

func TestFreezeAndAddLayerWithID(t *testing.T) {
	s := NewEmpty()
	require.NoError(t, s.AddLayerWithID(7, "seven"))
	assert.Error(t, s.AddLayerWithID(7, "again"))
	assert.Equal(t, 8, s.AddLayer("next"), "later ids stay above restored ones")
	s.Set(7, Pos{1, 2, 3}, red)
	s.Set(7, Pos{100, 2, 3}, blue)
	frozen := s.Freeze()
	require.Len(t, frozen, 2)
	assert.Equal(t, 7, frozen[0].ID)
	require.Len(t, frozen[0].Blocks, 2)
	before := *frozen[0].Blocks[0].Block.Voxels()
	s.Set(7, Pos{1, 2, 3}, green)
	assert.Equal(t, before, *frozen[0].Blocks[0].Block.Voxels(), "frozen blocks do not change")
	assert.NotEqual(t, frozen[0].Hashes[0], frozen[0].Hashes[1])
}

func TestFillBoxMatchesSet(t *testing.T) {
	box := Box{Pos{-20, -3, 5}, Pos{17, 30, 21}}
	a, b := New(), New()
	a.Set(1, Pos{0, 0, 10}, blue)
	b.Set(1, Pos{0, 0, 10}, blue)
	a.Set(1, Pos{100, 0, 0}, blue)
	b.Set(1, Pos{100, 0, 0}, blue)
	b.Begin("fill")
	n := b.FillBox(1, box, red)
	b.Commit()
	m := 0
	for z := box.Min.Z; z <= box.Max.Z; z++ {
		for y := box.Min.Y; y <= box.Max.Y; y++ {
			for x := box.Min.X; x <= box.Max.X; x++ {
				if a.Set(1, Pos{x, y, z}, red) {
					m++
				}
			}
		}
	}
	assert.Equal(t, m, n)
	assert.Equal(t, dump(a), dump(b))
	assert.Equal(t, a.Box(), b.Box())
	assert.Equal(t, a.Count(), b.Count())
	assert.Equal(t, 0, b.FillBox(1, box, red), "a second fill changes nothing")
	// clearing part of it, then undo restores exactly
	before := dump(b)
	b.Begin("clear")
	b.FillBox(1, Box{Pos{-20, -3, 5}, Pos{0, 30, 21}}, color.NRGBA{})
	b.Commit()
	assert.Less(t, b.Count(), a.Count())
	assert.Equal(t, Box{Pos{1, -3, 0}, Pos{100, 30, 21}}, b.Box())
	_, err := b.Undo()
	require.NoError(t, err)
	assert.Equal(t, before, dump(b))
}

func TestParseHex(t *testing.T) {
	for in, want := range map[string]color.NRGBA{"FF0000": red, "#00ff00": green, "0000FF80": {0, 0, 255, 128}, "#0a0B0c": {10, 11, 12, 255}} {
		got, ok := ParseHex(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "#", "12", "#1234567", "GG0000", "+1+2+3"} {
		_, ok := ParseHex(in)
		assert.False(t, ok, in)
	}
	c, ok := ParseHex([]byte("102030"))
	assert.True(t, ok)
	assert.Equal(t, color.NRGBA{16, 32, 48, 255}, c)
}

// BenchmarkSnapshot takes snapshots of the reference scene of docs/benchmarks.md (a filled sphere of
// radius 20 and a 16³ box, 37,497 voxels), as render_scene does before every render: of an unchanged
// scene (the case of renders in other looks), and after a one-voxel edit.
func BenchmarkSnapshot(b *testing.B) {
	s := New()
	for x := -20; x <= 20; x++ {
		for y := -20; y <= 20; y++ {
			for z := -20; z <= 20; z++ {
				if x*x+y*y+z*z <= 400 {
					s.Set(1, Pos{x, y, z}, blue)
				}
			}
		}
	}
	s.FillBox(1, Box{Pos{30, -8, -8}, Pos{45, 7, 7}}, red)
	b.Run("unchanged", func(b *testing.B) {
		for b.Loop() {
			_ = s.Snapshot()
		}
	})
	b.Run("after-edit", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			s.Set(1, Pos{0, 0, 30}, color.NRGBA{uint8(i), 0, 0, 255})
			_ = s.Snapshot()
		}
	})
}
