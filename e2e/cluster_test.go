package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"image"
	"image/png"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireServices returns the environment that points at the real
// services `.ci/services up` started (PostgreSQL), skipping the test when
// they are not there, or failing with GOXEL_REQUIRE_SERVICES=1.
func requireServices(t *testing.T) []string {
	t.Helper()
	url := os.Getenv("GOXEL_DATABASE_URL")
	if url == "" {
		msg := "GOXEL_DATABASE_URL is not set: run `eval \"$(bash .ci/services up)\"` first"
		if os.Getenv("GOXEL_REQUIRE_SERVICES") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return []string{"GOXEL_DATABASE_URL=" + url}
}

// uniqueUsers returns user names no other test run uses, so runs on one
// database never see each other's projects.
func uniqueUsers(names ...string) []string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n + "-" + hex.EncodeToString(b[:])
	}
	return out
}

// cluster starts n instances on one database and one tokens file.
func cluster(t *testing.T, n int, users ...string) []*httpServer {
	t.Helper()
	services := requireServices(t)
	tokens := tokensFile(t, users...)
	out := make([]*httpServer, n)
	for i := range out {
		out[i] = startHTTP(t, env(t, append(services, "GOXEL_AUTH_TOKENS_FILE="+tokens)...))
		require.Contains(t, out[i].stderr.String(), "projects in PostgreSQL")
	}
	return out
}

// dominant counts the pixels where one channel clearly leads: red, green,
// blue.
func dominant(t *testing.T, b []byte) (r, g, bl int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	rect := img.Bounds()
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			c := img.At(x, y)
			rr, gg, bb, _ := c.RGBA()
			switch {
			case rr > 2*(gg+bb) && rr > 0x4000:
				r++
			case gg > 2*(rr+bb) && gg > 0x4000:
				g++
			case bb > 2*(rr+gg) && bb > 0x4000:
				bl++
			}
		}
	}
	_ = image.Point{}
	return
}

func TestClusterCreateOnOneEditOnOtherRender(t *testing.T) {
	users := uniqueUsers("alice", "bob")
	nodes := cluster(t, 2, users...)
	a1 := connect(t, nodes[0].url, users[0], "")
	a2 := connect(t, nodes[1].url, users[0], "2025-11-25")

	id := structuredOf(t, a1.call(t, "create_project", map[string]any{}))["project_id"].(string)
	// Edits on instance 2, one on instance 1 between them.
	structuredOf(t, a2.call(t, "fill_shape", map[string]any{"project_id": id, "shape": "box", "from": []int{0, 0, 0}, "to": []int{5, 5, 1}, "color": "#FF0000"}))
	structuredOf(t, a1.call(t, "fill_shape", map[string]any{"project_id": id, "shape": "box", "from": []int{0, 0, 2}, "to": []int{1, 1, 7}, "color": "#0000FF"}))
	last := structuredOf(t, a2.call(t, "fill_shape", map[string]any{"project_id": id, "shape": "box", "from": []int{4, 4, 2}, "to": []int{5, 5, 7}, "color": "#00FF00"}))
	assert.EqualValues(t, 36*2+2*2*6*2, last["scene_voxels"])
	assert.EqualValues(t, 4, last["revision"])

	// Instance 1 sees every edit, in its reads and its render.
	st := structuredOf(t, a1.call(t, "get_status", map[string]any{"project_id": id}))
	assert.EqualValues(t, 36*2+2*2*6*2, st["voxels"])
	assert.EqualValues(t, 4, st["revision"])
	assert.EqualValues(t, 3, st["undo_steps"])
	v := structuredOf(t, a1.call(t, "get_voxel", map[string]any{"project_id": id, "position": []int{5, 5, 7}}))
	assert.Equal(t, "#00FF00FF", v["color"])
	render := a1.call(t, "render_scene", map[string]any{"project_id": id, "width": 200, "height": 160, "view": "isometric"})
	require.False(t, render.IsError, allText(render))
	assert.EqualValues(t, 4, structuredOf(t, render)["revision"])
	png1, err := a1.readRender(renderURI(t, render))
	require.NoError(t, err)
	if dir := os.Getenv("GOXEL_TEST_PNG_DIR"); dir != "" {
		_ = os.WriteFile(dir+"/cluster.png", png1, 0o644)
	}
	r, g, b := dominant(t, png1)
	assert.Greater(t, r, 50, "red floor (instance 2's edit) shows")
	assert.Greater(t, g, 20, "green pillar (instance 2's last edit) shows")
	assert.Greater(t, b, 20, "blue pillar (instance 1's edit) shows")
	// The same render on instance 2 is the same image.
	render2 := a2.call(t, "render_scene", map[string]any{"project_id": id, "width": 200, "height": 160, "view": "isometric"})
	png2, err := a2.readRender(renderURI(t, render2))
	require.NoError(t, err)
	assert.Equal(t, png1, png2, "both instances render the same scene")

	// Undo on instance 2; instance 1 is killed and restarted; the undo
	// history is still there (redo, then undo twice more).
	structuredOf(t, a2.call(t, "undo", map[string]any{"project_id": id}))
	nodes[0].kill()
	nodes[0] = startHTTP(t, env(t, requireServices(t)[0], "GOXEL_AUTH_TOKENS_FILE="+tokensFileFor(t, nodes[1])))
	a1 = connect(t, nodes[0].url, users[0], "")
	st = structuredOf(t, a1.call(t, "get_status", map[string]any{"project_id": id}))
	assert.EqualValues(t, 36*2+2*2*6, st["voxels"])
	assert.EqualValues(t, 2, st["undo_steps"])
	assert.EqualValues(t, 1, st["redo_steps"])
	red := structuredOf(t, a1.call(t, "redo", map[string]any{"project_id": id}))
	assert.EqualValues(t, 36*2+2*2*6*2, red["scene_voxels"])
	un := structuredOf(t, a1.call(t, "undo", map[string]any{"project_id": id, "steps": 3}))
	assert.EqualValues(t, 3, un["steps"])
	assert.EqualValues(t, 0, un["scene_voxels"])
	st = structuredOf(t, a2.call(t, "get_status", map[string]any{"project_id": id}))
	assert.EqualValues(t, 0, st["voxels"])
	assert.EqualValues(t, 3, st["redo_steps"])
	structuredOf(t, a2.call(t, "redo", map[string]any{"project_id": id, "steps": 3}))
	assert.EqualValues(t, 36*2+2*2*6*2, structuredOf(t, a1.call(t, "get_status", map[string]any{"project_id": id}))["voxels"])

	// Bob gets "not found" on either instance.
	b2 := connect(t, nodes[1].url, users[1], "")
	res := b2.call(t, "get_status", map[string]any{"project_id": id})
	require.True(t, res.IsError)
	assert.Contains(t, allText(res), "not found")
	res = b2.call(t, "delete_project", map[string]any{"project_id": id})
	require.True(t, res.IsError)
	assert.Contains(t, allText(res), "not found")
	assert.EqualValues(t, 0, structuredOf(t, b2.call(t, "list_projects", map[string]any{}))["count"])

	// Deleting on one instance is seen by the other.
	assert.EqualValues(t, 1, structuredOf(t, a2.call(t, "list_projects", map[string]any{}))["count"])
	structuredOf(t, a1.call(t, "delete_project", map[string]any{"project_id": id}))
	res = a2.call(t, "get_status", map[string]any{"project_id": id})
	require.True(t, res.IsError)
	assert.Contains(t, allText(res), "not found")
}

// tokensFileFor returns the tokens file a running instance was given.
func tokensFileFor(t *testing.T, s *httpServer) string {
	for _, kv := range s.cmd.Env {
		if v, ok := cutPrefix(kv, "GOXEL_AUTH_TOKENS_FILE="); ok {
			return v
		}
	}
	t.Fatal("no tokens file")
	return ""
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return "", false
}

func TestClusterConcurrentEditsLoseNothing(t *testing.T) {
	users := uniqueUsers("carol")
	nodes := cluster(t, 2, users...)
	clients := []*httpUser{connect(t, nodes[0].url, users[0], ""), connect(t, nodes[1].url, users[0], "")}
	id := structuredOf(t, clients[0].call(t, "create_project", map[string]any{}))["project_id"].(string)

	const writers, each = 8, 12
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := clients[w%2]
			for i := range each {
				res, err := c.try("add_voxels", map[string]any{"project_id": id, "voxels": []any{[]any{w, i, 0, fmt.Sprintf("#%02X%02X80", 10+w, 10+i)}}})
				if err == nil && res.IsError {
					err = fmt.Errorf("writer %d edit %d: %s", w, i, allText(res))
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, c := range clients {
		st := structuredOf(t, c.call(t, "get_status", map[string]any{"project_id": id}))
		assert.EqualValues(t, writers*each, st["voxels"], "every edit is in the scene")
		assert.EqualValues(t, 1+writers*each, st["revision"], "one revision per edit")
		region := structuredOf(t, c.call(t, "get_voxels_region", map[string]any{"project_id": id, "from": []int{0, 0, 0}, "to": []int{writers - 1, each - 1, 0}}))
		assert.EqualValues(t, writers*each, region["total"])
		for _, item := range region["voxels"].([]any) {
			v := item.([]any)
			x, y := int(v[0].(float64)), int(v[1].(float64))
			assert.Equal(t, fmt.Sprintf("#%02X%02X80FF", 10+x, 10+y), v[3], "voxel %d,%d has its writer's colour", x, y)
		}
	}
	structuredOf(t, clients[1].call(t, "delete_project", map[string]any{"project_id": id}))
}
