package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// child is one goxel-mcp process driven over its stdin and stdout by
// mcp-go's client, as a host drives it. The harness owns the pipes so it
// can count the bytes the server sends and read its /proc figures.
type child struct {
	cmd     *exec.Cmd
	client  *client.Client
	stdin   io.WriteCloser
	out     *countingReader
	dir     string
	logw    io.Writer
	renders chan time.Duration // handler durations from the server's "render" log lines
	logWG   sync.WaitGroup
	closed  sync.Once
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// startChild runs bin in a fresh temporary working directory with its own
// render and state directories, and completes the MCP handshake.
func startChild(ctx context.Context, bin string, logw io.Writer, args ...string) (*child, error) {
	dir, err := os.MkdirTemp("", "goxel-bench-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GOXEL_RENDER_DIR="+filepath.Join(dir, "renders"),
		"GOXEL_STATE_DIR="+filepath.Join(dir, "state"),
		"GOXEL_LOG_LEVEL=info",
		"HOME="+dir,
	)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(dir) // best effort: our own temp dir
		return nil, fmt.Errorf("failed to start %s: %w", bin, err)
	}
	c := &child{cmd: cmd, stdin: stdin, out: &countingReader{r: stdout}, dir: dir, logw: logw, renders: make(chan time.Duration, 4096)}
	c.logWG.Add(1)
	go c.readLog(stderr, logw)

	tr := transport.NewIO(c.out, stdin, nil)
	c.client = client.NewClient(tr)
	if err := c.client.Start(ctx); err != nil {
		c.close()
		return nil, fmt.Errorf("failed to start the client: %w", err)
	}
	ictx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	req.Params.ClientInfo = mcp.Implementation{Name: "goxel-bench", Version: "0"}
	if _, err := c.client.Initialize(ictx, req); err != nil {
		c.close()
		return nil, fmt.Errorf("failed to initialize: %w", err)
	}
	return c, nil
}

// readLog forwards the server's log to w (when not nil) and picks the
// handler duration out of every "render" line.
func (c *child) readLog(r io.Reader, w io.Writer) {
	defer c.logWG.Done()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if w != nil {
			fmt.Fprintln(w, "server:", line)
		}
		if !strings.Contains(line, "msg=render ") {
			continue
		}
		if d, ok := logDuration(line); ok {
			select {
			case c.renders <- d:
			default: // nobody is reading them now (the concurrency phase)
			}
		}
	}
}

// logDuration reads the duration=... field of a slog text line.
func logDuration(line string) (time.Duration, bool) {
	i := strings.LastIndex(line, " duration=")
	if i < 0 {
		return 0, false
	}
	f := line[i+len(" duration="):]
	if j := strings.IndexByte(f, ' '); j >= 0 {
		f = f[:j]
	}
	d, err := time.ParseDuration(f)
	return d, err == nil
}

// drainRenders forgets handler durations logged so far.
func (c *child) drainRenders() {
	for {
		select {
		case <-c.renders:
		default:
			return
		}
	}
}

// nextRender waits briefly for the handler duration of the render just
// answered: the server logs it before it writes the answer, but the log
// pipe may be read a little later.
func (c *child) nextRender() (time.Duration, bool) {
	select {
	case d := <-c.renders:
		return d, true
	case <-time.After(2 * time.Second):
		return 0, false
	}
}

// call runs one tool and returns its result, failing on a protocol error or
// a tool error.
func (c *child) call(ctx context.Context, name string, args map[string]any) (*mcp.CallToolResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := c.client.CallTool(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if res.IsError {
		return res, fmt.Errorf("%s: tool error: %s", name, textOf(res))
	}
	return res, nil
}

func textOf(res *mcp.CallToolResult) string {
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			return t.Text
		}
	}
	return ""
}

// structured decodes a result's structuredContent into v.
func structured(res *mcp.CallToolResult, v any) error {
	raw := []byte(res.RawStructuredContent)
	if len(raw) == 0 {
		b, err := json.Marshal(res.StructuredContent)
		if err != nil {
			return err
		}
		raw = b
	}
	return json.Unmarshal(raw, v)
}

// received is the number of bytes the server has written to stdout so far.
func (c *child) received() int64 { return c.out.n.Load() }

// memory is the server process's resident memory from /proc/<pid>/status.
type memory struct {
	RSSKiB int64 `json:"rss_kib"` // VmRSS
	HWMKiB int64 `json:"hwm_kib"` // VmHWM: peak RSS since start or the last resetPeak
}

func (c *child) memory() (memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return memory{}, err
	}
	var m memory
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			m.RSSKiB = n
		case "VmHWM":
			m.HWMKiB = n
		}
	}
	if m.RSSKiB == 0 {
		return m, errors.New("no VmRSS in /proc status")
	}
	return m, nil
}

// resetPeak resets VmHWM to the current RSS (Linux clear_refs 5), so the
// next reading is the peak of one phase. It reports whether that worked.
func (c *child) resetPeak() bool {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", c.cmd.Process.Pid), []byte("5"), 0) == nil
}

// close ends the session (stdin EOF), waits for the process and removes
// its directory.
func (c *child) close() { c.closed.Do(c.stop) }

func (c *child) stop() {
	if c.client != nil {
		_ = c.client.Close() // closes stdin; the server exits on EOF
	} else {
		_ = c.stdin.Close()
	}
	// The server exits on EOF; its stderr ends then. Wait reads no more
	// after that, so it comes last.
	logDone := make(chan struct{})
	go func() { c.logWG.Wait(); close(logDone) }()
	select {
	case <-logDone:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill() // our own child, stuck
	}
	_ = c.cmd.Wait()
	_ = os.RemoveAll(c.dir) // best effort: our own temp dir
}
