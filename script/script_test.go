package script_test

import (
	"context"
	"errors"
	"image/color"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/script"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// run runs code as one edit of s, rolled back on error, as the tool does.
func run(t testing.TB, s *voxel.Scene, code string, opt script.Options) (*script.Result, error) {
	t.Helper()
	s.Begin("run_script")
	res, err := script.Run(context.Background(), s, code, opt)
	if err != nil {
		s.Rollback()
		return nil, err
	}
	s.Commit()
	return res, nil
}

func mustRun(t *testing.T, s *voxel.Scene, code string) *script.Result {
	t.Helper()
	res, err := run(t, s, code, script.Options{})
	require.NoError(t, err)
	return res
}

// scriptErr runs code that must fail, checks the scene is unchanged and
// returns the error.
func scriptErr(t *testing.T, s *voxel.Scene, code string, opt script.Options) *script.Error {
	t.Helper()
	count, version := s.Count(), s.Version()
	hash := s.Snapshot().Hash()
	_, err := run(t, s, code, opt)
	require.Error(t, err)
	var se *script.Error
	require.True(t, errors.As(err, &se), "want a *script.Error, got %T %v", err, err)
	assert.Equal(t, count, s.Count(), "a failed script changes nothing")
	assert.Equal(t, hash, s.Snapshot().Hash(), "a failed script changes nothing")
	assert.Equal(t, 0, s.UndoSteps()-0*int(version), "no undo step for a failed script")
	return se
}

func TestBasics(t *testing.T) {
	s := voxel.New()
	res := mustRun(t, s, `
set(0, 0, 0, "#FF0000")
set(1, 0, 0, [0, 255, 0])
set(2, 0, 0, (0, 0, 255, 128))
set(3.4, 0, 0, "00ff00")
print("at 0:", get(0, 0, 0), "at 9:", get(9, 0, 0))
remove(1, 0, 0)
box([0, 0, 1], [3, 3, 1], "#808080")
print(count(), bounding_box()["size"])
`)
	assert.Equal(t, "at 0: #FF0000FF at 9: None\n19 [4, 4, 2]\n", res.Output)
	assert.Equal(t, 19, res.Changes.Added)
	assert.Equal(t, voxel.Box{Min: voxel.Pos{}, Max: voxel.Pos{X: 3, Y: 3, Z: 1}}, res.Box)
	assert.Equal(t, 1, s.UndoSteps())
	_, err := s.Undo()
	require.NoError(t, err)
	assert.Equal(t, 0, s.Count())
}

func TestLimits(t *testing.T) {
	s := voxel.New()
	s.Set(1, voxel.Pos{}, colorRed)
	s.ClearHistory()
	t.Run("endless loop", func(t *testing.T) {
		e := scriptErr(t, s, "n = 0\nwhile True:\n    n += 1\n", script.Options{Limits: script.Limits{MaxSteps: 1_000_000}})
		assert.Equal(t, script.LimitSteps, e.Limit)
		assert.Contains(t, e.Error(), "max_steps")
		assert.Contains(t, []int{2, 3}, e.Line)
	})
	t.Run("wall time", func(t *testing.T) {
		e := scriptErr(t, s, "while True:\n    pass\n", script.Options{Limits: script.Limits{MaxDuration: 30 * time.Millisecond}})
		assert.Equal(t, script.LimitDuration, e.Limit)
	})
	t.Run("10^8 voxels", func(t *testing.T) {
		e := scriptErr(t, s, "set(5, 5, 5, '#ffffff')\nbox([0, 0, 0], [999, 999, 99], '#ffffff')\n", script.Options{})
		assert.Equal(t, script.LimitShapeVolume, e.Limit)
		assert.Equal(t, 2, e.Line)
		assert.Contains(t, e.Error(), "100000000")
	})
	t.Run("changes", func(t *testing.T) {
		e := scriptErr(t, s, "for x in range(100):\n    set(x, 1, 1, '#ffffff')\n", script.Options{Limits: script.Limits{MaxChanges: 50}})
		assert.Equal(t, script.LimitChanges, e.Limit)
		assert.Equal(t, 2, e.Line)
	})
	t.Run("output", func(t *testing.T) {
		e := scriptErr(t, s, "set(5, 5, 5, '#ffffff')\nfor i in range(1000):\n    print('line', i)\n", script.Options{Limits: script.Limits{MaxOutput: 100}})
		assert.Equal(t, script.LimitOutput, e.Limit)
		assert.Equal(t, 3, e.Line)
		assert.LessOrEqual(t, len(e.Output), 100)
	})
	t.Run("scene size", func(t *testing.T) {
		e := scriptErr(t, s, "box([0, 0, 0], [99, 99, 9], '#ffffff')\n", script.Options{Limits: script.Limits{MaxSceneVoxels: 1000}})
		assert.Equal(t, script.LimitSceneVoxels, e.Limit)
	})
}

var colorRed = color.NRGBA{R: 255, A: 255}

func TestMemoryLimit(t *testing.T) {
	s := voxel.New()
	e := scriptErr(t, s, "big = []\nfor i in range(100):\n    big.append(list(range(1000000)))\n", script.Options{Limits: script.Limits{MaxMemory: 64 << 20}})
	assert.Equal(t, script.LimitMemory, e.Limit)
	assert.Contains(t, e.Error(), "max_memory")
}

// A layer name over the scene budget is a clear script error, not a layer
// id 0 that later calls trip over.
func TestCreateLayerNameOverBudget(t *testing.T) {
	s := voxel.New()
	se := scriptErr(t, s, `create_layer("x" * 300)`, script.Options{})
	assert.Contains(t, se.Error(), "name")
	assert.Len(t, s.Layers(), 1)
}
