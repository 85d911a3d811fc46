// Package toolsnap compares a tool's JSON definition with a committed
// snapshot, so that every change to a tool's public schema shows up as a
// reviewed diff. UPDATE_TOOLSNAPS=true rewrites the snapshots.
package toolsnap

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// Dir is where snapshots live, relative to the test's package directory.
const Dir = "__toolsnaps__"

// Test fails t when tool's JSON differs from Dir/<name>.snap, or when the
// snapshot is missing; with UPDATE_TOOLSNAPS=true it writes the snapshot.
func Test(t *testing.T, tool mcp.Tool) {
	t.Helper()
	got, err := json.MarshalIndent(tool, "", "  ")
	if err != nil {
		t.Fatalf("failed to marshal tool %s: %v", tool.Name, err)
	}
	got = append(got, '\n')
	path := filepath.Join(Dir, tool.Name+".snap")
	if os.Getenv("UPDATE_TOOLSNAPS") == "true" {
		if err := os.MkdirAll(Dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no snapshot for tool %s (%v): run UPDATE_TOOLSNAPS=true go test ./tools/ and review the new file", tool.Name, err)
	}
	if !bytes.Equal(normalize(t, want), normalize(t, got)) {
		t.Errorf("tool %s differs from %s; if the change is intended, run UPDATE_TOOLSNAPS=true go test ./tools/ and review the diff.\n--- snapshot\n%s\n--- now\n%s", tool.Name, path, want, got)
	}
}

// normalize re-indents JSON so formatting alone never fails a comparison.
func normalize(t *testing.T, b []byte) []byte {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("invalid snapshot JSON: %v", err)
	}
	out, _ := json.MarshalIndent(v, "", "  ") // re-marshalling decoded JSON cannot fail
	return out
}
