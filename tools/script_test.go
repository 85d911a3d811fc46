package tools_test

import (
	"context"
	"os"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/script"
	"github.com/goxel-mcp/goxel-mcp/tools"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// docExample returns the program under a ### heading of docs/scripting.md.
func docExample(t testing.TB, title string) string {
	t.Helper()
	b, err := os.ReadFile("../docs/scripting.md")
	require.NoError(t, err)
	m := regexp.MustCompile("(?s)### " + regexp.QuoteMeta(title) + "\n.*?```python\n(.*?)```").FindSubmatch(b)
	require.NotNil(t, m, "docs/scripting.md has no example %q", title)
	return string(m[1])
}

// sceneState is what "unchanged" compares: voxel count, content hash and revision.
func sceneState(h *harness) [3]uint64 {
	var st [3]uint64
	h.project.Read(func(s *voxel.Scene) {
		st[0], st[1] = uint64(s.Count()), s.Snapshot().Hash()
	})
	st[2] = h.project.Revision()
	return st
}

// One run_script call of under 4 KB builds a castle of over 100,000
// voxels, and one undo removes all of it.
func TestRunScriptCastleIsOneUndoStep(t *testing.T) {
	h := newHarness(t)
	code := docExample(t, "A castle")
	require.Less(t, len(code), 4096)
	for _, part := range []string{"crenellations", "towers", "cone(", "keep", "noise("} {
		require.Contains(t, code, part)
	}
	r := h.ok("run_script", map[string]any{"code": code})
	assert.Greater(t, num(t, r, "added"), 100_000)
	assert.Equal(t, num(t, r, "added"), num(t, r, "scene_voxels"))
	assert.Contains(t, r["output"], "castle:")
	assert.Contains(t, r, "revision")
	assert.Contains(t, r, "bounding_box")
	// the towers' roof tips and a merlon are there
	v := h.ok("get_voxel", map[string]any{"position": []any{36, 36, 6 + 18 + 10 + 13}})
	assert.Equal(t, "#8B2E22FF", v["color"], "a tower's roof tip")

	u := h.ok("undo", nil)
	assert.Equal(t, 0, num(t, u, "scene_voxels"), "one undo removes the whole castle")
	assert.Equal(t, 0, num(t, u, "undo_steps"))
	h.ok("redo", nil)
	assert.Equal(t, num(t, r, "added"), num(t, h.ok("get_status", nil), "voxels"))
}

func TestRunScriptFailuresChangeNothing(t *testing.T) {
	d := tools.Deps{Project: tools.NewProject(), Limits: tools.DefaultLimits}
	d.Limits.Script.MaxSteps = 2_000_000 // an endless loop ends sooner
	h := newHarnessWith(t, d)
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{3, 3, 3}, "color": "#FF0000"})
	before := sceneState(h)
	for _, tc := range []struct{ name, code, want string }{
		{"endless loop", "box([10, 0, 0], [12, 2, 2], '#FFFFFF')\nwhile True:\n    pass\n", "max_steps"},
		{"10^8 voxels", "box([10, 0, 0], [12, 2, 2], '#FFFFFF')\nbox([0, 0, 0], [999, 999, 99], '#FFFFFF')\n", "max_shape_volume"},
		{"10^8 voxels by set", "for x in range(10000):\n    for y in range(10000):\n        set(x, y, 0, '#FFFFFF')\n", "stopped by limit"},
		{"load os", "box([10, 0, 0], [12, 2, 2], '#FFFFFF')\nload('os', 'system')\n", `module "os" is not available`},
		{"open a file", "box([10, 0, 0], [12, 2, 2], '#FFFFFF')\nprint(open('/etc/passwd').read())\n", "no file, network, clock or environment access"},
		{"runtime error", "box([10, 0, 0], [12, 2, 2], '#FFFFFF')\nx = [1, 2][5]\n", "line 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := h.fail("run_script", map[string]any{"code": tc.code})
			assert.Contains(t, msg, tc.want)
			assert.Contains(t, msg, "line ")
			assert.Contains(t, msg, "Nothing was changed")
			assert.Equal(t, before, sceneState(h), "the scene is unchanged")
			// the server is alive and the scene usable
			assert.Equal(t, 64, num(t, h.ok("get_status", nil), "voxels"))
		})
	}
	assert.Contains(t, h.fail("run_script", map[string]any{"code": "  "}), "code must not be empty")
	assert.Contains(t, h.fail("run_script", map[string]any{"code": "print(1)", "args": "x"}), "args must be an object")
}

// A cancelled call (notifications/cancelled cancels the handler's context)
// stops the script with the cancellation error and changes nothing.
func TestRunScriptCancelled(t *testing.T) {
	d := tools.Deps{Project: tools.NewProject(), Limits: tools.DefaultLimits}
	d.Limits.Script = script.Limits{MaxDuration: time.Hour, MaxSteps: 1 << 62}
	st := tools.RunScript(d)
	ctx, cancel := context.WithCancel(context.Background())
	// The trigger only: whatever the delay, the script cannot end by itself.
	timer := time.AfterFunc(20*time.Millisecond, cancel)
	defer timer.Stop()
	req := mcp.CallToolRequest{}
	req.Params.Name = "run_script"
	req.Params.Arguments = map[string]any{"code": "box([0, 0, 0], [20, 20, 20], '#FFFFFF')\nwhile True:\n    set(1, 1, 1, '#FF0000')\n"}
	res, err := st.Handler(ctx, req)
	require.NoError(t, err)
	require.True(t, res.IsError)
	assert.Contains(t, text(res), "cancelled")
	assert.Contains(t, text(res), "Nothing was changed")
	d.Project.Read(func(s *voxel.Scene) {
		assert.Equal(t, 0, s.Count())
		assert.Equal(t, 0, s.UndoSteps())
	})
	assert.Equal(t, uint64(1), d.Project.Revision())
}

func TestRunScriptArgsAndOutput(t *testing.T) {
	h := newHarness(t)
	r := h.ok("run_script", map[string]any{
		"code": "n = args['n']\nfor i in range(n):\n    set(i, 0, 0, args['c'])\nprint('made', count())\n",
		"args": map[string]any{"n": 5, "c": []any{10, 20, 30}},
	})
	assert.Equal(t, "made 5\n", r["output"])
	assert.Equal(t, 5, num(t, r, "added"))
	v := h.ok("get_voxel", map[string]any{"position": []any{4, 0, 0}})
	assert.Equal(t, "#0A141EFF", v["color"])
	// a second script recolours and removes: the counts are net
	r = h.ok("run_script", map[string]any{"code": "replace_color('#0A141E', '#FFFFFF')\nremove(0, 0, 0)\nset(0, 0, 0, '#FFFFFF')\nremove(4, 0, 0)\n"})
	assert.Equal(t, 0, num(t, r, "added"))
	assert.Equal(t, 1, num(t, r, "removed"))
	assert.Equal(t, 4, num(t, r, "recolored"))
}

// BenchmarkRunScriptCastle runs the castle example (191,207 voxels)
// through the MCP layer; the undo between runs is not timed.
func BenchmarkRunScriptCastle(b *testing.B) {
	h := newHarness(&testing.T{})
	code := docExample(b, "A castle")
	for b.Loop() {
		h.ok("run_script", map[string]any{"code": code})
		b.StopTimer()
		h.ok("undo", nil)
		b.StartTimer()
	}
}

func TestRunScriptSendsProgress(t *testing.T) {
	h := newHarness(t)
	var mu sync.Mutex
	var got []map[string]any
	h.c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == "notifications/progress" {
			mu.Lock()
			got = append(got, n.Params.AdditionalFields)
			mu.Unlock()
		}
	})
	req := mcp.CallToolRequest{}
	req.Params.Name = "run_script"
	req.Params.Arguments = map[string]any{"code": "box([0, 0, 0], [9, 9, 9], '#FFFFFF')"}
	req.Params.Meta = &mcp.Meta{ProgressToken: "tok-s"}
	res, err := h.c.CallTool(t.Context(), req)
	require.NoError(t, err)
	require.False(t, res.IsError, text(res))
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= 1
	}, 2*time.Second, 10*time.Millisecond, "a progress notification arrives when the script starts")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, "tok-s", got[0]["progressToken"])
	assert.EqualValues(t, 10, got[0]["total"], "the total is the time limit in seconds")
}
