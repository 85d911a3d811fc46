package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// proc is the binary on raw pipes, for protocol checks below any client.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	in     io.WriteCloser
	lines  chan map[string]any
	stderr *syncBuffer
	exited chan error
}

func startProc(t *testing.T, dir string, environ []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env, cmd.Dir = environ, dir
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	p := &proc{t: t, cmd: cmd, in: in, lines: make(chan map[string]any, 4096), stderr: &syncBuffer{}, exited: make(chan error, 1)}
	cmd.Stderr = p.stderr
	require.NoError(t, cmd.Start())
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil || m["jsonrpc"] != "2.0" {
				m = map[string]any{"not-json-rpc": sc.Text()}
			}
			p.lines <- m
		}
		close(p.lines)
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return p
}

func (p *proc) send(lines ...string) {
	p.t.Helper()
	_, err := io.WriteString(p.in, strings.Join(lines, "\n")+"\n")
	require.NoError(p.t, err)
}

// next returns the next message on stdout.
func (p *proc) next(d time.Duration) map[string]any {
	p.t.Helper()
	select {
	case m, ok := <-p.lines:
		require.True(p.t, ok, "stdout closed; stderr:\n%s", p.stderr.String())
		require.NotContains(p.t, m, "not-json-rpc", "stdout carries only JSON-RPC")
		return m
	case <-time.After(d):
		p.t.Fatalf("no message within %v; stderr:\n%s", d, p.stderr.String())
		return nil
	}
}

// response returns the response to id, skipping notifications.
func (p *proc) response(id any) map[string]any {
	p.t.Helper()
	for {
		m := p.next(60 * time.Second)
		if _, ok := m["method"]; ok {
			continue
		}
		require.Equal(p.t, fmt.Sprint(id), fmt.Sprint(m["id"]), "unexpected message %v", m)
		return m
	}
}

func (p *proc) initialize(version string) {
	p.t.Helper()
	p.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":%q,"capabilities":{},"clientInfo":{"name":"e2e-raw","version":"0"}}}`, version),
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	require.Contains(p.t, p.response("init"), "result")
}

func (p *proc) rssKB() int64 {
	p.t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		p.t.Skipf("no /proc on this system: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			require.NoError(p.t, err)
			return n
		}
	}
	p.t.Fatal("no VmRSS")
	return 0
}

func resultOf(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	res, ok := m["result"].(map[string]any)
	require.True(t, ok, "not a result: %v", m)
	require.NotEqual(t, true, res["isError"], "tool error: %v", res["content"])
	return res
}

// TestPipelinedRenderSeesTheEdit writes an edit and a render in one write,
// as a model's host may pipeline them, 200 times on one connection: the
// render always shows the edit and both report the same revision.
func TestPipelinedRenderSeesTheEdit(t *testing.T) {
	p := startProc(t, t.TempDir(), env(t))
	p.initialize("2025-11-25")
	const rounds = 200
	for i := range rounds {
		p.send(
			fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"add_voxels","arguments":{"voxels":[[%d,0,0,"#FF8000"]]}}}`, 2*i, i),
			fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"render_scene","arguments":{"width":32,"height":24,"options":{"return_mode":"file_path"}}}}`, 2*i+1))
		got := map[float64]map[string]any{}
		for len(got) < 2 {
			m := p.next(60 * time.Second)
			if id, ok := m["id"].(float64); ok {
				got[id] = m
			}
		}
		edit := resultOf(t, got[float64(2*i)])["structuredContent"].(map[string]any)
		render := resultOf(t, got[float64(2*i+1)])["structuredContent"].(map[string]any)
		require.EqualValues(t, i+1, render["render"].(map[string]any)["voxels"], "round %d: the render shows the edit sent before it", i)
		require.Equal(t, edit["revision"], render["revision"], "round %d: both describe the same revision", i)
	}
}

// TestResultsByProtocolVersion checks that a 2025-03-26 session sees no
// resource_link, structuredContent or outputSchema anywhere, and that a
// 2025-11-25 session still gets all three.
func TestResultsByProtocolVersion(t *testing.T) {
	for _, version := range []string{"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"} {
		t.Run(version, func(t *testing.T) {
			modern := version >= "2025-06-18"
			p := startProc(t, t.TempDir(), env(t))
			p.initialize(version)
			p.send(`{"jsonrpc":"2.0","id":"list","method":"tools/list"}`)
			withSchema := 0
			for _, tool := range resultOf(t, p.response("list"))["tools"].([]any) {
				if _, ok := tool.(map[string]any)["outputSchema"]; ok {
					withSchema++
				}
			}
			if modern {
				assert.Positive(t, withSchema, "render_scene declares its output schema")
			} else {
				assert.Zero(t, withSchema, "no outputSchema before 2025-06-18")
			}
			calls := []string{
				`{"name":"fill_shape","arguments":{"shape":"box","from":[0,0,0],"to":[3,3,3],"color":"#FF0000"}}`,
				`{"name":"get_status","arguments":{}}`,
				`{"name":"render_scene","arguments":{"width":64,"height":48}}`,
				`{"name":"render_scene","arguments":{"width":80,"height":60,"options":{"return_mode":"file_path"}}}`,
				`{"name":"render_scene","arguments":{"width":40,"height":30,"options":{"return_mode":"base64"}}}`,
				`{"name":"list_renders","arguments":{}}`,
			}
			for i, params := range calls {
				p.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":%s}`, i, params))
				res := resultOf(t, p.response(i))
				var types []string
				text := ""
				for _, c := range res["content"].([]any) {
					c := c.(map[string]any)
					types = append(types, c["type"].(string))
					if c["type"] == "text" {
						text += c["text"].(string)
					}
				}
				_, hasStructured := res["structuredContent"]
				if !modern {
					assert.NotContains(t, types, "resource_link", params)
					assert.False(t, hasStructured, params)
					assert.NotEmpty(t, text, params)
					if strings.Contains(params, "get_status") {
						assert.Contains(t, text, `"voxels":64`, "the text carries what structuredContent had")
					}
				} else {
					assert.True(t, hasStructured, params)
				}
				if strings.Contains(params, "render_scene") && !strings.Contains(params, "base64") {
					assert.Contains(t, text, "render://", "%s: the text keeps the URI", params)
					assert.Contains(t, text, ".png", "%s: the text keeps the path", params)
					if modern {
						assert.Contains(t, types, "resource_link", params)
					}
				}
				if strings.Contains(params, `"width":64`) {
					assert.Contains(t, types, "image", "auto keeps its inline image in every version")
				}
			}
		})
	}
}

// TestCancelledRequestGetsNoResponseOverStdio cancels a running render with
// notifications/cancelled: no response to it ever comes, and the server
// goes on serving.
func TestCancelledRequestGetsNoResponseOverStdio(t *testing.T) {
	p := startProc(t, t.TempDir(), env(t))
	p.initialize("2025-11-25")
	p.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"fill_shape","arguments":{"shape":"sphere","center":[0,0,0],"radius":30,"color":"#3080FF"}}}`)
	p.response(1)
	p.send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"render_scene","_meta":{"progressToken":"r"},"arguments":{"width":8000,"height":8000,"views":["front","back","left","right","top","isometric"],"options":{"return_mode":"file_path"}}}}`)
	for m := p.next(30 * time.Second); m["method"] != "notifications/progress"; m = p.next(30 * time.Second) {
		require.NotEqual(t, float64(2), m["id"], "the render finished before it could be cancelled")
	}
	p.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2,"reason":"e2e"}}`,
		`{"jsonrpc":"2.0","id":3,"method":"ping"}`)
	deadline := time.After(3 * time.Second)
	pinged := false
	for {
		select {
		case m := <-p.lines:
			assert.NotEqual(t, float64(2), m["id"], "the cancelled render was answered: %v", m)
			pinged = pinged || m["id"] == float64(3)
			continue
		case <-deadline:
		}
		break
	}
	assert.True(t, pinged, "the server answers after the cancellation")
	p.send(`{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"render://unknown"}}`)
	res := p.response(4)
	assert.EqualValues(t, mcp.RESOURCE_NOT_FOUND, res["error"].(map[string]any)["code"])
}

// TestOversizedMessageMemory sends a 100 MB line with the default limit:
// it is refused with an error carrying its id, never held whole, and the
// process stays small.
func TestOversizedMessageMemory(t *testing.T) {
	p := startProc(t, t.TempDir(), env(t))
	p.initialize("2025-11-25")
	before := p.rssKB()
	body := strings.Repeat("1 2 3 FF0000\\n", 100<<20/14)
	done := make(chan error, 1)
	go func() {
		_, err := io.WriteString(p.in, `{"jsonrpc":"2.0","method":"tools/call","params":{"name":"add_voxels","arguments":{"data":"`+body+`"}},"id":"huge"}`+"\n")
		done <- err
	}()
	res := p.response("huge")
	require.NoError(t, <-done)
	msg := res["error"].(map[string]any)["message"].(string)
	assert.Contains(t, msg, "over the limit")
	after := p.rssKB()
	t.Logf("RSS %d KiB before, %d KiB after a 100 MB line", before, after)
	if os.Getenv("GOXEL_E2E_RACE") != "1" { // the race detector's shadow memory is not handed back
		assert.Less(t, after-before, int64(32<<10), "the line's memory was handed back")
	}
	p.send(`{"jsonrpc":"2.0","id":5,"method":"ping"}`)
	assert.Contains(t, p.response(5), "result")
}

// TestMaxMessageSizeSettings: the flag and the environment variable both
// set the limit; a line within it is served.
func TestMaxMessageSizeSettings(t *testing.T) {
	for name, setup := range map[string]struct {
		env  []string
		args []string
	}{
		"flag": {args: []string{"--max-message-size", "100K"}},
		"env":  {env: []string{"GOXEL_MAX_MESSAGE_BYTES=102400"}},
	} {
		t.Run(name, func(t *testing.T) {
			p := startProc(t, t.TempDir(), append(env(t), setup.env...), setup.args...)
			p.initialize("2025-11-25")
			line := func(id string, n int) string {
				return `{"jsonrpc":"2.0","id":"` + id + `","method":"tools/call","params":{"name":"add_voxels","arguments":{"data":"` +
					strings.Repeat("1 2 3 FF0000\\n", n) + `"}}}`
			}
			p.send(line("small", 5000)) // about 70 KB
			resultOf(t, p.response("small"))
			p.send(line("big", 10000)) // about 140 KB
			res := p.response("big")
			assert.Contains(t, res["error"].(map[string]any)["message"], "limit of 102400 bytes")
		})
	}
}
