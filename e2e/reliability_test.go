package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// envDir returns the value of KEY=value in environ.
func envDir(environ []string, key string) string {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}

// assertNoRace fails on a data race or a panic in the server's stderr.
func assertNoRace(t *testing.T, s *server) {
	t.Helper()
	out := s.stderr.String()
	assert.NotContains(t, out, "WARNING: DATA RACE")
	assert.NotContains(t, out, "panic:")
	if t.Failed() {
		t.Logf("server stderr:\n%s", out)
	}
}

// 150 concurrent renders and a stream of concurrent edits over one stdio
// session: every call is answered, and the race-enabled build
// (GOXEL_E2E_RACE=1) reports no data race and exits 0.
func TestConcurrentRendersAndEditsOverStdio(t *testing.T) {
	s := launch(t, t.TempDir(), env(t))
	structured(t, call(t, s.c, "fill_shape", map[string]any{"shape": "sphere", "center": []int{0, 0, 0}, "radius": 8, "color": "#3080FF"}))
	const renders, edits = 150, 60
	var wg sync.WaitGroup
	errs := make(chan string, renders+edits)
	do := func(name string, args map[string]any) {
		defer wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		res, err := callCtx(ctx, s.c, name, args)
		switch {
		case err != nil:
			errs <- fmt.Sprintf("%s: %v", name, err)
		case res.IsError:
			errs <- fmt.Sprintf("%s: %s", name, textOf(res))
		}
	}
	modes := []string{"auto", "file_path", "base64"}
	for i := range renders {
		wg.Add(1)
		go do("render_scene", map[string]any{"width": 64, "height": 64, "view": "custom", "yaw": float64(i) * 2.3, "pitch": 30,
			"options": map[string]any{"return_mode": modes[i%3]}})
	}
	for i := range edits {
		wg.Add(1)
		switch i % 6 {
		case 0:
			go do("add_voxels", map[string]any{"voxels": []any{[]any{20 + i, 0, 0}}, "color": "#FF0000"})
		case 1:
			go do("fill_shape", map[string]any{"shape": "box", "from": []int{-3, -3, 10 + i}, "to": []int{3, 3, 10 + i}, "color": "#00FF00"})
		case 2:
			go do("paint_voxels", map[string]any{"voxels": []any{[]any{0, 0, 8}}, "color": "#FFFF00"})
		case 3:
			go do("create_layer", map[string]any{"name": fmt.Sprintf("l%d", i)})
		case 4:
			go do("list_renders", nil)
		case 5:
			go do("get_render_stats", nil)
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	st := structured(t, call(t, s.c, "get_status", nil))
	assert.Greater(t, st["voxels"].(float64), float64(0))
	err := s.close()
	assertNoRace(t, s)
	require.NoError(t, err, "clean exit (a race-enabled binary exits 66 after a race)")
	t.Logf("race-enabled binary: %v", raceBuild)
}

// kill -9 while large renders are being written: after a restart no
// render_* name is partial, the store lists no temp file, the scene is
// restored, and a later start sweeps the leftover temp files once stale.
func TestKillDuringRenders(t *testing.T) {
	environ := env(t)
	dir := envDir(environ, "GOXEL_RENDER_DIR")
	work := t.TempDir()
	s := launch(t, work, environ)
	structured(t, call(t, s.c, "fill_shape", map[string]any{"shape": "sphere", "center": []int{0, 0, 0}, "radius": 24, "color": "#3080FF"}))
	structured(t, call(t, s.c, "fill_shape", map[string]any{"shape": "box", "from": []int{-30, -30, -26}, "to": []int{30, 30, -25}, "color": "#808080"}))
	done := structured(t, call(t, s.c, "render_scene", map[string]any{"width": 200, "height": 200, "options": map[string]any{"return_mode": "file_path"}}))
	before := structured(t, call(t, s.c, "get_status", nil))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range 4 {
		go func() {
			_, _ = callCtx(ctx, s.c, "render_scene", map[string]any{"width": 4000, "height": 4000, "view": "custom", "yaw": 10 + 20*i, "pitch": 30,
				"options": map[string]any{"return_mode": "file_path"}})
		}()
	}
	// Kill while a render is being written: its temp file has some bytes.
	deadline := time.Now().Add(60 * time.Second)
	var partial int64
	for partial == 0 && time.Now().Before(deadline) {
		_, temps, _ := renderFiles(t, dir)
		for _, name := range temps {
			if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Size() > 0 {
				partial = fi.Size()
			}
		}
		time.Sleep(time.Millisecond)
	}
	s.kill(t)
	cancel()
	renders, temps, _ := renderFiles(t, dir)
	t.Logf("at the kill: a temp file held %d bytes; on disk %d renders, %d temp files", partial, len(renders), len(temps))
	for _, name := range renders {
		assert.NoError(t, decodesWhole(filepath.Join(dir, name)), "%s is visible under a render name but does not decode", name)
	}

	// Restart: the scene is back, every listed render is complete, no temp is listed.
	s2 := launch(t, work, environ)
	after := structured(t, call(t, s2.c, "get_status", nil))
	assert.Equal(t, before["voxels"], after["voxels"], "scene restored")
	list := structured(t, call(t, s2.c, "list_renders", nil))
	onDisk, temps2, _ := renderFiles(t, dir)
	assert.EqualValues(t, len(onDisk), list["count"])
	for _, r := range list["renders"].([]any) {
		p := r.(map[string]any)["path"].(string)
		assert.True(t, strings.HasPrefix(filepath.Base(p), "render_"), "listed %s", p)
		assert.NoError(t, decodesWhole(p))
	}
	info := structured(t, call(t, s2.c, "get_render_info", map[string]any{"uri": done["file"].(map[string]any)["uri"]}))
	assert.Equal(t, done["file"].(map[string]any)["checksum"], info["file"].(map[string]any)["checksum"], "the render finished before the kill is intact")
	t.Logf("after restart: %d renders, %d temp files kept (younger than the 10-minute stale age)", len(onDisk), len(temps2))
	require.NoError(t, s2.close())

	// Age the leftovers past storage.StaleTempAge: the next start sweeps them.
	old := time.Now().Add(-11 * time.Minute)
	for _, name := range temps2 {
		require.NoError(t, os.Chtimes(filepath.Join(dir, name), old, old))
	}
	s3 := launch(t, work, environ)
	_, temps3, _ := renderFiles(t, dir)
	assert.Empty(t, temps3, "stale temp files are swept at start-up")
	stats := structured(t, call(t, s3.c, "get_render_stats", nil))
	t.Logf("render stats after the sweep: %v", stats)
	require.NoError(t, s3.close())
}

// kill -9 during save_project of a big scene: the target is either the
// previous complete file or the new complete one, never half-written; the
// scene is restored at the next start.
func TestKillDuringSave(t *testing.T) {
	environ := env(t)
	work := t.TempDir()
	s := launch(t, work, environ)
	target := filepath.Join(work, "big.gox")
	structured(t, call(t, s.c, "add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 0, "#FF0000"}}}))
	structured(t, call(t, s.c, "save_project", map[string]any{"path": "big.gox"}))
	old, err := os.ReadFile(target)
	require.NoError(t, err)
	// About 2.4 million voxels in many colours: a .gox that takes a while to encode.
	for i := range 6 {
		structured(t, call(t, s.c, "fill_shape", map[string]any{"shape": "box", "from": []int{0, 0, 20 * i}, "to": []int{159, 159, 20*i + 15},
			"color": []int{40 * i, 255 - 40*i, 128}}))
	}
	want := structured(t, call(t, s.c, "get_status", nil))["voxels"]

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _, _ = callCtx(ctx, s.c, "save_project", map[string]any{"path": "big.gox"}) }()
	deadline := time.Now().Add(60 * time.Second)
	var temp string
	for temp == "" && time.Now().Before(deadline) {
		des, _ := os.ReadDir(work)
		for _, de := range des {
			if strings.HasPrefix(de.Name(), ".tmp-") {
				temp = de.Name()
			}
		}
		time.Sleep(time.Millisecond)
	}
	s.kill(t)
	cancel()
	got, err := os.ReadFile(target)
	require.NoError(t, err, "the target never disappears")
	replaced := !bytes.Equal(got, old)
	t.Logf("killed during the save: temp file seen %q; target replaced by the new version: %v (%d bytes)", temp, replaced, len(got))

	s2 := launch(t, work, environ)
	assert.Equal(t, want, structured(t, call(t, s2.c, "get_status", nil))["voxels"], "scene restored")
	opened := structured(t, call(t, s2.c, "open_project", map[string]any{"path": "big.gox", "force": true}))
	if replaced {
		assert.Equal(t, want, opened["voxels"], "the new file is whole")
	} else {
		assert.EqualValues(t, 1, opened["voxels"], "the old file is whole")
	}
	// A killed write cannot clean up after itself; the next save of the same
	// file removes its leftovers once they are old enough not to be a
	// concurrent writer's (internal/roots.staleTemp).
	des, err := os.ReadDir(work)
	require.NoError(t, err)
	hour := time.Now().Add(-time.Hour)
	for _, de := range des {
		if strings.HasPrefix(de.Name(), ".tmp-") {
			require.NoError(t, os.Chtimes(filepath.Join(work, de.Name()), hour, hour))
		}
	}
	structured(t, call(t, s2.c, "save_project", map[string]any{"path": "big.gox"}))
	require.NoError(t, s2.close())
	des, err = os.ReadDir(work)
	require.NoError(t, err)
	for _, de := range des {
		assert.False(t, strings.HasPrefix(de.Name(), ".tmp-"), "leftover %s swept by the next save", de.Name())
	}
}

// An almost full render directory (a 64 KiB tmpfs): a render bigger than
// the free space still reaches the user inline, with a warning in the
// text, and leaves no partial file.
func TestFullRenderDirFallsBackInline(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to mount a tmpfs")
	}
	environ := env(t)
	dir := envDir(environ, "GOXEL_RENDER_DIR")
	require.NoError(t, os.MkdirAll(dir, 0o700))
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k,mode=0700"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) }) // runs after the server is closed
	s := launch(t, t.TempDir(), environ)
	structured(t, call(t, s.c, "fill_shape", map[string]any{"shape": "sphere", "center": []int{0, 0, 0}, "radius": 40, "color": "#3080FF"}))
	var data strings.Builder // 400 colours on top: a PNG too big for the 64 KiB left
	for i := range 400 {
		fmt.Fprintf(&data, "%d %d 41 %02X%02X%02X\n", i%20-10, i/20-10, i*7%256, i*13%256, i*29%256)
	}
	structured(t, call(t, s.c, "add_voxels", map[string]any{"data": data.String()}))
	for _, mode := range []string{"auto", "file_path"} {
		t.Run(mode, func(t *testing.T) {
			res := call(t, s.c, "render_scene", map[string]any{"width": 1200, "height": 1200, "options": map[string]any{"return_mode": mode}})
			require.False(t, res.IsError, textOf(res))
			text := textOf(res)
			assert.Contains(t, text, "Warning: could not write the render file")
			var img []byte
			for _, ct := range res.Content {
				if ic, ok := ct.(mcp.ImageContent); ok {
					img, _ = base64.StdEncoding.DecodeString(ic.Data)
				}
			}
			require.NotNil(t, img, "the image is inline: %s", text)
			_, err := png.Decode(bytes.NewReader(img))
			assert.NoError(t, err)
			out := structured(t, res)
			assert.Nil(t, out["file"], "no file record for a file that was not written")
			renders, temps, _ := renderFiles(t, dir)
			assert.Empty(t, renders)
			assert.Empty(t, temps, "no partial file left")
			t.Logf("%s: %s", mode, strings.ReplaceAll(text, "\n", " | "))
		})
	}
	// Small renders still fit and are kept as files.
	out := structured(t, call(t, s.c, "render_scene", map[string]any{"width": 32, "height": 32, "options": map[string]any{"return_mode": "file_path"}}))
	assert.NotNil(t, out["file"])
	require.NoError(t, s.close())
}

// RSS right after initialize. The issue asks for ≤ 20 MB; the test bounds it
// generously and logs the figure.
func TestIdleRSS(t *testing.T) {
	s := launch(t, t.TempDir(), env(t))
	time.Sleep(200 * time.Millisecond) // let start-up goroutines settle
	rss := s.rssKB(t)
	t.Logf("idle RSS after initialize: %s (race build: %v)", mb(rss), raceBuild)
	if !raceBuild {
		assert.Less(t, rss, int64(40<<10), "idle RSS")
	}
	require.NoError(t, s.close())
}

// A soak of tiny renders against small caps: the directory stays within
// its file and byte caps at every checkpoint and RSS stays flat. Two
// configurations: the (50 files, 20 MiB: the count cap binds) and a
// 64 KiB directory (the byte cap binds). 300 renders each by default,
// 10,000 with GOXEL_SOAK=1.
func TestRenderSoak(t *testing.T) {
	n := 300
	if longRun() {
		n = 10000
	}
	for _, cfg := range []struct {
		name     string
		maxFiles int
		maxBytes int64
		size     string
	}{
		{"count cap", 50, 20 << 20, "20M"},
		{"byte cap", 1000, 64 << 10, "64K"},
	} {
		t.Run(cfg.name, func(t *testing.T) {
			environ := env(t, fmt.Sprintf("GOXEL_RENDER_MAX_FILES=%d", cfg.maxFiles), "GOXEL_RENDER_MAX_SIZE="+cfg.size,
				"GOXEL_RENDER_MAX_FILE_SIZE="+cfg.size) // without it start-up fails: see TestDirectoryCapAloneStarts
			soak(t, environ, n, cfg.maxFiles, cfg.maxBytes)
		})
	}
}

func soak(t *testing.T, environ []string, n, maxFiles int, maxBytes int64) {
	dir := envDir(environ, "GOXEL_RENDER_DIR")
	s := launch(t, t.TempDir(), environ)
	structured(t, call(t, s.c, "fill_shape", map[string]any{"shape": "sphere", "center": []int{0, 0, 0}, "radius": 6, "color": "#3080FF"}))
	const workers, checkpoints = 4, 10
	var rss []int64
	begin := time.Now()
	for cp := range checkpoints {
		var wg sync.WaitGroup
		errs := make(chan string, workers)
		lo, hi := cp*n/checkpoints, (cp+1)*n/checkpoints
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := lo + w; i < hi; i += workers {
					mode := "file_path"
					if i%2 == 0 {
						mode = "auto"
					}
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					res, err := callCtx(ctx, s.c, "render_scene", map[string]any{"width": 32, "height": 32, "view": "custom",
						"yaw": float64(i) * 0.0359, "pitch": 30, "options": map[string]any{"return_mode": mode}})
					cancel()
					switch {
					case err != nil:
						errs <- fmt.Sprintf("render %d: %v", i, err)
						return
					case res.IsError:
						errs <- fmt.Sprintf("render %d: %s", i, textOf(res))
						return
					case strings.Contains(textOf(res), "Answered from the render cache"):
						errs <- fmt.Sprintf("render %d was answered from the cache", i)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Fatal(e)
		}
		renders, _, size := renderFiles(t, dir)
		list := structured(t, call(t, s.c, "list_renders", nil))
		assert.LessOrEqual(t, len(renders), maxFiles, "files on disk after %d renders", hi)
		assert.LessOrEqual(t, size, maxBytes, "bytes on disk after %d renders", hi)
		assert.LessOrEqual(t, list["count"], float64(maxFiles))
		assert.LessOrEqual(t, list["total_size"], float64(maxBytes))
		rss = append(rss, s.rssKB(t))
		t.Logf("after %5d renders (%v): %d files, %d bytes, RSS %s", hi, time.Since(begin).Round(time.Millisecond), len(renders), size, mb(rss[len(rss)-1]))
	}
	stats := structured(t, call(t, s.c, "get_render_stats", nil))
	assert.EqualValues(t, n, stats["renders_made"])
	t.Logf("stats: %v", stats)
	first, last := rss[0], rss[len(rss)-1]
	t.Logf("RSS first checkpoint %s, last %s", mb(first), mb(last))
	if !raceBuild {
		assert.LessOrEqual(t, last, first+first/5+4<<10, "RSS grew from %s to %s over %d renders", mb(first), mb(last), n)
	}
	err := s.close()
	assertNoRace(t, s)
	require.NoError(t, err)
}

// create/build/render cycles: memory stays within 10% of its level after
// the first cycle. 100 cycles by default, 1,000 with GOXEL_SOAK=1.
func TestCreateBuildRenderCycles(t *testing.T) {
	n := 100
	if longRun() {
		n = 1000
	}
	s := launch(t, t.TempDir(), env(t))
	var afterFirst, afterWarm int64
	const warm = 20
	begin := time.Now()
	for i := range n {
		structured(t, call(t, s.c, "create_project", map[string]any{"force": true}))
		structured(t, call(t, s.c, "fill_shape", map[string]any{"shape": "sphere", "center": []int{0, 0, 0}, "radius": 12, "color": []int{i % 256, 128, 255 - i%256}}))
		structured(t, call(t, s.c, "fill_shape", map[string]any{"shape": "box", "from": []int{-14, -14, -14}, "to": []int{14, 14, -13}, "color": "#808080"}))
		structured(t, call(t, s.c, "add_voxels", map[string]any{"data": fmt.Sprintf("0 0 13 FF0000\n%d 0 14 00FF00", i%5)}))
		structured(t, call(t, s.c, "render_scene", map[string]any{"width": 128, "height": 128, "view": "custom", "yaw": float64(i) * 0.7, "pitch": 30}))
		switch i + 1 {
		case 1:
			afterFirst = s.rssKB(t)
		case warm:
			afterWarm = s.rssKB(t)
		}
	}
	final := s.rssKB(t)
	t.Logf("%d cycles in %v: RSS after the first %s, after %d %s, after %d %s (race build: %v)",
		n, time.Since(begin).Round(time.Millisecond), mb(afterFirst), warm, mb(afterWarm), n, mb(final), raceBuild)
	if !raceBuild {
		// Issue 7: memory after all the cycles within 10% of the first cycle. The server warms its
		// renderer up at start-up (server/warm.go), so the first cycle already runs at the steady
		// level; a leak of 2 KiB per cycle would fail this over 1,000 cycles.
		assert.LessOrEqual(t, final, afterFirst+afterFirst/10, "RSS grew more than 10%% over the first cycle")
		assert.LessOrEqual(t, final, afterWarm+afterWarm/10, "RSS kept growing after %d cycles", warm)
	}
	err := s.close()
	assertNoRace(t, s)
	require.NoError(t, err)
}
