// Package gosdk drives the goxel-mcp binary with the official Go SDK client
// (github.com/modelcontextprotocol/go-sdk), an independent implementation of
// the protocol from the mcp-go library the server is built on.
//
// It is a module of its own so that go-sdk (which needs a newer
// google/jsonschema-go) stays out of the main module's go.mod. `go test ./...`
// at the repository root does not enter it; .ci/run runs it.
package gosdk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// binary is the goxel-mcp executable built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "goxel-gosdk-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "goxel-mcp")
	// -C ../.. builds with the parent module's go.mod and go.sum.
	cmd := exec.Command("go", "build", "-C", "../..", "-o", binary, "./cmd/goxel-mcp")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "failed to build goxel-mcp:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir) // best effort: a temp dir
	os.Exit(code)
}

// connect starts the binary with private directories and completes the
// handshake; version "" lets the SDK pick its newest.
func connect(t *testing.T, version string, progress func(*mcp.ProgressNotificationParams)) *mcp.ClientSession {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(),
		"GOXEL_RENDER_DIR="+filepath.Join(dir, "renders"),
		"GOXEL_STATE_DIR="+filepath.Join(dir, "state"),
		"HOME="+dir,
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	opts := &mcp.ClientOptions{}
	if progress != nil {
		opts.ProgressNotificationHandler = func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			progress(req.Params)
		}
	}
	c := mcp.NewClient(&mcp.Implementation{Name: "goxel-interop-gosdk", Version: "1.8.0"}, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var sessOpts *mcp.ClientSessionOptions
	if version != "" {
		sessOpts = &mcp.ClientSessionOptions{ProtocolVersion: version}
	}
	cs, err := c.Connect(ctx, &mcp.CommandTransport{Command: cmd}, sessOpts)
	if err != nil {
		t.Fatalf("connect (protocol %q): %v\nserver stderr:\n%s", version, err, stderr.String())
	}
	t.Cleanup(func() {
		_ = cs.Close() // best effort: the server may be gone already
		if t.Failed() {
			t.Logf("server stderr:\n%s", stderr.String())
		}
	})
	return cs
}

func call(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

func text(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// structured decodes res's structuredContent into v, failing on isError.
// Before 2025-06-18 there is none: the JSON is a line of the text.
func structured(t *testing.T, res *mcp.CallToolResult, v any) {
	t.Helper()
	if res.IsError {
		t.Fatalf("isError: %s", text(res))
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if res.StructuredContent == nil {
		for line := range strings.SplitSeq(text(res), "\n") {
			if strings.HasPrefix(line, "{") {
				b = []byte(line)
				break
			}
		}
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("structuredContent %s: %v", b, err)
	}
}

type renderFile struct {
	Path       string `json:"path"`
	URI        string `json:"uri"`
	Size       int    `json:"size"`
	Format     string `json:"format"`
	Checksum   string `json:"checksum"`
	Dimensions struct {
		Width  int `json:"width"`
		Height int `json:"height"`
	} `json:"dimensions"`
	CreatedAt    int64 `json:"created_at"`
	ExpiresAt    int64 `json:"expires_at"`
	TTLRemaining int64 `json:"ttl_remaining"`
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

func TestGoSDK(t *testing.T) {
	for _, tc := range []struct{ name, ask string }{
		{"2024-11-05", "2024-11-05"},
		{"2025-06-18", "2025-06-18"},
		{"newest", ""}, // the SDK's default: its newest version (server/discover first)
	} {
		t.Run(tc.name, func(t *testing.T) {
			var progress atomic.Int32
			progressed := make(chan struct{}, 1)
			cs := connect(t, tc.ask, func(*mcp.ProgressNotificationParams) {
				progress.Add(1)
				select {
				case progressed <- struct{}{}:
				default:
				}
			})
			got := cs.InitializeResult().ProtocolVersion
			t.Logf("negotiated protocol %s (asked %q; the SDK supports %v)", got, tc.ask, mcp.SupportedProtocolVersions())
			if tc.ask != "" && got != tc.ask {
				t.Errorf("negotiated %s, want %s", got, tc.ask)
			}
			if tc.ask == "" && got != mcp.SupportedProtocolVersions()[0] {
				t.Errorf("default handshake negotiated %s, want the SDK's newest %s", got, mcp.SupportedProtocolVersions()[0])
			}

			ctx := context.Background()
			list, err := cs.ListTools(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			tools := map[string]*mcp.Tool{}
			for _, tool := range list.Tools {
				tools[tool.Name] = tool
			}
			for _, name := range []string{"get_status", "fill_shape", "add_voxels", "get_voxel"} {
				if tools[name] == nil {
					t.Errorf("tools/list lacks %s", name)
				}
			}

			var fill struct {
				Changed int `json:"changed"`
			}
			structured(t, call(t, cs, "fill_shape", map[string]any{"shape": "sphere", "center": []int{0, 0, 0}, "radius": 5, "color": "#3080FF"}), &fill)
			if fill.Changed != 515 {
				t.Errorf("fill_shape changed %d voxels, want 515", fill.Changed)
			}
			var status struct {
				Voxels int `json:"voxels"`
			}
			structured(t, call(t, cs, "get_status", nil), &status)
			if status.Voxels != 515 {
				t.Errorf("get_status voxels %d, want 515", status.Voxels)
			}

			t.Run("render", func(t *testing.T) {
				if tools["render_scene"] == nil {
					t.Skip("render_scene not available yet")
				}
				params := &mcp.CallToolParams{Name: "render_scene", Arguments: map[string]any{"width": 128, "height": 96}}
				params.SetProgressToken("gosdk-render")
				rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
				defer cancel()
				res, err := cs.CallTool(rctx, params)
				if err != nil {
					t.Fatal(err)
				}
				var sc struct {
					File renderFile `json:"file"`
				}
				structured(t, res, &sc)
				f := sc.File
				if f.Format != "png" || f.Dimensions.Width != 128 || f.Dimensions.Height != 96 || !strings.HasPrefix(f.URI, "render://") {
					t.Errorf("structuredContent.file = %+v", f)
				}
				if f.ExpiresAt <= f.CreatedAt || f.TTLRemaining <= 0 {
					t.Errorf("created_at %d, expires_at %d, ttl_remaining %d", f.CreatedAt, f.ExpiresAt, f.TTLRemaining)
				}
				if txt := text(res); !strings.Contains(txt, f.Path) || !strings.Contains(txt, f.URI) {
					t.Errorf("text block lacks the path or URI:\n%s", txt)
				}
				var link *mcp.ResourceLink
				var image *mcp.ImageContent
				for _, c := range res.Content {
					switch c := c.(type) {
					case *mcp.ResourceLink:
						link = c
					case *mcp.ImageContent:
						image = c
					}
				}
				if got < "2025-06-18" && (res.StructuredContent != nil || link != nil) {
					t.Errorf("a %s session got structuredContent or a resource_link", got)
				}
				// resource_link joined the content union in 2025-06-18.
				if got >= "2025-06-18" && (link == nil || link.URI != f.URI || link.MIMEType != "image/png") {
					t.Errorf("resource_link = %+v, want %s image/png", link, f.URI)
				}
				if image == nil || !bytes.HasPrefix(image.Data, pngSignature) {
					t.Errorf("auto mode: no inline PNG image block")
				}

				read, err := cs.ReadResource(rctx, &mcp.ReadResourceParams{URI: f.URI})
				if err != nil {
					t.Fatal(err)
				}
				if len(read.Contents) != 1 {
					t.Fatalf("resources/read returned %d contents", len(read.Contents))
				}
				blob := read.Contents[0].Blob
				sum := sha256.Sum256(blob)
				switch {
				case read.Contents[0].MIMEType != "image/png":
					t.Errorf("resources/read mimeType %q", read.Contents[0].MIMEType)
				case !bytes.HasPrefix(blob, pngSignature):
					t.Errorf("resources/read blob is not a PNG")
				case len(blob) != f.Size:
					t.Errorf("resources/read gave %d bytes, file.size %d", len(blob), f.Size)
				case "sha256:"+hex.EncodeToString(sum[:]) != f.Checksum:
					t.Errorf("sha256 of the blob differs from file.checksum %s", f.Checksum)
				}
				// Progress may arrive after the result (mcp-go writes
				// notifications from another goroutine), so only log it.
				t.Logf("progress notifications for a 128x96 render: %d", progress.Load())
			})

			t.Run("cancel", func(t *testing.T) {
				if tools["render_scene"] == nil {
					t.Skip("render_scene not available yet")
				}
				for len(progressed) > 0 {
					<-progressed
				}
				cctx, cancel := context.WithCancel(ctx)
				params := &mcp.CallToolParams{Name: "render_scene", Arguments: map[string]any{
					"width": 8000, "height": 8000, "views": []string{"front", "back", "left", "right", "top", "isometric"},
					"options": map[string]any{"return_mode": "file_path"},
				}}
				params.SetProgressToken("gosdk-cancel")
				done := make(chan error, 1)
				go func() {
					_, err := cs.CallTool(cctx, params)
					done <- err
				}()
				select {
				case <-progressed: // the render has started
				case err := <-done:
					cancel()
					t.Fatalf("the 8000x8000 render ended before it could be cancelled (err %v)", err)
				case <-time.After(10 * time.Second): // no progress: cancel anyway
				}
				cancel()
				if err := <-done; err == nil {
					t.Errorf("a cancelled render_scene returned no error")
				}
				// The server cancelled the render and still serves.
				var status struct {
					Voxels int `json:"voxels"`
				}
				structured(t, call(t, cs, "get_status", nil), &status)
				if status.Voxels != 515 {
					t.Errorf("get_status after cancel: voxels %d, want 515", status.Voxels)
				}
			})
		})
	}
}
