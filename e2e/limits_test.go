package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// peakGrowthLimitKB bounds how much a refused call may raise the server's
// peak RSS (VmHWM): far below what each refused request would allocate
// had it gone ahead (hundreds of MiB), above the noise of reading a request.
const peakGrowthLimitKB = 48 << 10

// refusedCheaply calls a tool that must be refused by a limit and checks
// that the refusal names the limit and came before the allocation it
// protects against: the peak RSS barely moves.
func refusedCheaply(t *testing.T, s *server, name string, args map[string]any, want ...string) string {
	t.Helper()
	before := s.procStatus(t, "VmHWM")
	msg := fails(t, s.c, name, args)
	for _, w := range want {
		assert.Contains(t, msg, w)
	}
	after := s.procStatus(t, "VmHWM")
	assert.Less(t, after-before, int64(peakGrowthLimitKB), "%s: peak RSS grew from %s to %s on a refused call", name, mb(before), mb(after))
	return msg
}

// Every configurable limit answers with a clear isError over stdio, before
// the large allocation it exists to prevent, and leaves the scene as it was.
func TestLimitsOverStdio(t *testing.T) {
	work := t.TempDir()
	s := launch(t, work, env(t))
	voxels := func() float64 { return structured(t, call(t, s.c, "get_status", nil))["voxels"].(float64) }

	t.Run("image size", func(t *testing.T) {
		msg := refusedCheaply(t, s, "render_scene", map[string]any{"width": 9000, "height": 9000}, "width", "8192", "9000")
		t.Log(msg)
		refusedCheaply(t, s, "render_scene", map[string]any{"width": 64, "height": 8193}, "height", "8192")
		refusedCheaply(t, s, "render_scene", map[string]any{"views": make([]any, 17)}, "1 to 16 views")
	})

	t.Run("voxels per call", func(t *testing.T) {
		// 1,048,577 lines of data: the per-call limit is 1,048,576.
		data := strings.Repeat("0 0 0\n", 1<<20+1)
		msg := fails(t, s.c, "add_voxels", map[string]any{"data": data, "color": "#FF0000"})
		assert.Contains(t, msg, "limit of 1048576 per call")
		assert.Zero(t, voxels(), "nothing was added")
		if !longRun() {
			t.Skip("the 1,048,577-item voxels array (an 8 MB request) runs with GOXEL_SOAK=1")
		}
		list := make([]any, 1<<20+1)
		for i := range list {
			list[i] = []int{0, 0, 0}
		}
		msg = fails(t, s.c, "remove_voxels", map[string]any{"voxels": list})
		assert.Contains(t, msg, "more than the limit of 1048576 per call")
		assert.Zero(t, voxels(), "nothing was added")
	})

	t.Run("coordinates", func(t *testing.T) {
		refusedCheaply(t, s, "add_voxels", map[string]any{"voxels": []any{[]any{1 << 21, 0, 0, "#FF0000"}}}, "voxels[0].x", "1048576")
	})

	t.Run("shape size", func(t *testing.T) {
		refusedCheaply(t, s, "fill_shape", map[string]any{"shape": "box", "from": []int{0, 0, 0}, "to": []int{4000, 4000, 4000}, "color": "#FF0000"},
			"4001×4001×4001", "more than the limit of 33554432")
		refusedCheaply(t, s, "fill_shape", map[string]any{"shape": "sphere", "center": []int{0, 0, 0}, "radius": 1 << 20, "color": "#FF0000"}, "limit")
		refusedCheaply(t, s, "fill_shape", map[string]any{"shape": "cylinder", "center": []int{0, 0, 0}, "radius": 1000, "height": 100, "color": "#FF0000"}, "limit")
		assert.Zero(t, voxels())
	})

	t.Run("flood fill extent", func(t *testing.T) {
		// A closed hollow box 112³ whose inside (110³ = 1,331,000) is larger
		// than the default flood limit (1,048,576).
		structured(t, call(t, s.c, "fill_shape", map[string]any{"shape": "box", "from": []int{0, 0, 0}, "to": []int{111, 111, 111}, "hollow": true, "color": "#808080"}))
		shell := voxels()
		require.EqualValues(t, 112*112*112-110*110*110, shell)
		refusedCheaply(t, s, "flood_fill", map[string]any{"position": []int{50, 50, 50}, "color": "#FF0000", "limit": 1<<20 + 1}, "limit must be an integer from 1 to 1048576")
		msg := fails(t, s.c, "flood_fill", map[string]any{"position": []int{50, 50, 50}, "color": "#FF0000", "limit": 1000})
		assert.Contains(t, msg, "more than 1000 voxels")
		assert.Equal(t, shell, voxels(), "a refused flood changes nothing")
		if longRun() {
			begin := time.Now()
			msg := fails(t, s.c, "flood_fill", map[string]any{"position": []int{50, 50, 50}, "color": "#FF0000"})
			assert.Contains(t, msg, "more than 1048576 voxels")
			assert.Contains(t, msg, "nothing was changed")
			t.Logf("the default flood limit refused a 1,331,000-voxel region in %v", time.Since(begin))
			assert.Equal(t, shell, voxels())
		}
	})

	t.Run("region page size", func(t *testing.T) {
		refusedCheaply(t, s, "get_voxels_region", map[string]any{"from": []int{0, 0, 0}, "to": []int{111, 111, 111}, "limit": 10001}, "limit must be an integer from 1 to 10000")
		refusedCheaply(t, s, "find_voxels_by_color", map[string]any{"color": "#808080", "limit": 10001}, "limit must be an integer from 1 to 10000")
		// The default page stops at its 16 KB byte budget, before 1000 voxels.
		res := call(t, s.c, "get_voxels_region", map[string]any{"from": []int{0, 0, 0}, "to": []int{111, 111, 111}})
		page := structured(t, res)
		assert.LessOrEqual(t, len(textOf(res)), 16<<10, "default byte budget")
		assert.Equal(t, true, page["truncated"])
		assert.Equal(t, "max_bytes", page["truncated_by"])
		page = structured(t, call(t, s.c, "get_voxels_region", map[string]any{"from": []int{0, 0, 0}, "to": []int{111, 111, 111}, "limit": 10000, "max_bytes": 1 << 20}))
		assert.Len(t, page["voxels"], 10000, "largest page")
		page = structured(t, call(t, s.c, "get_voxels_region", map[string]any{"from": []int{0, 0, 0}, "to": []int{9, 9, 9}, "limit": 8, "max_bytes": 1 << 20}))
		assert.Len(t, page["voxels"], 8, "limit below the budget")
		assert.Equal(t, "limit", page["truncated_by"])
		res = call(t, s.c, "find_voxels_by_color", map[string]any{"color": "#808080"})
		found := structured(t, res)
		assert.LessOrEqual(t, len(textOf(res)), 16<<10, "default byte budget")
		assert.Equal(t, true, found["truncated"])
	})

	t.Run("file size on open", func(t *testing.T) {
		// A sparse file one byte over the 256 MiB default: refused from its
		// size before a byte is decoded.
		big := filepath.Join(work, "big.vox")
		f, err := os.Create(big)
		require.NoError(t, err)
		require.NoError(t, f.Truncate(256<<20+1))
		require.NoError(t, f.Close())
		refusedCheaply(t, s, "open_project", map[string]any{"path": "big.vox", "force": true}, "268435457 bytes", "more than the limit of 268435456")
		assert.Equal(t, voxels(), float64(112*112*112-110*110*110), "the open scene is kept")
	})

	t.Run("voxels per scene", func(t *testing.T) {
		if !longRun() {
			t.Skip("allocates two 32-million-voxel boxes; runs with GOXEL_SOAK=1 (.ci/run); TestToolLimitsFromEnv checks the same refusal small")
		}
		structured(t, call(t, s.c, "create_project", map[string]any{"force": true}))
		structured(t, call(t, s.c, "fill_shape", map[string]any{"shape": "box", "from": []int{0, 0, 0}, "to": []int{319, 319, 319}, "color": "#808080"}))
		msg := fails(t, s.c, "fill_shape", map[string]any{"shape": "box", "from": []int{400, 0, 0}, "to": []int{719, 319, 319}, "color": "#FF0000"})
		// 32 Mi voxels fill exactly the scene budget's 8,192 blocks, so the
		// block bound refuses the second box before the voxel bound can.
		assert.Contains(t, msg, "scene budget")
		assert.Contains(t, msg, "more than 8192 blocks")
		assert.Contains(t, msg, "nothing was changed")
		assert.EqualValues(t, 320*320*320, voxels())
		t.Logf("peak RSS after the refused edit: %s (the scene limit is checked after the edit, then rolled back)", mb(s.procStatus(t, "VmHWM")))
	})

	require.NoError(t, s.close(), "clean exit; stderr: %s", s.stderr.String())
}

// The tool limits come from the environment too; the scene limit refuses an
// edit that would pass it, and changes nothing.
func TestToolLimitsFromEnv(t *testing.T) {
	s := launch(t, t.TempDir(), env(t, "GOXEL_MAX_SCENE_VOXELS=1000", "GOXEL_MAX_VOXELS_PER_CALL=50", "GOXEL_MAX_FLOOD_FILL=20", "GOXEL_MAX_PAGE_SIZE=7"))
	structured(t, call(t, s.c, "fill_shape", map[string]any{"shape": "box", "from": []int{0, 0, 0}, "to": []int{9, 9, 9}, "color": "#808080"}))
	msg := fails(t, s.c, "fill_shape", map[string]any{"shape": "box", "from": []int{20, 0, 0}, "to": []int{29, 9, 9}, "color": "#FF0000"})
	assert.Contains(t, msg, "more than the limit of 1000")
	assert.Contains(t, msg, "nothing was changed")
	var list []any
	for i := range 51 {
		list = append(list, []any{i, 50, 0})
	}
	assert.Contains(t, fails(t, s.c, "add_voxels", map[string]any{"voxels": list, "color": "#FF0000"}), "limit of 50 per call")
	assert.Contains(t, fails(t, s.c, "flood_fill", map[string]any{"position": []int{0, 0, 0}, "color": "#FF0000"}), "more than 20 voxels")
	assert.Contains(t, fails(t, s.c, "get_voxels_region", map[string]any{"from": []int{0, 0, 0}, "to": []int{9, 9, 9}, "limit": 8}), "from 1 to 7")
	assert.EqualValues(t, 1000, structured(t, call(t, s.c, "get_status", nil))["voxels"])
	require.NoError(t, s.close())
}

// GOXEL_MAX_IMAGE_SIZE lowers the image limit, and the refusal names it.
func TestImageLimitFromEnv(t *testing.T) {
	s := launch(t, t.TempDir(), env(t, "GOXEL_MAX_IMAGE_SIZE=256"))
	structured(t, call(t, s.c, "add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 0, "#FF0000"}}}))
	refusedCheaply(t, s, "render_scene", map[string]any{"width": 257, "height": 64}, "width must be an integer from 1 to 256, got 257")
	out := structured(t, call(t, s.c, "render_scene", map[string]any{"width": 256, "height": 256, "options": map[string]any{"return_mode": "file_path"}}))
	assert.EqualValues(t, 256, out["file"].(map[string]any)["dimensions"].(map[string]any)["width"])
	require.NoError(t, s.close())
}

// A directory cap below the default per-file cap (100 MiB), set alone, as a
// predecessor's daemon.conf with a small max_cache_size does, must start:
// the store already caps each file at min(per-file, directory).
func TestDirectoryCapAloneStarts(t *testing.T) {
	for name, environ := range map[string][]string{
		"env":    env(t, "GOXEL_RENDER_MAX_SIZE=20M"),
		"config": env(t),
	} {
		t.Run(name, func(t *testing.T) {
			args := []string{}
			if name == "config" {
				conf := filepath.Join(t.TempDir(), "daemon.conf")
				require.NoError(t, os.WriteFile(conf, []byte("[render]\nmax_cache_size = 52428800\nttl_seconds = 600\n"), 0o600))
				args = append(args, "--config", conf)
			}
			cmd := exec.Command(binary, args...)
			cmd.Env = append(os.Environ(), environ...)
			cmd.Stdin = strings.NewReader("") // EOF at once: a clean exit if the configuration is valid
			out, err := cmd.CombinedOutput()
			if err != nil && strings.Contains(string(out), "per-file render cap") {
				t.Fatalf("start-up refused (%v): %s — server/config.go Config.Validate compares the default per-file cap with a smaller directory cap", err, strings.TrimSpace(string(out)))
			}
			require.NoError(t, err, "%s", out)
		})
	}
}
