package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestTypeScriptSDKLegacy runs the TypeScript SDK 1.12.3 (protocol
// 2025-03-26, pinned as mcp-sdk-legacy beside the current SDK) through
// render_scene in auto, file_path and base64 modes. That SDK throws on a
// resource_link block and on a declared outputSchema without structured
// content, so this fails if either reaches a 2025-03-26 client.
func TestTypeScriptSDKLegacy(t *testing.T) {
	node := requireInterop(t, "mcp-sdk-legacy/package.json")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "ts_legacy_client.mjs", binary)
	cmd.Dir = interopDir
	cmd.Env, _ = nodeEnv(t)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var out struct {
		OK         bool     `json:"ok"`
		SDK        string   `json:"sdk"`
		Negotiated string   `json:"negotiated"`
		Checks     []string `json:"checks"`
		Failures   []string `json:"failures"`
	}
	if err := json.Unmarshal(lastLine(stdout.Bytes()), &out); err != nil {
		t.Fatalf("ts_legacy_client.mjs printed no summary (%v, run: %v)\nstdout:\n%s\nstderr:\n%s", err, runErr, stdout.String(), stderr.String())
	}
	t.Logf("summary: %s", lastLine(stdout.Bytes()))
	if runErr != nil || !out.OK {
		t.Fatalf("ts_legacy_client.mjs failed (%v):\n%s\nstderr:\n%s", runErr, strings.Join(out.Failures, "\n"), stderr.String())
	}
	assert.Equal(t, "1.12.3", out.SDK)
	assert.Equal(t, "2025-03-26", out.Negotiated)
	assert.Subset(t, out.Checks, []string{"initialize", "tools/list", "scene", "render auto", "render file_path", "render base64"})
}
