package e2e

// The MCP Apps viewer (ui://goxel/viewer.html) in a real browser: the
// binary serves the view, a small test host plays the host's side of the
// extension's postMessage protocol, and headless Chromium draws it.
//
// The host page (viewerHostPage) loads the view as a host does: the HTML
// from resources/read, in a sandboxed iframe, under the extension's default
// Content-Security-Policy (no network; inline script and style only). It
// answers ui/initialize, sends the tool input and result of a view_model
// call, and proxies the view's tools/call requests to the real server over
// stdio (refusing tools whose visibility lacks "app", as hosts must). It
// skips the spec's separate-origin sandbox proxy: the iframe keeps
// allow-same-origin so the test can press the view's buttons.
//
// Chromium: Debian's chromium (apt-get install -y chromium; .ci/run does
// it). Without it the tests skip, or fail with GOXEL_REQUIRE_BROWSER=1.
// Screenshots go to $GOXEL_ARTIFACTS when set.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"maps"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/vox"
)

const (
	viewerURI     = "ui://goxel/viewer.html"
	appsExtension = "io.modelcontextprotocol/ui"
	appsMIME      = "text/html;profile=mcp-app"
)

// appsCaps are the client capabilities of a host that shows MCP Apps.
func appsCaps() mcp.ClientCapabilities {
	return mcp.ClientCapabilities{Extensions: map[string]any{appsExtension: map[string]any{"mimeTypes": []string{appsMIME}}}}
}

// startApps runs the binary as a host with MCP Apps would: the extension
// announced at initialize (protocol 2025-11-25).
func startApps(t testing.TB, environ []string, args ...string) (*client.Client, *mcp.InitializeResult) {
	t.Helper()
	tr := transport.NewStdio(binary, environ, args...)
	c := client.NewClient(tr, client.WithProtocolVersion(mcp.LATEST_LEGACY_PROTOCOL_VERSION))
	require.NoError(t, c.Start(context.Background()))
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	req.Params.ClientInfo = mcp.Implementation{Name: "e2e-apps-host", Version: "0"}
	req.Params.Capabilities = appsCaps()
	res, err := c.Initialize(ctx, req)
	require.NoError(t, err)
	return c, res
}

func toolNamed(list []mcp.Tool, name string) *mcp.Tool {
	for i := range list {
		if list[i].Name == name {
			return &list[i]
		}
	}
	return nil
}

func uiOf(t *mcp.Tool) map[string]any {
	if t == nil || t.Meta == nil {
		return nil
	}
	ui, _ := t.Meta.AdditionalFields["ui"].(map[string]any)
	return ui
}

// TestViewerNegotiation checks that the extension and everything of the
// viewer reach only clients that announce MCP Apps, in both protocol eras.
func TestViewerNegotiation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	t.Run("announced", func(t *testing.T) {
		c, init := startApps(t, env(t))
		assert.Contains(t, init.Capabilities.Extensions, appsExtension, "the server declares the extension to a client that announced it")
		list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
		require.NoError(t, err)
		for _, name := range []string{"view_model", "render_scene"} {
			ui := uiOf(toolNamed(list.Tools, name))
			require.NotNil(t, ui, "%s has _meta.ui", name)
			assert.Equal(t, viewerURI, ui["resourceUri"], name)
		}
		for _, name := range []string{"get_viewer_state", "get_viewer_mesh"} {
			ui := uiOf(toolNamed(list.Tools, name))
			require.NotNil(t, ui, "%s is listed for the app", name)
			assert.Equal(t, []any{"app"}, ui["visibility"], "%s is hidden from the model", name)
		}
		res := call(t, c, "view_model", nil)
		require.False(t, res.IsError, "%v", res.Content)
		assert.Contains(t, res.Content[0].(mcp.TextContent).Text, "shows it in the viewer")
		assert.True(t, listsResource(t, c, viewerURI), "resources/list has the viewer")
	})

	t.Run("not announced", func(t *testing.T) {
		c := start(t, mcp.LATEST_LEGACY_PROTOCOL_VERSION, env(t))
		list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
		require.NoError(t, err)
		vm := toolNamed(list.Tools, "view_model")
		require.NotNil(t, vm, "view_model stays a plain tool")
		assert.Nil(t, vm.Meta, "no _meta.ui for a host without the extension")
		assert.Nil(t, toolNamed(list.Tools, "render_scene").Meta)
		assert.Nil(t, toolNamed(list.Tools, "get_viewer_mesh"), "app-only tools are not listed")
		assert.Nil(t, toolNamed(list.Tools, "get_viewer_state"))
		res := call(t, c, "view_model", nil)
		require.False(t, res.IsError)
		assert.Contains(t, res.Content[0].(mcp.TextContent).Text, "use render_scene")
		assert.False(t, listsResource(t, c, viewerURI), "resources/list leaves the UI-only resource out")
		req := mcp.CallToolRequest{}
		req.Params.Name = "get_viewer_mesh"
		if res, err := c.CallTool(ctx, req); err == nil {
			assert.True(t, res.IsError, "an app-only tool is not callable without the extension")
		}
	})

	t.Run("modern announced", func(t *testing.T) {
		tr := transport.NewStdio(binary, env(t))
		c := client.NewClient(tr, client.WithClientCapabilities(appsCaps()))
		require.NoError(t, c.Start(context.Background()))
		t.Cleanup(func() { _ = c.Close() })
		init, err := c.Initialize(ctx, mcp.InitializeRequest{})
		require.NoError(t, err)
		require.Equal(t, mcp.LATEST_PROTOCOL_VERSION, init.ProtocolVersion, "server/discover era")
		assert.Contains(t, init.Capabilities.Extensions, appsExtension)
		list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
		require.NoError(t, err)
		assert.Equal(t, viewerURI, uiOf(toolNamed(list.Tools, "view_model"))["resourceUri"])
		assert.NotNil(t, toolNamed(list.Tools, "get_viewer_mesh"))
	})

	t.Run("modern not announced", func(t *testing.T) {
		tr := transport.NewStdio(binary, env(t))
		c := client.NewClient(tr)
		require.NoError(t, c.Start(context.Background()))
		t.Cleanup(func() { _ = c.Close() })
		init, err := c.Initialize(ctx, mcp.InitializeRequest{})
		require.NoError(t, err)
		assert.NotContains(t, init.Capabilities.Extensions, appsExtension)
		list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
		require.NoError(t, err)
		assert.Nil(t, toolNamed(list.Tools, "view_model").Meta)
		assert.Nil(t, toolNamed(list.Tools, "get_viewer_mesh"))
	})
}

func listsResource(t *testing.T, c *client.Client, uri string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	list, err := c.ListResources(ctx, mcp.ListResourcesRequest{})
	require.NoError(t, err)
	for _, r := range list.Resources {
		if r.URI == uri {
			return true
		}
	}
	return false
}

// allowedURLs are the only absolute http(s) strings in the bundle. None is
// loaded: they are identifiers and messages inside the App SDK's
// dependencies (zod's JSON Schema dialect ids, a JSON Schema validator's
// placeholder base, zod's IPv6 check that parses "http://[addr]", an
// example in a doc string) and the XHTML namespace three.js passes to
// createElementNS. The page runs under connect-src 'none' in
// TestViewerKnight, which would break on any fetch.
var allowedURLs = regexp.MustCompile(`^(https?://json-schema\.org/draft[-/0-9a-z]*/schema#?|https://github\.com/cfworker|http://www\.w3\.org/1999/xhtml|https://\*\.example\.com|http://\[\$\{t\}\])$`)

// TestViewerResource reads the viewer as a host does and checks it is one
// self-contained HTML document that references no network URL.
func TestViewerResource(t *testing.T) {
	c, _ := startApps(t, env(t))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := mcp.ReadResourceRequest{}
	req.Params.URI = viewerURI
	res, err := c.ReadResource(ctx, req)
	require.NoError(t, err)
	require.Len(t, res.Contents, 1)
	tc, ok := res.Contents[0].(mcp.TextResourceContents)
	require.True(t, ok, "text contents")
	assert.Equal(t, viewerURI, tc.URI)
	assert.Equal(t, appsMIME, tc.MIMEType)
	html := tc.Text
	require.True(t, strings.HasPrefix(html, "<!DOCTYPE html>"), "starts as an HTML5 document")
	assert.Equal(t, 1, strings.Count(strings.ToLower(html), "<html"), "one document")
	assert.Equal(t, 1, strings.Count(strings.ToLower(html), "</html>"))
	assert.True(t, strings.HasSuffix(strings.TrimSpace(html), "</html>"))
	lower := strings.ToLower(html)
	for _, bad := range []string{"<script src", "<link", "<iframe", "<img", "@import", "url(http", "url(//", `src="http`, `href="http`, `src="//`, "sourcemappingurl"} {
		assert.NotContains(t, lower, bad)
	}
	var others []string
	for _, u := range regexp.MustCompile(`(?i)(?:https?:)?//[a-z0-9*\[][^\s"'\x60<>)\\]*`).FindAllString(html, -1) {
		if !strings.HasPrefix(strings.ToLower(u), "http") {
			continue // a comment or a regular expression, not a URL
		}
		if !allowedURLs.MatchString(u) {
			others = append(others, u)
		}
	}
	assert.Empty(t, others, "network URLs in the viewer")
	meta, _ := tc.Meta["ui"].(map[string]any)
	require.NotNil(t, meta, "the contents carry _meta.ui")
	csp, _ := meta["csp"].(map[string]any)
	require.NotNil(t, csp)
	assert.Empty(t, csp["connectDomains"], "no domains declared")
	assert.Empty(t, csp["resourceDomains"])
}

// --- the browser ----------------------------------------------------------

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("GOXEL_REQUIRE_BROWSER") == "1" {
		t.Fatal("GOXEL_REQUIRE_BROWSER=1 but no Chromium found: apt-get install -y chromium")
	}
	t.Skip("no Chromium (apt-get install -y chromium); set GOXEL_REQUIRE_BROWSER=1 to fail instead")
	return ""
}

// testHost serves the host page and proxies the view's tool calls to c.
type testHost struct {
	t     *testing.T
	c     *client.Client
	url   string
	mu    sync.Mutex
	calls []string          // tools the view called, in order
	first json.RawMessage   // {arguments, result} of the tool call shown
	vis   map[string]string // tool → "app" when callable by apps
}

func newTestHost(t *testing.T, c *client.Client, toolName string, args map[string]any) *testHost {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h := &testHost{t: t, c: c, vis: map[string]string{}}
	list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	require.NoError(t, err)
	for _, tool := range list.Tools {
		vis := []any{"model", "app"}
		if ui := uiOf(&tool); ui != nil && ui["visibility"] != nil {
			vis = ui["visibility"].([]any)
		}
		if slices.Contains(vis, any("app")) {
			h.vis[tool.Name] = "app"
		}
	}
	res := call(t, c, toolName, args)
	require.False(t, res.IsError, "%v", res.Content)
	h.first, err = json.Marshal(map[string]any{"arguments": args, "result": res})
	require.NoError(t, err)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, viewerHostPage)
	})
	mux.HandleFunc("GET /resource", func(w http.ResponseWriter, r *http.Request) {
		req := mcp.ReadResourceRequest{}
		req.Params.URI = viewerURI
		res, err := c.ReadResource(r.Context(), req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		_ = json.NewEncoder(w).Encode(res.Contents[0])
	})
	mux.HandleFunc("GET /toolcall", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(h.first) })
	mux.HandleFunc("POST /call", func(w http.ResponseWriter, r *http.Request) {
		var p struct {
			Name      string         `json:"name"`
			Arguments map[string]any `json:"arguments"`
		}
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.calls = append(h.calls, p.Name)
		h.mu.Unlock()
		if h.vis[p.Name] != "app" {
			_ = json.NewEncoder(w).Encode(map[string]any{"error": p.Name + " is not callable by apps"})
			return
		}
		req := mcp.CallToolRequest{}
		req.Params.Name, req.Params.Arguments = p.Name, p.Arguments
		ctx, cancel := context.WithTimeout(r.Context(), 90*time.Second)
		defer cancel()
		res, err := c.CallTool(ctx, req)
		if err != nil {
			_ = json.NewEncoder(w).Encode(map[string]any{"error": err.Error()})
			return
		}
		_ = json.NewEncoder(w).Encode(res)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	h.url = "http://" + ln.Addr().String() + "/"
	return h
}

func (h *testHost) called(name string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, c := range h.calls {
		if c == name {
			n++
		}
	}
	return n
}

// viewerHostPage plays the host: the view in a sandboxed iframe under the
// extension's default CSP, and the host side of its JSON-RPC.
const viewerHostPage = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>test host</title>
<style>html,body{margin:0;background:#fff}iframe{border:0;width:960px;height:600px;display:block}</style></head>
<body><script>
(async () => {
  const CSP = "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; media-src 'self' data:; connect-src 'none'; frame-src 'none'; object-src 'none'; base-uri 'self'";
  const res = await (await fetch("/resource")).json();
  const first = await (await fetch("/toolcall")).json();
  window.hostLog = [];
  const frame = document.createElement("iframe");
  frame.setAttribute("sandbox", "allow-scripts allow-same-origin");
  frame.srcdoc = res.text.replace(/<head>/i, '<head><meta http-equiv="Content-Security-Policy" content="' + CSP + '">');
  document.body.append(frame);
  const post = (m) => frame.contentWindow.postMessage(Object.assign({ jsonrpc: "2.0" }, m), "*");
  window.addEventListener("message", async (ev) => {
    if (ev.source !== frame.contentWindow) return;
    const m = ev.data;
    if (!m || m.jsonrpc !== "2.0") return;
    window.hostLog.push(m.method || "response");
    const reply = (result) => post({ id: m.id, result });
    const fail = (message) => post({ id: m.id, error: { code: -32000, message } });
    switch (m.method) {
    case "ui/initialize":
      reply({
        protocolVersion: m.params.protocolVersion,
        hostInfo: { name: "goxel-e2e-host", version: "1" },
        hostCapabilities: { serverTools: {}, logging: {} },
        hostContext: { theme: "light", displayMode: "inline", platform: "web", containerDimensions: { width: 960, height: 600 } },
      });
      break;
    case "ui/notifications/initialized":
      post({ method: "ui/notifications/tool-input", params: { arguments: first.arguments || {} } });
      post({ method: "ui/notifications/tool-result", params: first.result });
      break;
    case "tools/call": {
      const r = await (await fetch("/call", { method: "POST", body: JSON.stringify(m.params) })).json();
      if (r.error) fail(r.error); else reply(r);
      break;
    }
    case "ping":
      reply({});
      break;
    default:
      if (m.id !== undefined && m.method) post({ id: m.id, error: { code: -32601, message: "not supported: " + m.method } });
    }
  });
})();
</script></body></html>`

// browser starts headless Chromium at 1000×800 (device scale 1), WebGL on
// SwiftShader.
func browser(t *testing.T) context.Context {
	path := chromiumPath(t)
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.WindowSize(1000, 800),
		chromedp.Flag("use-angle", "swiftshader"),
		chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.Flag("force-device-scale-factor", "1"),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	require.NoError(t, chromedp.Do(ctx), "start Chromium")
	return ctx
}

// viewEval evaluates js with the view's document as "doc" and decodes its
// result (awaited when it is a promise) into out.
func viewEval(ctx context.Context, js string, out any) error {
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](`(() => { const f = document.querySelector("iframe"); const doc = f && f.contentDocument; if (!doc || !doc.body) return null; `+js+` })()`, chromedp.EvalAwaitPromise))
	if err != nil {
		return err
	}
	if raw == nil || string(raw) == "null" {
		return fmt.Errorf("the view is not loaded yet")
	}
	return json.Unmarshal(raw, out)
}

// waitView waits until the view's body reports one of states (and, when
// revision > 0, that revision).
func waitView(t *testing.T, ctx context.Context, revision int, timeout time.Duration, states ...string) (state, message string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var got struct {
			State, Revision, Message string
		}
		err := viewEval(ctx, `return {State: doc.body.dataset.state || "", Revision: doc.body.dataset.revision || "", Message: doc.getElementById("message").textContent};`, &got)
		if err == nil && slices.Contains(states, got.State) && (revision == 0 || got.Revision == fmt.Sprint(revision)) {
			return got.State, got.Message
		}
		if time.Now().After(deadline) {
			log, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.hostLog || []`))
			t.Fatalf("the viewer did not reach %v (revision %d) within %v: state %q, revision %q, message %q, err %v; host saw %v", states, revision, timeout, got.State, got.Revision, got.Message, err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type rect struct{ X, Y, W, H float64 }

// canvasShot takes a screenshot and returns the view's canvas as an image.
func canvasShot(t *testing.T, ctx context.Context, name string) *image.NRGBA {
	t.Helper()
	// Two frames, so the last camera change is drawn.
	var ok bool
	require.NoError(t, viewEval(ctx, `return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))));`, &ok))
	var r rect
	require.NoError(t, viewEval(ctx, `const fr = document.querySelector("iframe").getBoundingClientRect(); const c = doc.querySelector("#stage canvas").getBoundingClientRect(); return {X: fr.left + c.left, Y: fr.top + c.top, W: c.width, H: c.height};`, &r))
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	if dir := os.Getenv("GOXEL_ARTIFACTS"); dir != "" {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644))
	}
	img, err := png.Decode(bytes.NewReader(buf))
	require.NoError(t, err)
	out := image.NewNRGBA(image.Rect(0, 0, int(r.W), int(r.H)))
	for y := range out.Bounds().Dy() {
		for x := range out.Bounds().Dx() {
			out.Set(x, y, img.At(int(r.X)+x, int(r.Y)+y))
		}
	}
	return out
}

// shade is the light of a face with normal n, as renderer/shade.go and the
// viewer compute it for an unoccluded face, in linear light: ambient, sky,
// sun at azimuth 210° elevation 50°, fill at 60°/25°, scaled so the sunlit
// top is 1.
func shade(n [3]float64) float64 {
	dir := func(az, el float64) [3]float64 {
		a, e := az*math.Pi/180, el*math.Pi/180
		return [3]float64{math.Sin(a) * math.Cos(e), math.Cos(a) * math.Cos(e), math.Sin(e)}
	}
	sun, fill := dir(210, 50), dir(60, 25)
	dot := func(l [3]float64) float64 { return math.Max(0, n[0]*l[0]+n[1]*l[1]+n[2]*l[2]) }
	top := 0.26 + 0.08 + 0.70*sun[2]
	return math.Min(1, (0.26+0.08*n[2]+0.70*dot(sun)+0.12*dot(fill))/top)
}

// shaded lights an sRGB colour by s in linear light.
func shaded(c color.NRGBA, s float64) color.NRGBA {
	f := func(v uint8) uint8 {
		x := float64(v) / 255
		if x <= 0.04045 {
			x /= 12.92
		} else {
			x = math.Pow((x+0.055)/1.055, 2.4)
		}
		x *= s
		if x <= 0.0031308 {
			x *= 12.92
		} else {
			x = 1.055*math.Pow(x, 1/2.4) - 0.055
		}
		return uint8(math.Round(math.Min(1, x) * 255))
	}
	return color.NRGBA{f(c.R), f(c.G), f(c.B), 255}
}

// axisView is an orthographic view along an axis: what the nearest voxel of
// each column shows, where the viewer should draw it.
type axisView struct {
	name   string
	cells  map[[2]int]color.NRGBA // (u, v) in voxels from the box's screen-left, bottom corner → expected pixel colour
	su, sv int                    // box size on screen, in voxels
}

// frontView and rightView project the visible voxels as the front view
// (camera on -Y: screen right +X, up +Z, nearest = smallest y) and the
// right view (camera on +X: screen right +Y, up +Z, nearest = largest x).
func projectView(snap *voxel.Snapshot, name string) axisView {
	b := snap.Box()
	size := b.Size()
	v := axisView{name: name, cells: map[[2]int]color.NRGBA{}}
	depth := map[[2]int]int{}
	var n [3]float64
	switch name {
	case "front":
		v.su, v.sv, n = size.X, size.Z, [3]float64{0, -1, 0}
	case "back":
		v.su, v.sv, n = size.X, size.Z, [3]float64{0, 1, 0}
	case "right":
		v.su, v.sv, n = size.Y, size.Z, [3]float64{1, 0, 0}
	}
	s := shade(n)
	snap.Each(func(p voxel.Pos, c color.NRGBA) bool {
		var k [2]int
		var d int
		switch name {
		case "front":
			k, d = [2]int{p.X - b.Min.X, p.Z - b.Min.Z}, p.Y
		case "back": // screen right is -X
			k, d = [2]int{b.Max.X - p.X, p.Z - b.Min.Z}, -p.Y
		case "right":
			k, d = [2]int{p.Y - b.Min.Y, p.Z - b.Min.Z}, -p.X
		}
		if old, ok := depth[k]; !ok || d < old {
			depth[k] = d
			v.cells[k] = shaded(c, s)
		}
		return true
	})
	return v
}

// check compares each column's centre pixel with its expected colour, the
// box framed as the viewer frames it (92 % of the limiting dimension, centred). It returns the
// fraction that match and a description of the first misses.
func (v axisView) check(img *image.NRGBA) (float64, string) {
	w, h := float64(img.Bounds().Dx()), float64(img.Bounds().Dy())
	scale := math.Min(w*0.92/float64(v.su), h*0.92/float64(v.sv))
	var match, total int
	var misses []string
	for k, want := range v.cells {
		px := w/2 + (float64(k[0])+0.5-float64(v.su)/2)*scale
		py := h/2 - (float64(k[1])+0.5-float64(v.sv)/2)*scale
		if px < 100 && py > h-100 {
			continue // the axis gizmo's corner
		}
		got := img.NRGBAAt(int(px), int(py))
		total++
		if near(got, want, 14) {
			match++
		} else if len(misses) < 5 {
			misses = append(misses, fmt.Sprintf("cell %v at (%d,%d): got %v want %v", k, int(px), int(py), got, want))
		}
	}
	return float64(match) / float64(max(total, 1)), strings.Join(misses, "; ")
}

func near(a, b color.NRGBA, tol int) bool {
	d := func(x, y uint8) bool { return int(x)-int(y) <= tol && int(y)-int(x) <= tol }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}

// differing counts the pixels that differ between two shots.
func differing(a, b *image.NRGBA) int {
	n := 0
	for i := 0; i+3 < len(a.Pix) && i+3 < len(b.Pix); i += 4 {
		if !near(color.NRGBA{a.Pix[i], a.Pix[i+1], a.Pix[i+2], 255}, color.NRGBA{b.Pix[i], b.Pix[i+1], b.Pix[i+2], 255}, 8) {
			n++
		}
	}
	return n
}

// TestViewerKnight loads chr_knight in the viewer through the real server
// and checks what Chromium draws: the knight's colours where its front
// projection should be, facing the camera; a view button that changes the
// picture to the right view; the voxel under the pointer; a refresh when
// the scene changes.
func TestViewerKnight(t *testing.T) {
	knight := testmodels.Path(t, "magicavoxel/chr_knight.vox")
	ctx := browser(t)
	f, err := os.Open(knight)
	require.NoError(t, err)
	scene, err := vox.Decode(f)
	_ = f.Close()
	require.NoError(t, err)
	snap := scene.Snapshot()

	c, _ := startApps(t, env(t), "--allow-dir", filepath.Dir(knight))
	res := call(t, c, "open_project", map[string]any{"path": knight})
	require.False(t, res.IsError, "%v", res.Content)
	host := newTestHost(t, c, "view_model", map[string]any{"view": "front"})

	start := time.Now()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(host.url)))
	waitView(t, ctx, 0, 60*time.Second, "ready")
	t.Logf("knight shown in %v", time.Since(start).Round(time.Millisecond))
	assert.GreaterOrEqual(t, host.called("get_viewer_mesh"), 1, "the mesh came through the server")

	front := canvasShot(t, ctx, "viewer-knight-front")
	want := projectView(snap, "front")
	got, misses := want.check(front)
	t.Logf("front view: %.1f%% of %d columns match", 100*got, len(want.cells))
	assert.GreaterOrEqual(t, got, 0.9, "the knight's front colours where its front projection is: %s", misses)
	// The check can tell the knight's front from its back.
	back, _ := projectView(snap, "back").check(front)
	assert.Less(t, back, got-0.2, "the front view shows the knight's front (its back would match %.2f)", back)

	// A view button changes the picture: the right view.
	var pressed string
	require.NoError(t, viewEval(ctx, `const b = doc.querySelector('button[data-view="right"]'); b.click(); return b.getAttribute("aria-pressed");`, &pressed))
	assert.Equal(t, "true", pressed)
	right := canvasShot(t, ctx, "viewer-knight-right")
	assert.Greater(t, differing(front, right), 2000, "the right view differs from the front view")
	rv := projectView(snap, "right")
	got, misses = rv.check(right)
	t.Logf("right view: %.1f%% of %d columns match", 100*got, len(rv.cells))
	assert.GreaterOrEqual(t, got, 0.9, "the knight's right side: %s", misses)

	// Hover: the voxel under the pointer, from the right view. Point at the
	// centre of a column with a colour, and expect that column's nearest
	// voxel.
	var canvas rect
	require.NoError(t, viewEval(ctx, `const fr = document.querySelector("iframe").getBoundingClientRect(); const c = doc.querySelector("#stage canvas").getBoundingClientRect(); return {X: fr.left + c.left, Y: fr.top + c.top, W: c.width, H: c.height};`, &canvas))
	b := snap.Box()
	cy, cz := (b.Min.Y+b.Max.Y)/2, (b.Min.Z+b.Max.Z)/2
	var wantVoxel voxel.Pos
	var wantColour color.NRGBA
	found := false
	for x := b.Max.X; x >= b.Min.X && !found; x-- {
		if col := snap.At(voxel.Pos{X: x, Y: cy, Z: cz}); col.A != 0 {
			wantVoxel, wantColour, found = voxel.Pos{X: x, Y: cy, Z: cz}, col, true
		}
	}
	require.True(t, found, "a voxel in the knight's middle column")
	scale := math.Min(canvas.W*0.92/float64(b.Size().Y), canvas.H*0.92/float64(b.Size().Z))
	px := canvas.X + canvas.W/2 + (float64(cy-b.Min.Y)+0.5-float64(b.Size().Y)/2)*scale
	py := canvas.Y + canvas.H/2 - (float64(cz-b.Min.Z)+0.5-float64(b.Size().Z)/2)*scale
	require.NoError(t, chromedp.Do(ctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, px, py)))
	var hover struct{ Voxel, Color string }
	deadline := time.Now().Add(5 * time.Second)
	for hover.Voxel == "" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		require.NoError(t, viewEval(ctx, `const h = doc.getElementById("hover"); return {Voxel: h.textContent ? (h.dataset.voxel || "") : "", Color: h.dataset.color || ""};`, &hover))
	}
	assert.Equal(t, fmt.Sprintf("%d,%d,%d", wantVoxel.X, wantVoxel.Y, wantVoxel.Z), hover.Voxel, "the voxel under the pointer")
	assert.Equal(t, fmt.Sprintf("#%02X%02X%02X%02X", wantColour.R, wantColour.G, wantColour.B, wantColour.A), hover.Color, "its colour")

	// The scene changes (as the model edits it): the viewer follows.
	res = call(t, c, "fill_shape", map[string]any{"shape": "box", "from": []int{b.Min.X, b.Min.Y, b.Max.Z + 1}, "to": []int{b.Max.X, b.Max.Y, b.Max.Z + 3}, "color": "#FF00FF"})
	require.False(t, res.IsError, "%v", res.Content)
	rev := int(viewerStructured(t, res)["revision"].(float64))
	waitView(t, ctx, rev, 20*time.Second, "ready")
	after := canvasShot(t, ctx, "viewer-knight-edited")
	magenta := 0
	for i := 0; i+3 < len(after.Pix); i += 4 {
		if near(color.NRGBA{after.Pix[i], after.Pix[i+1], after.Pix[i+2], 255}, shaded(color.NRGBA{255, 0, 255, 255}, shade([3]float64{1, 0, 0})), 14) {
			magenta++
		}
	}
	assert.Greater(t, magenta, 500, "the new magenta slab is drawn after the revision changed")

	// The layer checkbox hides the layer in the scene (set_layer_visibility,
	// called by the view through the host) and shows it again.
	var ok bool
	require.NoError(t, viewEval(ctx, `doc.querySelector("#layers input[data-layer]").click(); return true;`, &ok))
	waitView(t, ctx, rev+1, 20*time.Second, "empty")
	st := viewerStructured(t, call(t, c, "list_layers", nil))
	assert.Equal(t, false, st["layers"].([]any)[0].(map[string]any)["visible"], "the layer is hidden in the scene")
	require.NoError(t, viewEval(ctx, `doc.querySelector("#layers input[data-layer]").click(); return true;`, &ok))
	waitView(t, ctx, rev+2, 20*time.Second, "ready")
	assert.Equal(t, 2, host.called("set_layer_visibility"), "both toggles went through the host")
}

func viewerStructured(t *testing.T, res *mcp.CallToolResult) map[string]any {
	t.Helper()
	b, err := json.Marshal(res.StructuredContent)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// TestViewerLargeScene builds a 1,000,000-voxel scene whose colours
// alternate voxel by voxel (so no two neighbouring faces merge: the worst
// case for the mesh of a solid) and checks that the viewer either shows it
// or refuses it with a message, in bounded time.
func TestViewerLargeScene(t *testing.T) {
	ctx := browser(t)
	c, _ := startApps(t, env(t))
	// Two planes voxel by voxel, doubled up the z axis by copies (the
	// colours repeat every 2): a per-voxel loop over the whole cube is slow
	// in a race build on a busy machine.
	res := call(t, c, "run_script", map[string]any{"code": `
cols = ["#D04040", "#40A0D0"]
for x in range(100):
    for y in range(100):
        for z in range(2):
            set(x, y, z, cols[(x + y + z) % 2])
for h in [2, 4, 8, 16, 32]:
    copy_region([0, 0, 0], [99, 99, h - 1], [0, 0, h])
copy_region([0, 0, 0], [99, 99, 35], [0, 0, 64])
`})
	require.False(t, res.IsError, "%v", res.Content)
	st := viewerStructured(t, call(t, c, "get_status", nil))
	require.EqualValues(t, 1_000_000, st["voxels"])

	host := newTestHost(t, c, "view_model", nil)
	start := time.Now()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(host.url)))
	state, msg := waitView(t, ctx, 0, 120*time.Second, "ready", "refused")
	t.Logf("1,000,000 voxels: %s in %v (%d mesh calls) %s", state, time.Since(start).Round(time.Millisecond), host.called("get_viewer_mesh"), msg)
	img := canvasShot(t, ctx, "viewer-million")
	switch state {
	case "ready":
		// The cube's visible faces fill the middle of the canvas.
		mid := img.NRGBAAt(img.Bounds().Dx()/2, img.Bounds().Dy()/2)
		assert.False(t, near(mid, color.NRGBA{0xe8, 0xe8, 0xec, 255}, 6), "the cube is drawn, got background %v at the centre", mid)
	case "refused":
		assert.Contains(t, msg, "too large for the viewer")
	}
}

// TestViewerRefusesHugeMesh checks the refusal path itself: a scene whose
// every voxel face is exposed (a 3D checkerboard of 1,000,188 voxels, 6
// million faces) is refused quickly with a clear message, never meshed.
func TestViewerRefusesHugeMesh(t *testing.T) {
	c, _ := startApps(t, env(t))
	// Two checker planes set voxel by voxel, then doubled up the z axis by
	// copies (the pattern repeats every 2): a per-voxel loop over the whole
	// box takes over the script's 10 s limit in a race build on a busy machine.
	res := call(t, c, "run_script", map[string]any{"code": `
for x in range(126):
    for y in range(126):
        set(x, y, (x + y) % 2, "#808080")
for h in [2, 4, 8, 16, 32]:
    copy_region([0, 0, 0], [125, 125, h - 1], [0, 0, h])
copy_region([0, 0, 0], [125, 125, 61], [0, 0, 64])
`})
	require.False(t, res.IsError, "%v", res.Content)
	st := call(t, c, "get_status", nil)
	require.Equal(t, float64(1000188), st.StructuredContent.(map[string]any)["voxels"], "the checkerboard is whole")
	start := time.Now()
	res = call(t, c, "get_viewer_mesh", nil)
	took := time.Since(start)
	require.True(t, res.IsError, "refused")
	text := res.Content[0].(mcp.TextContent).Text
	assert.Contains(t, text, "too large for the viewer")
	assert.Contains(t, text, "render_scene", "says what to do instead")
	assert.Less(t, took, 20*time.Second, "refused without meshing")
	t.Logf("refused in %v: %s", took.Round(time.Millisecond), text)

	t.Run("in the viewer", func(t *testing.T) {
		ctx := browser(t)
		host := newTestHost(t, c, "view_model", nil)
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(host.url)))
		_, msg := waitView(t, ctx, 0, 60*time.Second, "refused")
		assert.Contains(t, msg, "too large for the viewer", "the viewer shows the server's message")
		canvasShot(t, ctx, "viewer-refused")
		time.Sleep(2 * time.Second) // a poll or two
		assert.Equal(t, 1, host.called("get_viewer_mesh"), "a refused revision is not fetched again")
	})
}

// TestViewerInspectorAppInfo asks the MCP Inspector (the pinned CLI in
// e2e/interop) which tools ship an MCP App, with and without its
// --advertise-apps flag: the viewer's tools only for a client that
// announces the extension, each with our resource, CSP and visibility.
func TestViewerInspectorAppInfo(t *testing.T) {
	node := requireInterop(t, ".bin/mcp-inspector")
	environ, private := nodeEnv(t)
	inspector, err := filepath.Abs(filepath.Join(interopDir, "node_modules", ".bin", "mcp-inspector"))
	require.NoError(t, err)
	probe := func(t *testing.T, flags ...string) map[string]map[string]any {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		args := append([]string{inspector, "--cli", "-q"}, flags...)
		for _, kv := range private {
			args = append(args, "-e", kv)
		}
		args = append(args, binary, "--method", "tools/list", "--app-info")
		cmd := exec.CommandContext(ctx, node, args...)
		cmd.Env = environ
		out, err := cmd.Output()
		require.NoError(t, err)
		apps := map[string]map[string]any{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			var info map[string]any
			require.NoError(t, json.Unmarshal([]byte(line), &info), line)
			if info["hasApp"] == true {
				apps[info["toolName"].(string)] = info
			}
		}
		return apps
	}
	assert.Empty(t, probe(t), "a client that does not announce MCP Apps sees no app")
	apps := probe(t, "--advertise-apps")
	require.ElementsMatch(t, []string{"view_model", "render_scene", "get_viewer_state", "get_viewer_mesh"}, slices.Collect(maps.Keys(apps)))
	for name, info := range apps {
		assert.Equal(t, viewerURI, info["resourceUri"], name)
		assert.Equal(t, appsMIME, info["resourceMimeType"], name)
		assert.Equal(t, map[string]any{"connectDomains": []any{}, "resourceDomains": []any{}}, info["csp"], name)
	}
	assert.Equal(t, []any{"app"}, apps["get_viewer_mesh"]["visibility"])
	assert.Nil(t, apps["view_model"]["visibility"], "view_model is for the model too")
}
