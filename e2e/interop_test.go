package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// interopDir holds the pinned Node clients (package.json, package-lock.json);
// `npm ci` there installs them into node_modules.
const interopDir = "interop"

// requireInterop returns the node executable, or skips when Node or the
// installed clients are missing. CI sets GOXEL_REQUIRE_INTEROP=1 after
// `npm ci`, which turns the skip into a failure.
func requireInterop(t *testing.T, needs ...string) string {
	t.Helper()
	missing := func(msg string) {
		if os.Getenv("GOXEL_REQUIRE_INTEROP") == "1" {
			t.Fatalf("GOXEL_REQUIRE_INTEROP=1 but %s", msg)
		}
		t.Skipf("skipping: %s (needs Node 20+ and `npm ci` in e2e/interop; CI sets GOXEL_REQUIRE_INTEROP=1 to make this a failure)", msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not on PATH")
	}
	for _, p := range needs {
		if _, err := os.Stat(filepath.Join(interopDir, "node_modules", p)); err != nil {
			missing("e2e/interop/node_modules/" + p + " is missing")
		}
	}
	return node
}

// nodeEnv is this process's environment without goxel settings or HOME,
// plus a private render directory, state directory and HOME.
func nodeEnv(t *testing.T) (environ []string, private []string) {
	private = env(t)
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GOXEL_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		environ = append(environ, kv)
	}
	return append(environ, private...), private
}

// tsSummary is what ts_client.mjs prints for one protocol version.
type tsSummary struct {
	Protocol        string          `json:"protocol"`
	Negotiated      string          `json:"negotiated"`
	Checks          []string        `json:"checks"`
	Failures        []string        `json:"failures"`
	RenderAvailable bool            `json:"renderAvailable"`
	Modes           json.RawMessage `json:"modes"`
	Cancel          json.RawMessage `json:"cancel"`
}

// TestTypeScriptSDK runs the official TypeScript SDK client
// (interop/ts_client.mjs) against the binary, once per protocol version.
func TestTypeScriptSDK(t *testing.T) {
	node := requireInterop(t, "@modelcontextprotocol/sdk/package.json")
	for _, version := range []string{"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"} {
		t.Run(version, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, "ts_client.mjs", binary, "--protocol", version)
			cmd.Dir = interopDir
			cmd.Env, _ = nodeEnv(t)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			runErr := cmd.Run()
			var out struct {
				OK      bool        `json:"ok"`
				Results []tsSummary `json:"results"`
			}
			if err := json.Unmarshal(lastLine(stdout.Bytes()), &out); err != nil || len(out.Results) != 1 {
				t.Fatalf("ts_client.mjs printed no summary (%v, run: %v)\nstdout:\n%s\nstderr:\n%s", err, runErr, stdout.String(), stderr.String())
			}
			s := out.Results[0]
			t.Logf("summary: %s", lastLine(stdout.Bytes()))
			if runErr != nil || !out.OK {
				t.Fatalf("ts_client.mjs failed (%v):\n%s\nstderr:\n%s", runErr, strings.Join(s.Failures, "\n"), stderr.String())
			}
			assert.Equal(t, version, s.Negotiated)
			assert.Subset(t, s.Checks, []string{"initialize", "tools/list", "scene"})
			t.Run("render", func(t *testing.T) {
				if !s.RenderAvailable {
					t.Skip("render_scene not available yet")
				}
				assert.Subset(t, s.Checks, []string{"render auto", "render auto big", "render file_path", "render tools", "render base64", "render error", "cancel", "progress"})
			})
		})
	}
}

// TestInspectorCLI drives the binary with the MCP Inspector's CLI mode, as a
// user following docs/install/inspector.md would. Each invocation starts a
// fresh server on the same render directory.
func TestInspectorCLI(t *testing.T) {
	node := requireInterop(t, ".bin/mcp-inspector")
	environ, private := nodeEnv(t)
	inspector, err := filepath.Abs(filepath.Join(interopDir, "node_modules", ".bin", "mcp-inspector"))
	require.NoError(t, err)

	// run invokes the CLI and decodes its JSON output (the result, or the
	// error envelope when it exits non-zero) into v unless v is nil; it
	// returns the exit code.
	run := func(t *testing.T, v any, args ...string) int {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		// -q keeps stderr to the error envelope: no banners, no server logs.
		full := []string{inspector, "--cli", "-q"}
		for _, kv := range private {
			full = append(full, "-e", kv)
		}
		full = append(full, binary)
		cmd := exec.CommandContext(ctx, node, append(full, args...)...)
		cmd.Env = environ
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
			code = exit.ExitCode()
		} else {
			require.NoError(t, err, "stderr:\n%s", stderr.String())
		}
		// The CLI prints results on stdout and, exiting 1, errors on stderr.
		out := stdout.Bytes()
		if code != 0 {
			out = lastLine(stderr.Bytes())
		}
		if v == nil {
			require.Zero(t, code, "inspector %v exited %d\nstdout:\n%s\nstderr:\n%s", args, code, stdout.String(), stderr.String())
			return code
		}
		require.NoError(t, json.Unmarshal(out, v), "inspector %v printed no JSON (exit %d)\nstdout:\n%s\nstderr:\n%s", args, code, stdout.String(), stderr.String())
		return code
	}

	var list struct {
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	// --strict exits 6 on error-severity schema portability problems
	// (TestInspectorStrictClean checks that it warns about nothing either).
	require.Equal(t, 0, run(t, &list, "--method", "tools/list", "--strict"))
	names := map[string]bool{}
	for _, tool := range list.Tools {
		names[tool.Name] = true
	}
	for _, name := range []string{"create_project", "get_status", "add_voxels", "fill_shape", "get_voxel"} {
		assert.True(t, names[name], "tools/list lacks %s", name)
	}
	// The modern era (2026-07-28, stateless) lists the same tools.
	var modern struct {
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	require.Equal(t, 0, run(t, &modern, "--method", "tools/list", "--protocol-era", "modern"))
	assert.Len(t, modern.Tools, len(list.Tools))

	type callResult struct {
		Content []struct {
			Type     string `json:"type"`
			Text     string `json:"text"`
			URI      string `json:"uri"`
			MIMEType string `json:"mimeType"`
		} `json:"content"`
		StructuredContent json.RawMessage `json:"structuredContent"`
		IsError           bool            `json:"isError"`
	}
	var fill callResult
	require.Equal(t, 0, run(t, &fill, "--method", "tools/call", "--tool-name", "fill_shape",
		"--tool-arg", "shape=sphere", "center=[0,0,0]", "radius=5", `color="#3080FF"`))
	var filled struct {
		Changed int `json:"changed"`
	}
	require.NoError(t, json.Unmarshal(fill.StructuredContent, &filled))
	assert.Equal(t, 515, filled.Changed, "a radius-5 sphere has 515 voxels")

	// The next process restores the autosaved scene (docs/install/inspector.md relies on it).
	var status callResult
	require.Equal(t, 0, run(t, &status, "--method", "tools/call", "--tool-name", "get_status"))
	var st struct {
		Voxels int `json:"voxels"`
	}
	require.NoError(t, json.Unmarshal(status.StructuredContent, &st))
	assert.Equal(t, 515, st.Voxels, "a fresh server process restores the autosaved scene")

	t.Run("render", func(t *testing.T) {
		if !names["render_scene"] {
			t.Skip("render_scene not available yet")
		}
		var templates struct {
			ResourceTemplates []struct {
				URITemplate string `json:"uriTemplate"`
			} `json:"resourceTemplates"`
		}
		require.Equal(t, 0, run(t, &templates, "--method", "resources/templates/list"))
		var uriTemplates []string
		for _, rt := range templates.ResourceTemplates {
			uriTemplates = append(uriTemplates, rt.URITemplate)
		}
		assert.Contains(t, uriTemplates, "render://{id}")

		var render callResult
		require.Equal(t, 0, run(t, &render, "--method", "tools/call", "--tool-name", "render_scene",
			"--tool-args-json", `{"width":64,"height":48,"options":{"return_mode":"file_path"}}`))
		require.False(t, render.IsError, "%+v", render.Content)
		var sc struct {
			File struct {
				Path       string `json:"path"`
				URI        string `json:"uri"`
				Size       int    `json:"size"`
				Checksum   string `json:"checksum"`
				Dimensions struct {
					Width  int `json:"width"`
					Height int `json:"height"`
				} `json:"dimensions"`
			} `json:"file"`
		}
		require.NoError(t, json.Unmarshal(render.StructuredContent, &sc))
		file := sc.File
		assert.Equal(t, 64, file.Dimensions.Width)
		assert.Equal(t, 48, file.Dimensions.Height)
		require.True(t, strings.HasPrefix(file.URI, "render://"), "uri %q", file.URI)
		var types []string
		for _, c := range render.Content {
			types = append(types, c.Type)
			if c.Type == "resource_link" {
				assert.Equal(t, file.URI, c.URI)
				assert.Equal(t, "image/png", c.MIMEType)
			}
		}
		assert.Contains(t, types, "resource_link")
		assert.NotContains(t, types, "image", "file_path mode inlines no image")

		// A new server process reads the render the previous one made.
		var read struct {
			Contents []struct {
				URI      string `json:"uri"`
				MIMEType string `json:"mimeType"`
				Blob     string `json:"blob"`
			} `json:"contents"`
		}
		require.Equal(t, 0, run(t, &read, "--method", "resources/read", "--uri", file.URI))
		require.Len(t, read.Contents, 1)
		assert.Equal(t, "image/png", read.Contents[0].MIMEType)
		blob, err := base64.StdEncoding.DecodeString(read.Contents[0].Blob)
		require.NoError(t, err)
		require.True(t, bytes.HasPrefix(blob, []byte("\x89PNG\r\n\x1a\n")), "not a PNG")
		assert.Len(t, blob, file.Size)
		sum := sha256.Sum256(blob)
		assert.Equal(t, "sha256:"+hex.EncodeToString(sum[:]), file.Checksum)

		// --output-format raw writes the decoded PNG, as docs/install/inspector.md shows.
		out := filepath.Join(t.TempDir(), "render.png")
		require.Equal(t, 0, run(t, nil, "--method", "resources/read", "--uri", file.URI, "--output", out, "--output-format", "raw"))
		saved, err := os.ReadFile(out)
		require.NoError(t, err)
		assert.Equal(t, blob, saved)

		// An unknown render is an error exit with a message, not a hang.
		var failed struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		assert.NotEqual(t, 0, run(t, &failed, "--method", "resources/read", "--uri", "render://render_1_nosuch_00"))
		assert.Contains(t, failed.Error.Message, "render_1_nosuch_00")
	})
}

// lastLine returns the last non-empty line of b.
func lastLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return lines[len(lines)-1]
}

// TestInspectorStrictClean: the Inspector CLI's --strict schema lint finds
// nothing in any tool's input or output schema (no untyped property, no
// type union, no boolean schema), and every tool has a title.
func TestInspectorStrictClean(t *testing.T) {
	node := requireInterop(t, ".bin/mcp-inspector")
	environ, private := nodeEnv(t)
	inspector, err := filepath.Abs(filepath.Join(interopDir, "node_modules", ".bin", "mcp-inspector"))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	full := []string{inspector, "--cli", "-q"}
	for _, kv := range private {
		full = append(full, "-e", kv)
	}
	full = append(full, binary, "--method", "tools/list", "--strict")
	cmd := exec.CommandContext(ctx, node, full...)
	cmd.Env = environ
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "stderr:\n%s", stderr.String())
	assert.NotContains(t, stderr.String(), "Warning:", "the --strict lint warns")
	assert.NotContains(t, stderr.String(), "Error:", "the --strict lint finds errors")
	var list struct {
		Tools []struct {
			Name         string          `json:"name"`
			Title        string          `json:"title"`
			OutputSchema json.RawMessage `json:"outputSchema"`
		} `json:"tools"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &list), stdout.String())
	require.NotEmpty(t, list.Tools)
	for _, tool := range list.Tools {
		assert.NotEmpty(t, tool.Title, "%s has no title", tool.Name)
		assert.NotEmpty(t, tool.OutputSchema, "%s has no outputSchema", tool.Name)
	}
}
