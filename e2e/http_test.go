package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// httpServer is one `goxel-mcp serve --http` process.
type httpServer struct {
	cmd    *exec.Cmd
	url    string // http://127.0.0.1:PORT
	stderr *syncBuffer
	done   chan struct{}
}

var listenRE = regexp.MustCompile(`url=(http://[^ ]+)/mcp`)

// startHTTP runs the binary in HTTP mode on a free loopback port with
// environ added to ours and waits until it listens.
func startHTTP(t testing.TB, environ []string, args ...string) *httpServer {
	t.Helper()
	s := &httpServer{stderr: &syncBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(binary, append([]string{"serve", "--http", "127.0.0.1:0"}, args...)...)
	s.cmd.Env = append(os.Environ(), environ...)
	pr, pw := io.Pipe()
	s.cmd.Stderr = pw
	require.NoError(t, s.cmd.Start())
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			s.stderr.Write([]byte(line + "\n"))
			if m := listenRE.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	go func() { _ = s.cmd.Wait(); pw.Close(); close(s.done) }()
	t.Cleanup(func() {
		s.stop()
		if strings.Contains(s.stderr.String(), "DATA RACE") {
			t.Errorf("the server reported a data race:\n%s", s.stderr.String())
		}
	})
	select {
	case s.url = <-found:
	case <-s.done:
		t.Fatalf("server exited: %s", s.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not start: %s", s.stderr.String())
	}
	return s
}

// stop ends the process with SIGTERM (a clean shutdown).
func (s *httpServer) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// kill ends the process with SIGKILL.
func (s *httpServer) kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

// tokensFile writes a tokens file for users (token = "tok-"+user) and
// returns its path.
func tokensFile(t testing.TB, users ...string) string {
	var b strings.Builder
	b.WriteString("# goxel-mcp tokens\n\n")
	for _, u := range users {
		sum := sha256.Sum256([]byte("tok-" + u))
		fmt.Fprintf(&b, "%s sha256:%s\n", u, hex.EncodeToString(sum[:]))
	}
	p := filepath.Join(t.TempDir(), "tokens")
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o600))
	return p
}

// memoryEnv is env for an HTTP server without a database or bucket, even
// when the services' variables are in the test's environment.
func memoryEnv(t testing.TB, extra ...string) []string {
	return env(t, append([]string{"GOXEL_DATABASE_URL=", "GOXEL_S3_ENDPOINT=", "GOXEL_S3_BUCKET="}, extra...)...)
}

// httpUser is one client of an HTTP server, with the tools it listed.
type httpUser struct {
	c       *client.Client
	schemas map[string]*jsonschema.Schema
	mu      sync.Mutex
}

// connect opens an MCP client to s as user (token "tok-"+user; "" for no
// token) with protocol version ("" for the newest).
func connect(t testing.TB, url, user, version string) *httpUser {
	t.Helper()
	var opts []transport.StreamableHTTPCOption
	if user != "" {
		opts = append(opts, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer tok-" + user}))
	}
	tr, err := transport.NewStreamableHTTP(url+"/mcp", opts...)
	require.NoError(t, err)
	var copts []client.ClientOption
	if version != "" {
		copts = append(copts, client.WithProtocolVersion(version))
	}
	c := client.NewClient(tr, copts...)
	require.NoError(t, c.Start(context.Background()))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = version
	req.Params.ClientInfo = mcp.Implementation{Name: "e2e-http", Version: "0"}
	res, err := c.Initialize(ctx, req)
	require.NoError(t, err)
	if version != "" {
		require.Equal(t, version, res.ProtocolVersion)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &httpUser{c: c}
}

// call calls a tool and validates a structured result against the tool's
// outputSchema as this server lists it.
func (u *httpUser) call(t testing.TB, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	res, err := u.try(name, args)
	require.NoError(t, err, name)
	u.check(t, name, res)
	return res
}

func (u *httpUser) try(name string, args map[string]any) (*mcp.CallToolResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	return u.c.CallTool(ctx, req)
}

func (u *httpUser) check(t testing.TB, name string, res *mcp.CallToolResult) {
	t.Helper()
	if res == nil || res.IsError || res.StructuredContent == nil {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.schemas == nil {
		u.schemas = map[string]*jsonschema.Schema{}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		list, err := u.c.ListTools(ctx, mcp.ListToolsRequest{})
		require.NoError(t, err)
		for _, tool := range list.Tools {
			if tool.OutputSchema.Type == "" {
				continue
			}
			b, err := json.Marshal(tool.OutputSchema)
			require.NoError(t, err)
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			require.NoError(t, err)
			comp := jsonschema.NewCompiler()
			require.NoError(t, comp.AddResource("mem://"+tool.Name+".json", doc))
			sch, err := comp.Compile("mem://" + tool.Name + ".json")
			require.NoError(t, err)
			u.schemas[tool.Name] = sch
		}
	}
	sch := u.schemas[name]
	require.NotNil(t, sch, "%s returned structuredContent but lists no outputSchema", name)
	b, err := json.Marshal(res.StructuredContent)
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	require.NoError(t, sch.Validate(inst), "%s: structuredContent does not match its outputSchema:\n%s", name, b)
}

// structuredOf decodes a result's structuredContent.
func structuredOf(t testing.TB, res *mcp.CallToolResult) map[string]any {
	t.Helper()
	require.NotNil(t, res)
	require.False(t, res.IsError, "%s", allText(res))
	b, err := json.Marshal(res.StructuredContent)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// allText joins a result's text blocks.
func allText(res *mcp.CallToolResult) string {
	if res == nil {
		return ""
	}
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// renderURI returns the render:// URI a render result names.
func renderURI(t testing.TB, res *mcp.CallToolResult) string {
	t.Helper()
	m := regexp.MustCompile(`render://[A-Za-z0-9_.-]+`).FindString(allText(res) + " " + fmt.Sprint(res.StructuredContent))
	for _, c := range res.Content {
		if rl, ok := c.(mcp.ResourceLink); ok {
			m = rl.URI
		}
	}
	require.NotEmpty(t, m, "render result names no render:// URI: %s", allText(res))
	return m
}

// readRender reads a render:// resource and returns its PNG bytes.
func (u *httpUser) readRender(uri string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := mcp.ReadResourceRequest{}
	req.Params.URI = uri
	res, err := u.c.ReadResource(ctx, req)
	if err != nil {
		return nil, err
	}
	if len(res.Contents) != 1 {
		return nil, fmt.Errorf("%d contents", len(res.Contents))
	}
	blob, ok := res.Contents[0].(mcp.BlobResourceContents)
	if !ok {
		return nil, fmt.Errorf("not a blob: %T", res.Contents[0])
	}
	return base64.StdEncoding.DecodeString(blob.Blob)
}

func TestHTTPProjectsByHandle(t *testing.T) {
	srv := startHTTP(t, memoryEnv(t, "GOXEL_AUTH_TOKENS_FILE="+tokensFile(t, "alice", "bob")))
	alice := connect(t, srv.url, "alice", "")
	bob := connect(t, srv.url, "bob", "2025-11-25")

	created := structuredOf(t, alice.call(t, "create_project", map[string]any{}))
	id, _ := created["project_id"].(string)
	require.NotEmpty(t, id)
	assert.EqualValues(t, 0, created["voxels"])

	// Every scene tool needs project_id; the refusal says so.
	res := alice.call(t, "get_status", map[string]any{})
	require.True(t, res.IsError)
	assert.Contains(t, allText(res), "project_id")

	edit := structuredOf(t, alice.call(t, "fill_shape", map[string]any{
		"project_id": id, "shape": "box", "from": []int{0, 0, 0}, "to": []int{3, 3, 3}, "color": "#FF0000",
	}))
	assert.EqualValues(t, 64, edit["scene_voxels"])
	rev := edit["revision"].(float64)

	// A second project of alice's is separate.
	other := structuredOf(t, alice.call(t, "create_project", map[string]any{}))["project_id"].(string)
	require.NotEqual(t, id, other)
	st := structuredOf(t, alice.call(t, "get_status", map[string]any{"project_id": other}))
	assert.EqualValues(t, 0, st["voxels"])
	st = structuredOf(t, alice.call(t, "get_status", map[string]any{"project_id": id}))
	assert.EqualValues(t, 64, st["voxels"])
	assert.EqualValues(t, rev, st["revision"])

	// expected_revision guards a project's edits as in stdio.
	res = alice.call(t, "add_voxels", map[string]any{"project_id": id, "voxels": []any{[]any{9, 9, 9, "#00FF00"}}, "expected_revision": rev + 5})
	require.True(t, res.IsError)
	assert.Contains(t, allText(res), "expected_revision")

	list := structuredOf(t, alice.call(t, "list_projects", map[string]any{}))
	assert.EqualValues(t, 2, list["count"])

	render := alice.call(t, "render_scene", map[string]any{"project_id": id, "width": 160, "height": 120})
	require.False(t, render.IsError, allText(render))
	uri := renderURI(t, render)
	png1, err := alice.readRender(uri)
	require.NoError(t, err)
	_, err = png.Decode(bytes.NewReader(png1))
	require.NoError(t, err)

	// Bob sees none of it: not found, never "forbidden".
	for _, name := range []string{"get_status", "add_voxels", "render_scene", "undo"} {
		args := map[string]any{"project_id": id}
		if name == "add_voxels" {
			args["voxels"] = []any{[]any{1, 1, 9, "#0000FF"}}
		}
		res := bob.call(t, name, args)
		require.True(t, res.IsError, name)
		assert.Contains(t, allText(res), "not found", name)
		assert.NotContains(t, strings.ToLower(allText(res)), "forbidden", name)
	}
	res = bob.call(t, "get_status", map[string]any{"project_id": "p_doesnotexist"})
	require.True(t, res.IsError)
	assert.Contains(t, allText(res), "not found")
	_, err = bob.readRender(uri)
	require.Error(t, err, "bob cannot read alice's render")
	assert.NotContains(t, strings.ToLower(err.Error()), "forbidden")
	assert.EqualValues(t, 0, structuredOf(t, bob.call(t, "list_projects", map[string]any{}))["count"])
	assert.EqualValues(t, 0, structuredOf(t, bob.call(t, "list_renders", map[string]any{}))["count"])
	res = bob.call(t, "delete_project", map[string]any{"project_id": id})
	require.True(t, res.IsError)
	assert.Contains(t, allText(res), "not found")

	// Alice's project is as she left it; she deletes it.
	st = structuredOf(t, alice.call(t, "get_status", map[string]any{"project_id": id}))
	assert.EqualValues(t, 64, st["voxels"])
	assert.EqualValues(t, rev, st["revision"])
	structuredOf(t, alice.call(t, "delete_project", map[string]any{"project_id": id}))
	res = alice.call(t, "get_status", map[string]any{"project_id": id})
	require.True(t, res.IsError)
	assert.Contains(t, allText(res), "not found")
	assert.EqualValues(t, 1, structuredOf(t, alice.call(t, "list_projects", map[string]any{}))["count"])

	// Files on the server are nobody's: paths are refused.
	res = alice.call(t, "save_project", map[string]any{"project_id": other, "path": filepath.Join(t.TempDir(), "x.gox")})
	require.True(t, res.IsError)
	assert.Contains(t, srv.stderr.String(), "one instance only")
}

func TestHTTPAuthChallenge(t *testing.T) {
	srv := startHTTP(t, memoryEnv(t, "GOXEL_AUTH_TOKENS_FILE="+tokensFile(t, "alice")))
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`
	for _, auth := range []string{"", "Bearer tok-mallory", "Basic YWxpY2U6eA=="} {
		req, err := http.NewRequest("POST", srv.url+"/mcp", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, auth)
		www := resp.Header.Get("WWW-Authenticate")
		assert.Contains(t, www, `Bearer resource_metadata="`+srv.url+`/.well-known/oauth-protected-resource"`, auth)
		if strings.HasPrefix(auth, "Bearer") {
			assert.Contains(t, www, `error="invalid_token"`)
		}
	}

	resp, err := http.Get(srv.url + "/.well-known/oauth-protected-resource")
	require.NoError(t, err)
	var meta map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&meta))
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, srv.url+"/mcp", meta["resource"])
	assert.Equal(t, []any{"header"}, meta["bearer_methods_supported"])

	resp, err = http.Get(srv.url + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "load balancers need no token")

	// mcp-go's client gets the same 401 as an error it can act on.
	tr, err := transport.NewStreamableHTTP(srv.url + "/mcp")
	require.NoError(t, err)
	c := client.NewClient(tr, client.WithProtocolVersion("2025-11-25"))
	require.NoError(t, c.Start(context.Background()))
	defer c.Close()
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = "2025-11-25"
	_, err = c.Initialize(context.Background(), req)
	require.Error(t, err)
}

func TestHTTPProtocolVersions(t *testing.T) {
	srv := startHTTP(t, memoryEnv(t, "GOXEL_AUTH_TOKENS_FILE="+tokensFile(t, "carol")))
	for _, v := range []string{"", "2026-07-28", "2025-11-25", "2025-06-18"} {
		u := connect(t, srv.url, "carol", v)
		id := structuredOf(t, u.call(t, "create_project", map[string]any{}))["project_id"].(string)
		res := u.call(t, "add_voxels", map[string]any{"project_id": id, "voxels": []any{[]any{1, 2, 3, "#123456"}}})
		assert.EqualValues(t, 1, structuredOf(t, res)["scene_voxels"], v)
	}
	u := connect(t, srv.url, "carol", "")
	assert.EqualValues(t, 4, structuredOf(t, u.call(t, "list_projects", map[string]any{}))["count"])
}

func TestHTTPNeedsAuthOffLoopback(t *testing.T) {
	_, stderr, code := run(t, env(t), "serve", "--http", "0.0.0.0:0")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "GOXEL_AUTH_TOKENS_FILE")
	_, stderr, code = run(t, env(t, "GOXEL_AUTH_TOKENS_FILE="+filepath.Join(t.TempDir(), "missing")), "serve", "--http", "127.0.0.1:0")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "tokens file")
}

func TestHTTPWithoutAuthOnLoopback(t *testing.T) {
	srv := startHTTP(t, memoryEnv(t))
	u := connect(t, srv.url, "", "")
	id := structuredOf(t, u.call(t, "create_project", map[string]any{}))["project_id"].(string)
	assert.NotEmpty(t, id)
	assert.Contains(t, srv.stderr.String(), "auth: none")
}

func TestHTTPJWTAuth(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	b64 := base64.RawURLEncoding.EncodeToString
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []any{map[string]any{
			"kty": "EC", "kid": "k1", "crv": "P-256", "x": b64(key.X.FillBytes(make([]byte, 32))), "y": b64(key.Y.FillBytes(make([]byte, 32))),
		}}})
	}))
	defer jwks.Close()
	token := func(sub, aud string, exp time.Time) string {
		h, _ := json.Marshal(map[string]any{"alg": "ES256", "kid": "k1"})
		c, _ := json.Marshal(map[string]any{"sub": sub, "aud": aud, "exp": exp.Unix()})
		in := b64(h) + "." + b64(c)
		d := sha256.Sum256([]byte(in))
		r, s, err := ecdsa.Sign(rand.Reader, key, d[:])
		require.NoError(t, err)
		return in + "." + b64(append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...))
	}
	srv := startHTTP(t, memoryEnv(t, "GOXEL_AUTH_JWKS_URL="+jwks.URL, "GOXEL_AUTH_AUDIENCE=goxel-test"))
	status := func(tok string) int {
		req, _ := http.NewRequest("POST", srv.url+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusOK, status(token("ann", "goxel-test", time.Now().Add(time.Hour))))
	assert.Equal(t, http.StatusUnauthorized, status(token("ann", "goxel-test", time.Now().Add(-time.Hour))), "expired")
	assert.Equal(t, http.StatusUnauthorized, status(token("ann", "another-api", time.Now().Add(time.Hour))), "audience")

	tr, err := transport.NewStreamableHTTP(srv.url+"/mcp", transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token("ann", "goxel-test", time.Now().Add(time.Hour))}))
	require.NoError(t, err)
	c := client.NewClient(tr)
	require.NoError(t, c.Start(context.Background()))
	defer c.Close()
	_, err = c.Initialize(context.Background(), mcp.InitializeRequest{})
	require.NoError(t, err)
	u := &httpUser{c: c}
	assert.NotEmpty(t, structuredOf(t, u.call(t, "create_project", map[string]any{}))["project_id"])
}
