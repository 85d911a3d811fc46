package e2e

import (
	"bytes"
	"compress/flate"
	"context"
	bin "encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeHugeState writes an autosave state directory by hand, as a server
// would have left it after opening a file of many models: n layers, each
// holding one block (one voxel), all sharing one block in one pack.
func writeHugeState(t *testing.T, dir string, n int) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "packs"), 0o700))
	raw := make([]byte, 16*16*16*4)
	raw[0], raw[3] = 200, 255
	var pack bytes.Buffer
	fw, err := flate.NewWriter(&pack, flate.BestSpeed)
	require.NoError(t, err)
	_, err = fw.Write(raw)
	require.NoError(t, err)
	require.NoError(t, fw.Close())
	require.NoError(t, os.WriteFile(filepath.Join(dir, "packs", "0"), pack.Bytes(), 0o600))
	type layer struct {
		ID      int        `json:"id"`
		Name    string     `json:"name"`
		Visible bool       `json:"visible"`
		Blocks  [][7]int64 `json:"blocks"`
	}
	m := map[string]any{"format": "goxel-mcp-autosave/2", "dirty": true, "current_layer": 1, "next_pack": 1}
	layers := make([]layer, n)
	for i := range layers {
		layers[i] = layer{ID: i + 1, Name: fmt.Sprintf("Model %d", i+1), Visible: true,
			Blocks: [][7]int64{{int64(16 * (i % 64)), int64(16 * (i / 64 % 64)), int64(16 * (i / 4096)), 0, 0, int64(pack.Len()), 42}}}
	}
	m["layers"] = layers
	b, err := json.Marshal(m)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "scene.json"), b, 0o600))
}

// startLimit is how long the server may take from its start to answer initialize with a state
// to restore: 2 s, or 4 s for a race-enabled binary (the race detector makes decoding a large
// manifest several times slower, and CI runs the e2e suite against one), as exitLimit does.
func startLimit() time.Duration {
	if raceBuild {
		return 4 * time.Second
	}
	return 2 * time.Second
}

// startTimed starts the binary and gives it limit, from the process start,
// to answer initialize.
func startTimed(t *testing.T, environ []string, limit time.Duration) (*client.Client, *syncBuffer) {
	t.Helper()
	stderr := &syncBuffer{}
	var cmd *exec.Cmd
	tr := transport.NewStdioWithOptions(binary, environ, nil, transport.WithCommandFunc(
		func(ctx context.Context, name string, env []string, args []string) (*exec.Cmd, error) {
			cmd = exec.CommandContext(ctx, name, args...)
			cmd.Env = append(os.Environ(), env...)
			cmd.Stderr = stderr
			return cmd, nil
		}))
	c := client.NewClient(tr)
	began := time.Now()
	require.NoError(t, c.Start(context.Background()))
	t.Cleanup(func() { _ = c.Close(); _ = cmd.Wait() })
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = "2025-06-18"
	req.Params.ClientInfo = mcp.Implementation{Name: "e2e", Version: "0"}
	_, err := c.Initialize(ctx, req)
	require.NoError(t, err, "initialize within %v; stderr: %s", limit, stderr.String())
	t.Logf("initialize answered %v after the process started", time.Since(began).Round(time.Millisecond))
	return c, stderr
}

// Issue 13: after a .vox of 200k empty models was autosaved, the next
// start did not answer initialize within 20 s. A state of tens of
// thousands of layers is beyond the scene budget: the server answers
// within 2 s, starts empty, keeps the state aside and says so.
func TestHugeAutosaveDoesNotBlockStartup(t *testing.T) {
	for _, n := range []int{30000, 200000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			environ := env(t)
			state := environ[1][len("GOXEL_STATE_DIR="):]
			writeHugeState(t, state, n)
			c, stderr := startTimed(t, environ, startLimit())
			st := structured(t, call(t, c, "get_status", nil))
			assert.EqualValues(t, 0, st["voxels"])
			auto := st["autosave"].(map[string]any)
			assert.Contains(t, auto["warning"], "could not be restored")
			assert.Contains(t, stderr.String(), "could not restore the autosaved scene")
			kept, err := filepath.Glob(filepath.Join(state, "damaged-*", "scene.json"))
			require.NoError(t, err)
			assert.Len(t, kept, 1, "the state is kept aside")

			// The server autosaves afresh, and the next start restores that.
			structured(t, call(t, c, "add_voxels", map[string]any{"voxels": []any{[]any{1, 2, 3, "#00ff00"}}}))
			require.NoError(t, c.Close())
			c2, _ := startTimed(t, environ, startLimit())
			assert.EqualValues(t, 1, structured(t, call(t, c2, "get_status", nil))["voxels"])
		})
	}
}

// A state at the budget's layer bound restores in full, within 2 s too.
func TestFullLayerBudgetRestoresQuickly(t *testing.T) {
	environ := env(t)
	writeHugeState(t, environ[1][len("GOXEL_STATE_DIR="):], 1024)
	c, _ := startTimed(t, environ, startLimit())
	st := structured(t, call(t, c, "get_status", nil))
	assert.EqualValues(t, 1024, st["voxels"])
	assert.EqualValues(t, 1024, st["layers"])
}

// A .vox of tens of thousands of models is refused by open_project (the
// layer budget), so it is never autosaved as tens of thousands of layers.
func TestManyModelsFileRefused(t *testing.T) {
	dir := t.TempDir()
	var children []byte
	chunk := func(id string, content []byte) []byte {
		b := []byte(id)
		b = bin.LittleEndian.AppendUint32(b, uint32(len(content)))
		b = bin.LittleEndian.AppendUint32(b, 0)
		return append(b, content...)
	}
	for range 50000 {
		children = append(children, chunk("SIZE", []byte{1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0})...)
		children = append(children, chunk("XYZI", []byte{1, 0, 0, 0, 0, 0, 0, 7})...)
	}
	main := []byte("MAIN")
	main = bin.LittleEndian.AppendUint32(main, 0)
	main = bin.LittleEndian.AppendUint32(main, uint32(len(children)))
	data := append(append([]byte("VOX "), 150, 0, 0, 0), append(main, children...)...)
	path := filepath.Join(dir, "many.vox")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	s := launch(t, dir, env(t))
	msg := fails(t, s.c, "open_project", map[string]any{"path": path})
	assert.Contains(t, msg, "1024 layers")
	assert.EqualValues(t, 1, structured(t, call(t, s.c, "get_status", nil))["layers"])
}
