package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func textOf(res *mcp.CallToolResult) string {
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			return t.Text
		}
	}
	return ""
}

func structured(t testing.TB, res *mcp.CallToolResult) map[string]any {
	t.Helper()
	require.False(t, res.IsError, textOf(res))
	var raw []byte
	if len(res.RawStructuredContent) > 0 {
		raw = res.RawStructuredContent
	} else if res.StructuredContent == nil {
		// Before 2025-06-18 there is no structuredContent: its JSON is a
		// line of the text.
		for line := range strings.SplitSeq(textOf(res), "\n") {
			if strings.HasPrefix(line, "{") {
				raw = []byte(line)
				break
			}
		}
		require.NotNil(t, raw, "no JSON in the text: %s", textOf(res))
	} else {
		b, err := json.Marshal(res.StructuredContent)
		require.NoError(t, err)
		raw = b
	}
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

func TestReferenceSceneOverStdio(t *testing.T) {
	for _, version := range []string{"2024-11-05", "2025-06-18", "2025-11-25"} {
		t.Run(version, func(t *testing.T) {
			c := start(t, version, env(t))
			structured(t, call(t, c, "fill_shape", map[string]any{"shape": "box", "from": []int{30, -8, -8}, "to": []int{45, 7, 7}, "color": "#FF8000"}))
			structured(t, call(t, c, "fill_shape", map[string]any{"shape": "sphere", "center": []int{0, 0, 0}, "radius": 20, "color": "#0080FF"}))
			st := structured(t, call(t, c, "get_status", nil))
			assert.EqualValues(t, 37497, st["voxels"])
			v := structured(t, call(t, c, "get_voxel", map[string]any{"position": []int{20, 0, 0}}))
			assert.Equal(t, "#0080FFFF", v["color"])
			structured(t, call(t, c, "undo", nil))
			assert.EqualValues(t, 4096, structured(t, call(t, c, "get_status", nil))["voxels"])
			structured(t, call(t, c, "redo", nil))
			assert.EqualValues(t, 37497, structured(t, call(t, c, "get_status", nil))["voxels"])

			res := call(t, c, "add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 0, "#12"}}})
			assert.True(t, res.IsError)
			assert.Contains(t, textOf(res), "voxels[0].color")
			assert.EqualValues(t, 37497, structured(t, call(t, c, "get_status", nil))["voxels"], "still serving, nothing changed")
		})
	}
}

func TestConcurrentCallsOverStdio(t *testing.T) {
	c := start(t, "2025-06-18", env(t))
	var wg sync.WaitGroup
	errs := make(chan string, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var res *mcp.CallToolResult
			if i%2 == 0 {
				res = call(t, c, "add_voxels", map[string]any{"voxels": []any{[]any{i, 0, 0}}, "color": "#00FF00"})
			} else {
				res = call(t, c, "get_voxels_region", map[string]any{"from": []int{0, 0, 0}, "to": []int{50, 0, 0}})
			}
			if res.IsError {
				errs <- textOf(res)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	assert.EqualValues(t, 25, structured(t, call(t, c, "get_status", nil))["voxels"])
}

// rawServer runs the binary with raw pipes, for checks below the client.
type rawServer struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr *strings.Builder
}

func startRaw(t *testing.T) *rawServer {
	t.Helper()
	cmd := exec.Command(binary)
	cmd.Env = env(t)
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return &rawServer{cmd: cmd, in: in, out: bufio.NewReader(out), stderr: &stderr}
}

func (s *rawServer) send(t *testing.T, msg string) {
	t.Helper()
	_, err := io.WriteString(s.in, msg+"\n")
	require.NoError(t, err)
}

// next reads one line of stdout; it must be a JSON-RPC 2.0 message.
func (s *rawServer) next(t *testing.T) map[string]any {
	t.Helper()
	type line struct {
		s   string
		err error
	}
	ch := make(chan line, 1)
	go func() { l, err := s.out.ReadString('\n'); ch <- line{l, err} }()
	select {
	case l := <-ch:
		require.NoError(t, l.err)
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l.s), &m), "stdout carried a non-JSON line: %q", l.s)
		require.Equal(t, "2.0", m["jsonrpc"], "stdout line is not JSON-RPC: %q", l.s)
		return m
	case <-time.After(20 * time.Second):
		t.Fatal("no answer within 20 s")
		return nil
	}
}

const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}`

func TestStdoutCarriesOnlyProtocolAndBadInputIsAnswered(t *testing.T) {
	s := startRaw(t)
	s.send(t, initialize)
	assert.EqualValues(t, 1, s.next(t)["id"])
	s.send(t, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	s.send(t, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	assert.EqualValues(t, 2, s.next(t)["id"])
	s.send(t, `{"this is not json`)
	m := s.next(t)
	assert.NotNil(t, m["error"], "malformed JSON gets a JSON-RPC error")
	s.send(t, `{"jsonrpc":"2.0","id":3,"method":"no/such/method"}`)
	m = s.next(t)
	assert.EqualValues(t, 3, m["id"])
	assert.NotNil(t, m["error"])
	s.send(t, `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"get_status","arguments":{}}}`)
	m = s.next(t)
	assert.EqualValues(t, 4, m["id"], "the request after bad input is answered")
	assert.Nil(t, m["error"])
}

func TestCleanExit(t *testing.T) {
	for _, how := range []string{"eof", "sigterm", "sigint"} {
		t.Run(how, func(t *testing.T) {
			s := startRaw(t)
			s.send(t, initialize)
			s.next(t)
			begin := time.Now()
			switch how {
			case "eof":
				require.NoError(t, s.in.Close())
			case "sigterm":
				require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
			case "sigint":
				require.NoError(t, s.cmd.Process.Signal(syscall.SIGINT))
			}
			done := make(chan error, 1)
			go func() { done <- s.cmd.Wait() }()
			select {
			case err := <-done:
				assert.NoError(t, err, "exit status 0; stderr: %s", s.stderr.String())
				assert.Less(t, time.Since(begin), exitLimit())
				t.Logf("exited %v after %s", time.Since(begin).Round(time.Millisecond), how)
			case <-time.After(5 * time.Second):
				t.Fatal("server did not exit within 5 s")
			}
		})
	}
}

// BenchmarkReferenceSceneStdio builds the reference scene over stdio with
// add_voxels (every voxel sent) and with fill_shape, reporting ns per voxel.
func BenchmarkReferenceSceneStdio(b *testing.B) {
	var data strings.Builder
	n := 0
	for x := -20; x <= 20; x++ {
		for y := -20; y <= 20; y++ {
			for z := -20; z <= 20; z++ {
				if x*x+y*y+z*z <= 400 {
					fmt.Fprintf(&data, "%d %d %d 0080FF\n", x, y, z)
					n++
				}
			}
		}
	}
	for x := 30; x <= 45; x++ {
		for y := -8; y <= 7; y++ {
			for z := -8; z <= 7; z++ {
				fmt.Fprintf(&data, "%d %d %d FF8000\n", x, y, z)
				n++
			}
		}
	}
	// The same scene as runs along +X: one line per row of voxels.
	var runs strings.Builder
	for z := -20; z <= 20; z++ {
		for y := -20; y <= 20; y++ {
			for x := -20; x <= 20; x++ {
				if x*x+y*y+z*z <= 400 {
					n := 0
					for x+n <= 20 && (x+n)*(x+n)+y*y+z*z <= 400 {
						n++
					}
					fmt.Fprintf(&runs, "%d %d %d %d 0080FF\n", x, y, z, n)
					break
				}
			}
		}
	}
	for z := -8; z <= 7; z++ {
		for y := -8; y <= 7; y++ {
			fmt.Fprintf(&runs, "30 %d %d 16 FF8000\n", y, z)
		}
	}
	c := start(b, "2025-06-18", env(b))
	b.Run("add_voxels_runs", func(b *testing.B) {
		for b.Loop() {
			res := call(b, c, "add_voxels", map[string]any{"runs": runs.String()})
			require.False(b, res.IsError)
			require.EqualValues(b, n, structured(b, res)["changed"])
			call(b, c, "create_project", map[string]any{"force": true})
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/voxel")
	})
	b.Run("add_voxels_data", func(b *testing.B) {
		for b.Loop() {
			res := call(b, c, "add_voxels", map[string]any{"data": data.String()})
			require.False(b, res.IsError)
			call(b, c, "create_project", map[string]any{"force": true})
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/voxel")
	})
	b.Run("fill_shape", func(b *testing.B) {
		for b.Loop() {
			call(b, c, "fill_shape", map[string]any{"shape": "box", "from": []int{30, -8, -8}, "to": []int{45, 7, 7}, "color": "#FF8000"})
			call(b, c, "fill_shape", map[string]any{"shape": "sphere", "center": []int{0, 0, 0}, "radius": 20, "color": "#0080FF"})
			call(b, c, "create_project", map[string]any{"force": true})
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/voxel")
	})
}

// BenchmarkRender400Stdio is the 400×400 render of issue 17 as a host sees it: render_scene of the
// reference scene, file_path, a new background each call so the render cache never answers, timed by
// the client from request to decoded answer. GOXEL_E2E_BIN runs it against another binary (see
// docs/benchmarks.md for old-against-new runs).
func BenchmarkRender400Stdio(b *testing.B) {
	c := start(b, "2025-06-18", env(b))
	call(b, c, "fill_shape", map[string]any{"shape": "sphere", "center": []int{0, 0, 0}, "radius": 20, "color": "#0080FF"})
	call(b, c, "fill_shape", map[string]any{"shape": "box", "from": []int{30, -8, -8}, "to": []int{45, 7, 7}, "color": "#FF8000"})
	req := mcp.CallToolRequest{}
	req.Params.Name = "render_scene"
	var times []time.Duration
	i := 0
	for b.Loop() {
		i++
		req.Params.Arguments = map[string]any{"width": 400, "height": 400, "options": map[string]any{"return_mode": "file_path"},
			"background": fmt.Sprintf("#%02X%02X%02X", 0xC0+(i>>12)&0x3F, 0xC0+(i>>6)&0x3F, 0xC0+i&0x3F)}
		t0 := time.Now()
		res, err := c.CallTool(context.Background(), req)
		times = append(times, time.Since(t0))
		if err != nil || res.IsError {
			b.Fatalf("render_scene: %v %v", err, res)
		}
	}
	// The figure is a median; ns/op is the mean, which a few slow calls on a busy machine pull up.
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
}
