package e2e

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/flock"
	"github.com/goxel-mcp/goxel-mcp/storage"
)

// TestHelperLiveRenderWriter is not a test: started by
// TestKillMidRenderLeavesNoTempFile as a second process, it begins a render
// in the render directory with the store's own code (as another live
// server does), prints the temp file's name and keeps writing until killed.
func TestHelperLiveRenderWriter(t *testing.T) {
	dir := os.Getenv("GOXEL_E2E_HELPER_RENDER_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	st, err := storage.Open(storage.Options{Dir: dir, CleanupInterval: -1})
	require.NoError(t, err)
	p, err := st.Create()
	require.NoError(t, err)
	_, err = p.Write([]byte("\x89PNG\r\n\x1a\n"))
	require.NoError(t, err)
	names, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, de := range names {
		if strings.HasPrefix(de.Name(), ".tmp-") {
			os.Stdout.WriteString(de.Name() + "\n")
		}
	}
	os.Stdout.WriteString("ready\n")
	time.Sleep(2 * time.Minute)
}

// startLiveWriter runs TestHelperLiveRenderWriter and returns its temp file.
func startLiveWriter(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	_, temps0, _ := renderFiles(t, dir)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperLiveRenderWriter$")
	cmd.Env = append(os.Environ(), "GOXEL_E2E_HELPER_RENDER_DIR="+dir)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var live string
	sc := bufio.NewScanner(out)
	for sc.Scan() && sc.Text() != "ready" {
		if !slices.Contains(temps0, sc.Text()) {
			live = sc.Text()
		}
	}
	require.NotEmpty(t, live, "the helper did not report its temp file")
	return cmd, live
}

// kill -9 during a render, then a restart: the dead writer's temp file is
// gone within 2 s of the restart, while the temp file of a second live
// writer (another process, however old its file looks) survives that
// sweep; once that writer is killed too, the next sweep removes it at once.
func TestKillMidRenderLeavesNoTempFile(t *testing.T) {
	if !flock.Supported {
		t.Skip("no advisory locks here: temp files are removed by age")
	}
	environ := env(t)
	dir := envDir(environ, "GOXEL_RENDER_DIR")
	work := t.TempDir()
	s := launch(t, work, environ)
	structured(t, call(t, s.c, "fill_shape", map[string]any{"shape": "sphere", "center": []int{0, 0, 0}, "radius": 24, "color": "#3080FF"}))

	helper, live := startLiveWriter(t, dir)
	old := time.Now().Add(-24 * time.Hour)
	require.NoError(t, os.Chtimes(filepath.Join(dir, live), old, old), "a day-old look must not matter")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range 3 {
		go func() {
			_, _ = callCtx(ctx, s.c, "render_scene", map[string]any{"width": 4000, "height": 4000, "view": "custom", "yaw": 10 + 20*i, "pitch": 30,
				"options": map[string]any{"return_mode": "file_path"}})
		}()
	}
	deadline := time.Now().Add(90 * time.Second)
	var dead []string
	for len(dead) == 0 && time.Now().Before(deadline) {
		_, temps, _ := renderFiles(t, dir)
		for _, name := range temps {
			if name == live {
				continue
			}
			if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Size() > 0 {
				dead = append(dead, name)
			}
		}
		time.Sleep(time.Millisecond)
	}
	require.NotEmpty(t, dead, "no render was being written within 90 s")
	s.kill(t)
	cancel()
	_, temps, _ := renderFiles(t, dir)
	t.Logf("killed mid-render; temp files on disk: %v (live writer's: %s)", temps, live)

	restart := time.Now()
	s2 := launch(t, work, environ)
	for {
		_, temps, _ = renderFiles(t, dir)
		if !slices.ContainsFunc(temps, func(n string) bool { return n != live }) {
			break
		}
		if time.Since(restart) > 2*time.Second {
			t.Fatalf("temp files of the killed server still there 2 s after the restart: %v", temps)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("dead writer's temp files gone %v after the restart began", time.Since(restart).Round(time.Millisecond))
	assert.Equal(t, []string{live}, temps, "the live writer's temp file survives the restart's sweep")
	structured(t, call(t, s2.c, "get_status", nil))
	require.NoError(t, s2.close())

	// Now the second writer dies too: the next sweep (here `renders gc`) removes its file at once.
	require.NoError(t, helper.Process.Kill())
	_ = helper.Wait() // killed: the error is the signal
	gc := exec.Command(binary, "renders", "gc")
	gc.Env = append(os.Environ(), environ...)
	outb, err := gc.CombinedOutput()
	require.NoError(t, err, "%s", outb)
	_, temps, _ = renderFiles(t, dir)
	assert.Empty(t, temps, "the killed helper's temp file is swept at once")
}
