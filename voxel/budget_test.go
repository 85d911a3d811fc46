package voxel

import (
	"errors"
	"image/color"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func budgetErr(t *testing.T, err error, limit string) *BudgetError {
	t.Helper()
	var be *BudgetError
	require.True(t, errors.As(err, &be), "want a BudgetError, got %v", err)
	assert.Equal(t, limit, be.Limit)
	assert.ErrorIs(t, err, ErrBudget)
	return be
}

// Issue 13: files placed voxels near 2^31 and ±2^24; the scene itself now
// refuses any voxel outside ±2^20, whoever sets it.
func TestBudgetRefusesFarCoordinates(t *testing.T) {
	s := New()
	id := s.Current()
	for _, p := range []Pos{{MaxCoord, 0, 0}, {-MaxCoord, -MaxCoord, 0}, {MaxCoord, MaxCoord, -MaxCoord}} {
		ok, err := s.TrySet(id, p, red)
		require.NoError(t, err)
		assert.True(t, ok, "%v is inside", p)
	}
	for _, p := range []Pos{{MaxCoord + 1, 0, 0}, {0, 0, -MaxCoord - 1}, {1 << 31, 0, 0}, {0, 1<<62 + 5, 0}, {-1 << 63, 0, 0}} {
		ok, err := s.TrySet(id, p, red)
		assert.False(t, ok)
		be := budgetErr(t, err, LimitCoord)
		assert.Equal(t, p, be.Pos)
		assert.Contains(t, err.Error(), "±1048576")
		assert.Contains(t, err.Error(), p.String(), "the message names the voxel")
	}
	assert.Equal(t, 3, s.Count())
	assert.False(t, s.Set(id, Pos{MaxCoord + 1, 0, 0}, red))
	require.Error(t, s.Err(), "Set keeps its refusal for Err")
	s.ClearErr()
	assert.NoError(t, s.Err())
	// removing far away is a no-op, not an error
	ok, err := s.TrySet(id, Pos{MaxCoord + 1, 0, 0}, color.NRGBA{})
	assert.False(t, ok)
	assert.NoError(t, err)
	box := s.Box()
	assert.Equal(t, 2*MaxCoord+1, box.Size().X, "the box of the widest scene is far from overflow")
}

// Issue 13: 262,144 voxels each in its own block reached 1.9 GB. The block
// bound refuses the first block past it, before anything else is allocated.
func TestBudgetBoundsBlocksNotJustVoxels(t *testing.T) {
	s := New()
	s.SetBudget(Budget{MaxCoord: MaxCoord, MaxVoxels: 1 << 20, MaxBlocks: 64, MaxLayers: 4, MaxLayerName: 10})
	id := s.Current()
	s.Begin("sparse")
	var err error
	n := 0
	for i := 0; i < 262144 && err == nil; i++ {
		_, err = s.TrySet(id, Pos{16 * (i % 512), 16 * (i / 512), 0}, red)
		if err == nil {
			n++
		}
	}
	be := budgetErr(t, err, LimitBlocks)
	assert.Equal(t, 64, be.Max)
	assert.Contains(t, err.Error(), "64 blocks")
	assert.Equal(t, 64, n)
	assert.Equal(t, 64, s.Blocks())
	// The rest of a refused edit is refused too: it will be rolled back.
	ok, err := s.TrySet(id, Pos{1, 1, 1}, red)
	assert.False(t, ok)
	budgetErr(t, err, LimitBlocks)
	n, err = s.TryFillBox(id, BoxOf(Pos{}, Pos{3, 3, 3}), red)
	assert.Zero(t, n)
	budgetErr(t, err, LimitBlocks)
	s.Rollback()
	assert.Equal(t, 0, s.Blocks())
	assert.Equal(t, 0, s.Count())
	assert.NoError(t, s.Err(), "Rollback forgets the refusal")

	// A batch is checked before any block is made.
	err = s.CheckBlocks(id, 100, func(i int) Pos { return Pos{16 * i, 0, 0} })
	be = budgetErr(t, err, LimitBlocks)
	assert.Equal(t, 100, be.Got)
	assert.Contains(t, err.Error(), "would add 100 blocks of 16×16×16 voxels to the scene's 0, more than the 64")
	s.ClearErr()
	require.NoError(t, s.CheckBlocks(id, 1000, func(i int) Pos { return Pos{i % 64 * 16, 0, i % 3} }), "64 distinct blocks fit")

	// A second layer's blocks count too: memory is per layer.
	l2 := s.AddLayer("two")
	for i := range 32 {
		require.True(t, s.Set(id, Pos{16 * i, 0, 0}, red))
		require.True(t, s.Set(l2, Pos{16 * i, 0, 0}, red))
	}
	_, err = s.TrySet(l2, Pos{0, 16, 0}, red)
	budgetErr(t, err, LimitBlocks)
	// Deleting a layer gives its blocks back; undo takes them again.
	s.Begin("delete")
	require.NoError(t, s.DeleteLayer(l2))
	s.Commit()
	assert.Equal(t, 32, s.Blocks())
	_, err = s.Undo()
	require.NoError(t, err)
	assert.Equal(t, 64, s.Blocks())
	assert.Equal(t, 64, s.Count())
	// Merging cannot grow the totals, so a full scene still merges.
	s.Begin("merge")
	_, err = s.MergeLayers(l2, id)
	require.NoError(t, err)
	s.Commit()
	assert.NoError(t, s.Err())
	assert.Equal(t, 32, s.Blocks())
}

func TestBudgetBoundsVoxels(t *testing.T) {
	s := New()
	s.SetBudget(Budget{MaxCoord: MaxCoord, MaxVoxels: 100, MaxBlocks: 100, MaxLayers: 4, MaxLayerName: 10})
	id := s.Current()
	n, err := s.TryFillBox(id, BoxOf(Pos{0, 0, 0}, Pos{9, 9, 9}), red)
	budgetErr(t, err, LimitVoxels)
	assert.Equal(t, 100, n)
	assert.Equal(t, 100, s.Count())
	// recolouring and removing need no budget
	n, err = s.TryFillBox(id, BoxOf(Pos{0, 0, 0}, Pos{9, 9, 0}), blue)
	require.NoError(t, err)
	assert.Equal(t, 100, n)
	n, err = s.TryFillBox(id, BoxOf(Pos{-5 * MaxCoord, 0, 0}, Pos{5 * MaxCoord, 9, 9}), color.NRGBA{})
	require.NoError(t, err)
	assert.Equal(t, 100, n)
	assert.Equal(t, 0, s.Count())
	assert.Equal(t, 0, s.Blocks())
	n, err = s.TryFillBox(id, BoxOf(Pos{MaxCoord - 1, 0, 0}, Pos{MaxCoord + 1, 0, 0}), red)
	assert.Equal(t, 0, n, "a box reaching outside the extent changes nothing")
	budgetErr(t, err, LimitCoord)
}

func TestBudgetBoundsLayersAndNames(t *testing.T) {
	s := New()
	s.SetBudget(Budget{MaxCoord: MaxCoord, MaxVoxels: 100, MaxBlocks: 100, MaxLayers: 3, MaxLayerName: 8})
	_, err := s.TryAddLayer("123456789")
	budgetErr(t, err, LimitLayerName)
	id, err := s.TryAddLayer("12345678")
	require.NoError(t, err)
	assert.NotZero(t, id)
	require.NotZero(t, s.AddLayer("three"))
	s.ClearErr()
	assert.Zero(t, s.AddLayer("four"), "one layer too many gives id 0")
	budgetErr(t, s.Err(), LimitLayers)
	assert.Len(t, s.Layers(), 3)
	err = s.AddLayerWithID(77, "x")
	budgetErr(t, err, LimitLayers)

	err = s.RenameLayer(id, strings.Repeat("é", 5))
	be := budgetErr(t, err, LimitLayerName)
	assert.Equal(t, 10, be.Got)
	assert.Contains(t, err.Error(), "10 bytes")
	require.NoError(t, s.RenameLayer(id, "short"))

	b := Budget{MaxLayerName: 5}
	assert.Equal(t, "abé", b.ClipName("abéé"), "no character is split")
	assert.Equal(t, "abcde", b.ClipName("abcdefgh"))
}

// The totals the budget checks stay equal to the layers' own counts
// through edits, undo, redo and rollback.
func TestBudgetTotalsFollowHistory(t *testing.T) {
	s := New()
	id := s.Current()
	check := func() {
		t.Helper()
		v, b := 0, 0
		for _, l := range s.layers {
			v += l.count
			b += len(l.blocks)
		}
		assert.Equal(t, v, s.Count())
		assert.Equal(t, b, s.Blocks())
	}
	s.Begin("a")
	s.FillBox(id, BoxOf(Pos{-20, -20, -20}, Pos{20, 20, 20}), red)
	s.Commit()
	check()
	s.Begin("b")
	l := s.AddLayer("b")
	s.FillBox(l, BoxOf(Pos{0, 0, 0}, Pos{40, 0, 0}), blue)
	s.FillBox(id, BoxOf(Pos{-20, -20, -20}, Pos{0, 20, 20}), color.NRGBA{})
	s.Commit()
	check()
	s.Begin("c")
	s.Set(id, Pos{100, 100, 100}, red)
	s.Rollback()
	check()
	for range 2 {
		_, _ = s.Undo()
		check()
	}
	for range 2 {
		_, _ = s.Redo()
		check()
	}
}

func TestPutBlock(t *testing.T) {
	s := New()
	id := s.Current()
	var v [BlockSize * BlockSize * BlockSize]color.NRGBA
	v[0], v[4095] = red, blue
	v[7] = color.NRGBA{9, 9, 9, 0} // empty, whatever its colour
	require.NoError(t, s.PutBlock(id, Pos{16, -32, 0}, &v))
	assert.Equal(t, 2, s.Count())
	assert.Equal(t, 1, s.Blocks())
	assert.Equal(t, red, s.Get(id, Pos{16, -32, 0}))
	assert.Equal(t, blue, s.Get(id, Pos{31, -17, 15}))
	assert.Equal(t, Box{Pos{16, -32, 0}, Pos{31, -17, 15}}, s.Box())
	assert.Error(t, s.PutBlock(id, Pos{1, 0, 0}, &v), "unaligned")
	// At the extent's edge only the voxels inside count.
	var edge [BlockSize * BlockSize * BlockSize]color.NRGBA
	edge[0] = red
	require.NoError(t, s.PutBlock(id, Pos{MaxCoord, 0, 0}, &edge))
	edge[1] = red
	budgetErr(t, s.PutBlock(id, Pos{MaxCoord, 0, 0}, &edge), LimitCoord)
	s.ClearErr()
	s.SetBudget(Budget{MaxCoord: MaxCoord, MaxVoxels: 100, MaxBlocks: 2, MaxLayers: 2, MaxLayerName: 8})
	budgetErr(t, s.PutBlock(id, Pos{}, &v), LimitBlocks)
	assert.Equal(t, 3, s.Count())
}
