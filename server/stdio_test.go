package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pipeConn drives a Server's stdio transport over pipes, as a host does.
type pipeConn struct {
	t     *testing.T
	in    *io.PipeWriter
	lines chan map[string]any
	done  chan error
}

func servePipes(t *testing.T, cfg Config) *pipeConn {
	t.Helper()
	srv, err := New(cfg, "test", nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	p := &pipeConn{t: t, in: inW, lines: make(chan map[string]any, 1024), done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { p.done <- srv.ServeStdio(ctx, inR, outW); _ = outW.Close() }()
	go func() {
		sc := bufio.NewScanner(outR)
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) != nil {
				m = map[string]any{"unparsable": sc.Text()}
			}
			p.lines <- m
		}
		close(p.lines)
	}()
	t.Cleanup(func() {
		cancel()
		_ = inW.Close()
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			t.Error("ServeStdio did not return")
		}
	})
	return p
}

func (p *pipeConn) send(msgs ...string) {
	p.t.Helper()
	_, err := io.WriteString(p.in, strings.Join(msgs, "\n")+"\n")
	require.NoError(p.t, err)
}

// next returns the next message, or fails after d.
func (p *pipeConn) next(d time.Duration) map[string]any {
	p.t.Helper()
	select {
	case m, ok := <-p.lines:
		require.True(p.t, ok, "the server closed stdout")
		return m
	case <-time.After(d):
		p.t.Fatalf("no message within %v", d)
		return nil
	}
}

// response returns the response with id, skipping notifications.
func (p *pipeConn) response(id any) map[string]any {
	p.t.Helper()
	for {
		m := p.next(30 * time.Second)
		if _, isNote := m["method"]; isNote {
			continue
		}
		require.Equal(p.t, fmt.Sprint(id), fmt.Sprint(m["id"]), "responses come in order here: %v", m)
		return m
	}
}

func (p *pipeConn) initialize(version string) {
	p.t.Helper()
	p.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":%q,"capabilities":{"roots":{}},"clientInfo":{"name":"t","version":"0"}}}`, version),
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	res := p.response("init")
	require.Contains(p.t, res, "result", "%v", res)
}

func errorCode(m map[string]any) int {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(float64)
	return int(c)
}

func TestRequestsBeforeInitializeAreRefused(t *testing.T) {
	p := servePipes(t, testConfig(t))
	p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
	res := p.response(1)
	assert.Equal(t, codeInvalidRequest, errorCode(res))
	assert.Contains(t, res["error"].(map[string]any)["message"], "initialize")
	p.send(`{"jsonrpc":"2.0","id":2,"method":"ping"}`)
	assert.Contains(t, p.response(2), "result", "ping is allowed before initialize")
	// A stateless 2026-07-28 request carries its version and needs no handshake.
	p.send(`{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`)
	modern := p.response(3)
	require.Contains(t, modern, "result", "%v", modern)
	assert.NotEmpty(t, modern["result"].(map[string]any)["tools"])
	p.initialize("2025-11-25")
	p.send(`{"jsonrpc":"2.0","id":4,"method":"tools/list"}`)
	assert.Contains(t, p.response(4), "result")
}

func TestResponsesFromTheClientAreNotAnswered(t *testing.T) {
	p := servePipes(t, testConfig(t))
	p.initialize("2025-11-25")
	p.send(`{"jsonrpc":"2.0","id":99,"result":{}}`,
		`{"jsonrpc":"2.0","id":98,"error":{"code":-32601,"message":"no"}}`,
		`{"jsonrpc":"2.0","id":"x","result":{"roots":[]}}`,
		`{"jsonrpc":"2.0","id":5,"method":"ping"}`)
	m := p.next(10 * time.Second)
	assert.Equal(t, float64(5), m["id"], "the first answer is the ping's, nothing for the responses: %v", m)
}

func TestRootsRequestRoundTrip(t *testing.T) {
	srv, err := New(testConfig(t), "test", nil)
	require.NoError(t, err)
	defer srv.Close()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	tr := newTransport(srv.MCP, srv.Project.Sequencer(), 1<<20, 2, srv.logger)
	go func() { _ = tr.Serve(context.Background(), inR, outW) }()
	defer inW.Close()
	out := bufio.NewReader(outR)
	_, err = io.WriteString(inW, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"roots":{}},"clientInfo":{"name":"t","version":"0"}}}`+"\n")
	require.NoError(t, err)
	_, err = out.ReadBytes('\n')
	require.NoError(t, err)
	got := make(chan []string, 1)
	go func() {
		ctx := srv.MCP.WithContext(context.Background(), tr.sess)
		res, err := tr.sess.ListRoots(ctx, mcp.ListRootsRequest{})
		if err != nil {
			got <- []string{"error: " + err.Error()}
			return
		}
		var uris []string
		for _, r := range res.Roots {
			uris = append(uris, r.URI)
		}
		got <- uris
	}()
	line, err := out.ReadBytes('\n')
	require.NoError(t, err)
	var req struct {
		ID     int    `json:"id"`
		Method string `json:"method"`
	}
	require.NoError(t, json.Unmarshal(line, &req))
	assert.Equal(t, "roots/list", req.Method)
	_, err = fmt.Fprintf(inW, `{"jsonrpc":"2.0","id":%d,"result":{"roots":[{"uri":"file:///tmp/x","name":"x"}]}}`+"\n", req.ID)
	require.NoError(t, err)
	select {
	case uris := <-got:
		assert.Equal(t, []string{"file:///tmp/x"}, uris)
	case <-time.After(10 * time.Second):
		t.Fatal("roots/list answer was not routed to the request")
	}
}

func TestCancelledCallGetsNoResponse(t *testing.T) {
	p := servePipes(t, testConfig(t))
	p.initialize("2025-11-25")
	p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"fill_shape","arguments":{"shape":"sphere","center":[0,0,0],"radius":40,"color":"#3080FF"}}}`)
	p.response(1)
	for _, running := range []bool{false, true} {
		// A big contact sheet runs for seconds; it is cancelled while queued
		// or once it reports progress (it is running then).
		p.send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"render_scene","_meta":{"progressToken":"p"},"arguments":{"width":8000,"height":8000,"views":["front","back","left","right","top","isometric"],"options":{"return_mode":"file_path"}}}}`)
		if running {
			for m := p.next(30 * time.Second); m["method"] != "notifications/progress"; m = p.next(30 * time.Second) {
				require.NotEqual(t, float64(2), m["id"], "the render finished before it could be cancelled")
			}
		}
		p.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2,"reason":"test"}}`,
			`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_status","arguments":{}}}`)
		for m := p.next(30 * time.Second); m["id"] != float64(3); m = p.next(30 * time.Second) {
			assert.NotEqual(t, float64(2), m["id"], "the cancelled call was answered: %v", m)
		}
		deadline := time.After(1500 * time.Millisecond)
	wait:
		for {
			select {
			case m := <-p.lines:
				assert.NotEqual(t, float64(2), m["id"], "the cancelled call was answered: %v", m)
			case <-deadline:
				break wait
			}
		}
	}
}

func TestPipelinedCallsRunInArrivalOrder(t *testing.T) {
	p := servePipes(t, testConfig(t))
	p.initialize("2025-11-25")
	const n = 50
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"add_voxels","arguments":{"voxels":[[%d,0,0,"#FF0000"]]}}}`+"\n", 2*i, i)
		fmt.Fprintf(&b, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"get_status","arguments":{}}}`+"\n", 2*i+1)
	}
	p.send(strings.TrimSuffix(b.String(), "\n"))
	byID := map[int]map[string]any{}
	for len(byID) < 2*n {
		m := p.next(30 * time.Second)
		if id, ok := m["id"].(float64); ok {
			byID[int(id)] = m
		}
	}
	for i := range n {
		edit := byID[2*i]["result"].(map[string]any)["structuredContent"].(map[string]any)
		status := byID[2*i+1]["result"].(map[string]any)["structuredContent"].(map[string]any)
		assert.EqualValues(t, i+1, status["voxels"], "get_status %d sees every edit before it and none after", i)
		assert.Equal(t, edit["revision"], status["revision"])
	}
}

func TestOversizedMessageIsAnsweredAndSkipped(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxMessageBytes = 64 << 10
	p := servePipes(t, cfg)
	p.initialize("2025-11-25")
	// The id comes last, as the TypeScript SDK writes it.
	big := `{"jsonrpc":"2.0","method":"tools/call","params":{"name":"add_voxels","arguments":{"data":"` + strings.Repeat("1 2 3 FF0000\\n", 20000) + `"}},"id":"big-1"}`
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); p.send(big, `{"jsonrpc":"2.0","id":7,"method":"ping"}`) }()
	res := p.response("big-1")
	assert.Equal(t, codeInvalidRequest, errorCode(res))
	msg := res["error"].(map[string]any)["message"].(string)
	assert.Contains(t, msg, "65536")
	assert.Contains(t, msg, "GOXEL_MAX_MESSAGE_BYTES")
	assert.Contains(t, p.response(7), "result", "the server reads on after the skipped line")
	wg.Wait()
	p.send(`{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"get_status","arguments":{}}}`)
	st := p.response(8)["result"].(map[string]any)["structuredContent"].(map[string]any)
	assert.EqualValues(t, 0, st["voxels"], "the oversized call changed nothing")
}

func TestMaxMessageBytesDefaultFitsTheLargestAddVoxels(t *testing.T) {
	cfg := Defaults()
	one := `{"x":-1048576,"y":-1048576,"z":-1048576,"color":"#RRGGBBAA"},`
	assert.Greater(t, cfg.maxMessageBytes(), len(one)*cfg.Limits.MaxVoxelsPerCall+1<<16)
	assert.Less(t, cfg.maxMessageBytes(), 100<<20, "a 100 MB line is refused by default")
	require.NoError(t, cfg.Set("max_message_size", "2M"))
	assert.Equal(t, 2<<20, cfg.maxMessageBytes())
}

func TestMissingRenderIsResourceNotFound(t *testing.T) {
	p := servePipes(t, testConfig(t))
	p.initialize("2025-11-25")
	for i, uri := range []string{"render://unknown", "render://render_1_nosuch00_00"} {
		p.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"resources/read","params":{"uri":%q}}`, i, uri))
		res := p.response(i)
		assert.Equal(t, -32002, errorCode(res), "%v", res)
		assert.Contains(t, res["error"].(map[string]any)["message"], strings.TrimPrefix(uri, "render://"))
	}
}

func TestResourcesListFollowsTheRenders(t *testing.T) {
	p := servePipes(t, testConfig(t))
	p.initialize("2025-11-25")
	p.send(`{"jsonrpc":"2.0","id":1,"method":"resources/list"}`)
	assert.Empty(t, p.response(1)["result"].(map[string]any)["resources"])
	var uris []string
	for i := range 3 {
		p.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"render_scene","arguments":{"width":%d,"height":16,"options":{"return_mode":"file_path"}}}}`, 10+i, 16+i))
		res := p.response(10 + i)
		uris = append(uris, res["result"].(map[string]any)["structuredContent"].(map[string]any)["file"].(map[string]any)["uri"].(string))
		time.Sleep(1100 * time.Millisecond) // renders in distinct seconds: newest first is then well defined
	}
	changed := false
	p.send(`{"jsonrpc":"2.0","id":2,"method":"resources/list"}`)
	for {
		m := p.next(10 * time.Second)
		if m["method"] == "notifications/resources/list_changed" {
			changed = true
			continue
		}
		require.Equal(t, float64(2), m["id"])
		var got []string
		for _, r := range m["result"].(map[string]any)["resources"].([]any) {
			got = append(got, r.(map[string]any)["uri"].(string))
		}
		assert.Equal(t, []string{uris[2], uris[1], uris[0]}, got, "newest first")
		break
	}
	assert.True(t, changed, "notifications/resources/list_changed after new renders")
}

func TestIDScanner(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`{"jsonrpc":"2.0","id":12,"method":"x"}`, `12`},
		{`{"method":"x","params":{"id":5,"a":[{"id":6}]},"id":"abc"}`, `"abc"`},
		{`{"params":{"s":"\"id\":3,"},"id" : -4.5 }`, `-4.5`},
		{`{"params":{"id":5}}`, ``},
		{`{"id":{"x":1}}`, ``},
		{`{"id":null}`, ``},
		{`[{"id":1}]`, ``},
		{`{"a":"x\\","id":"q\"r"}`, `"q\"r"`},
	} {
		var s idScanner
		for i := range len(tt.in) { // byte by byte: pieces split anywhere
			s.feed([]byte{tt.in[i]})
		}
		assert.Equal(t, tt.want, string(s.found()), tt.in)
	}
}

func FuzzIDScanner(f *testing.F) {
	f.Add(`{"jsonrpc":"2.0","id":12,"method":"x"}`, 3)
	f.Add(`{"params":{"id":5},"id":"a\"b"}`, 1)
	f.Fuzz(func(t *testing.T, in string, split int) {
		var obj map[string]json.RawMessage
		if json.Unmarshal([]byte(in), &obj) != nil || !strings.HasPrefix(strings.TrimSpace(in), "{") {
			return
		}
		want := struct{ ID json.RawMessage }{obj["id"]}
		var s idScanner
		split = max(split%(len(in)+1), 0)
		s.feed([]byte(in[:split]))
		s.feed([]byte(in[split:]))
		got := s.found()
		var v any
		if json.Unmarshal(want.ID, &v) == nil {
			switch v.(type) {
			case string, float64:
				if len(want.ID) < maxIDBytes && !strings.Contains(in, `"\u`) && strings.Count(in, `"id"`) == 1 {
					assert.JSONEq(t, string(want.ID), string(got), in)
				}
				return
			}
		}
		assert.Nil(t, got, in)
	})
}

func TestResourcesListPages(t *testing.T) {
	cfg := testConfig(t)
	cfg.RenderMaxFiles = 120
	p := servePipes(t, cfg)
	p.initialize("2025-11-25")
	const n = 120
	for i := range n {
		p.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"render_scene","arguments":{"width":%d,"height":8,"options":{"return_mode":"file_path"}}}}`, i, 8+i))
		resultOf(t, p.response(i))
	}
	seen := map[string]bool{}
	cursor := ""
	pages := 0
	for {
		params := `{}`
		if cursor != "" {
			params = fmt.Sprintf(`{"cursor":%q}`, cursor)
		}
		p.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":"page","method":"resources/list","params":%s}`, params))
		res := resultOf(t, p.response("page"))
		list := res["resources"].([]any)
		assert.LessOrEqual(t, len(list), renderPage)
		for _, r := range list {
			uri := r.(map[string]any)["uri"].(string)
			assert.False(t, seen[uri], "listed twice: %s", uri)
			seen[uri] = true
			assert.Equal(t, "image/png", r.(map[string]any)["mimeType"])
		}
		pages++
		next, _ := res["nextCursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	assert.Len(t, seen, n, "every live render, once")
	assert.Equal(t, 3, pages)
}

func resultOf(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	res, ok := m["result"].(map[string]any)
	require.True(t, ok, "not a result: %v", m)
	require.NotEqual(t, true, res["isError"], "tool error: %v", res["content"])
	return res
}

// FuzzTransport feeds arbitrary input to a transport: it never panics or
// hangs, and everything it writes is one JSON-RPC message per line.
func FuzzTransport(f *testing.F) {
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"f","version":"0"}}}` + "\n" +
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_status","arguments":{}}}` + "\n"))
	f.Add([]byte(`{"jsonrpc":"2.0","id":"x","result":{}}` + "\n" + `[{"id":1}]` + "\n" + `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2}}`))
	f.Add([]byte(`{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}` + "\n" + strings.Repeat("x", 5000) + "\n"))
	cfg := Defaults()
	cfg.RenderDir, cfg.Autosave = f.TempDir(), false
	srv, err := New(cfg, "fuzz", nil)
	require.NoError(f, err)
	f.Cleanup(func() { _ = srv.Close() })
	f.Fuzz(func(t *testing.T, in []byte) {
		var out strings.Builder
		tr := newTransport(srv.MCP, srv.Project.Sequencer(), 4096, 2, srv.logger)
		done := make(chan error, 1)
		go func() { done <- tr.Serve(context.Background(), strings.NewReader(string(in)), &lockedWriter{w: &out}) }()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("Serve did not return after the input ended")
		}
		for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
			if line == "" {
				continue
			}
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(line), &m), "output line %q", line)
			assert.Equal(t, "2.0", m["jsonrpc"], line)
		}
	})
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
