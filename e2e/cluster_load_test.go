package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dial is connect without the test's require: for clients that fail over.
func dial(url, user string) (*httpUser, error) {
	tr, err := transport.NewStreamableHTTP(url+"/mcp", transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer tok-" + user}))
	if err != nil {
		return nil, err
	}
	c := client.NewClient(tr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		return nil, err
	}
	req := mcp.InitializeRequest{}
	req.Params.ClientInfo = mcp.Implementation{Name: "e2e-load", Version: "0"}
	if _, err := c.Initialize(ctx, req); err != nil {
		_ = c.Close()
		return nil, err
	}
	return &httpUser{c: c}, nil
}

// loadClient is one user of the load test, failing over between instances.
type loadClient struct {
	user  string
	urls  func() [2]string
	node  int
	u     *httpUser
	calls *atomic.Int64
}

// do calls a tool, moving to the other instance and retrying on a
// transport error (the instance was killed); a tool error is returned.
func (c *loadClient) do(name string, args map[string]any) (*mcp.CallToolResult, error) {
	var last error
	for attempt := 0; attempt < 40; attempt++ {
		if c.u == nil {
			u, err := dial(c.urls()[c.node], c.user)
			if err != nil {
				last = err
				c.node = 1 - c.node
				time.Sleep(100 * time.Millisecond)
				continue
			}
			c.u = u
		}
		res, err := c.u.try(name, args)
		if err == nil {
			c.calls.Add(1)
			if res.IsError {
				return res, fmt.Errorf("%s: %s", name, allText(res))
			}
			return res, nil
		}
		last = err
		_ = c.u.c.Close()
		c.u, c.node = nil, 1-c.node
	}
	return nil, fmt.Errorf("%s: gave up: %w", name, last)
}

func (c *loadClient) read(uri string) ([]byte, error) {
	var last error
	for attempt := 0; attempt < 40; attempt++ {
		if c.u != nil {
			b, err := c.u.readRender(uri)
			if err == nil {
				return b, nil
			}
			last = err
			_ = c.u.c.Close()
		}
		c.u, c.node = nil, 1-c.node
		u, err := dial(c.urls()[c.node], c.user)
		if err != nil {
			last = err
			time.Sleep(100 * time.Millisecond)
			continue
		}
		c.u = u
	}
	return nil, last
}

// run builds the client's scene: a project, six edits of four voxels, a
// render read back in the middle, and checks the scene it expects.
func (c *loadClient) run(k int) (string, error) {
	res, err := c.do("create_project", map[string]any{})
	if err != nil {
		return "", err
	}
	id := structuredMap(res)["project_id"].(string)
	for step := range 6 {
		var vox []any
		for j := range 4 {
			vox = append(vox, []any{step, j, k % 7, fmt.Sprintf("#%02X%02X%02X", 20+step, 40+j, k)})
		}
		if _, err := c.do("add_voxels", map[string]any{"project_id": id, "voxels": vox}); err != nil {
			return id, err
		}
		if step == 3 {
			res, err := c.do("render_scene", map[string]any{"project_id": id, "width": 96, "height": 96})
			if err != nil {
				return id, err
			}
			file, _ := structuredMap(res)["file"].(map[string]any)
			uri, _ := file["uri"].(string)
			if b, err := c.read(uri); err != nil || len(b) < 8 {
				return id, fmt.Errorf("reading %s: %v", uri, err)
			}
		}
	}
	res, err = c.do("get_voxels_region", map[string]any{"project_id": id, "from": []int{0, 0, -10}, "to": []int{10, 10, 10}})
	if err != nil {
		return id, err
	}
	region := structuredMap(res)
	if region["total"] != float64(24) {
		return id, fmt.Errorf("scene has %v voxels, want 24", region["total"])
	}
	for _, item := range region["voxels"].([]any) {
		v := item.([]any)
		step, j := int(v[0].(float64)), int(v[1].(float64))
		if want := fmt.Sprintf("#%02X%02X%02XFF", 20+step, 40+j, k); v[3] != want {
			return id, fmt.Errorf("voxel %v is %v, want %s", v[:3], v[3], want)
		}
	}
	return id, nil
}

func structuredMap(res *mcp.CallToolResult) map[string]any {
	m := map[string]any{}
	switch sc := res.StructuredContent.(type) {
	case map[string]any:
		return sc
	default:
		b, _ := jsonMarshal(sc)
		_ = jsonUnmarshal(b, &m)
	}
	return m
}

// TestClusterLoadAndKill: two instances on one database and bucket, 50
// users building, rendering and reading at once; instance 1 is killed with
// SIGKILL mid-run and restarted. Every client ends with its expected
// scene; afterwards no project row or render object of theirs remains
// (projects deleted, renders past their TTL swept).
func TestClusterLoadAndKill(t *testing.T) {
	services := requireS3(t)
	const clients = 50
	names := make([]string, clients)
	for i := range names {
		names[i] = fmt.Sprintf("load%02d", i)
	}
	users := uniqueUsers(names...)
	tokens := tokensFile(t, users...)
	environ := append(services, "GOXEL_AUTH_TOKENS_FILE="+tokens, "GOXEL_RENDER_TTL=4", "GOXEL_RENDER_CLEANUP_INTERVAL=1")
	var mu sync.Mutex
	nodes := [2]*httpServer{startHTTP(t, env(t, environ...)), startHTTP(t, env(t, environ...))}
	urls := func() [2]string {
		mu.Lock()
		defer mu.Unlock()
		return [2]string{nodes[0].url, nodes[1].url}
	}

	var calls atomic.Int64
	errs := make([]error, clients)
	ids := make([]string, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &loadClient{user: users[i], urls: urls, node: i % 2, calls: &calls}
			ids[i], errs[i] = c.run(i)
			if c.u != nil {
				_ = c.u.c.Close()
			}
		}()
	}
	// Kill instance 1 once the run is well under way, then restart it.
	deadline := time.Now().Add(60 * time.Second)
	for calls.Load() < clients*3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	killedAt := calls.Load()
	nodes[0].kill()
	restarted := startHTTP(t, env(t, environ...))
	mu.Lock()
	nodes[0] = restarted
	mu.Unlock()
	wg.Wait()
	t.Logf("%d tool calls; instance 1 killed after %d", calls.Load(), killedAt)
	require.Less(t, killedAt, calls.Load(), "calls went on after the kill")
	for i, err := range errs {
		assert.NoError(t, err, "client %d", i)
	}

	// Clean up as a client would: delete every project; then nothing of
	// these users is left once the renders' TTL has passed.
	for i, user := range users {
		u := connect(t, urls()[i%2], user, "")
		list := structuredOf(t, u.call(t, "list_projects", map[string]any{}))
		for _, p := range list["projects"].([]any) {
			structuredOf(t, u.call(t, "delete_project", map[string]any{"project_id": p.(map[string]any)["project_id"]}))
		}
		assert.EqualValues(t, 0, structuredOf(t, u.call(t, "list_projects", map[string]any{}))["count"])
	}
	wait := time.Now().Add(30 * time.Second)
	left := func() int {
		n := 0
		for _, user := range users {
			n += len(bucketObjects(t, user))
		}
		return n
	}
	for left() > 0 && time.Now().Before(wait) {
		time.Sleep(500 * time.Millisecond)
	}
	assert.Zero(t, left(), "render objects left after their TTL")
}

var (
	jsonMarshal   = json.Marshal
	jsonUnmarshal = json.Unmarshal
)
