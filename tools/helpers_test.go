package tools_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/tools"
)

// harness is an MCP server with the tools and an in-process client.
type harness struct {
	t       *testing.T
	c       *client.Client
	deps    tools.Deps
	project *tools.Project
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	d := tools.Deps{Project: tools.NewProject(), Limits: tools.DefaultLimits}
	return newHarnessWith(t, d)
}

func newHarnessWith(t *testing.T, d tools.Deps) *harness {
	t.Helper()
	srv := mcpserver.NewMCPServer("test", "0", mcpserver.WithToolCapabilities(false), mcpserver.WithRecovery(),
		mcpserver.WithResourceCapabilities(false, true))
	srv.AddTools(tools.All(d)...)
	srv.AddResourceTemplate(tools.RenderTemplate(d))
	c, err := client.NewInProcessClient(srv)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, c.Start(ctx))
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	req.Params.ClientInfo = mcp.Implementation{Name: "test", Version: "0"}
	_, err = c.Initialize(ctx, req)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return &harness{t: t, c: c, deps: d, project: d.Project}
}

// call runs a tool and returns the raw result.
func (h *harness) call(name string, args map[string]any) *mcp.CallToolResult {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := h.c.CallTool(ctx, req)
	require.NoError(h.t, err, "tool %s returned a protocol error", name)
	checkOutput(h.t, name, res)
	return res
}

// outputSchemas are the compiled output schemas of every tool, by name.
var outputSchemas = sync.OnceValues(func() (map[string]*jsonschema.Schema, error) {
	out := map[string]*jsonschema.Schema{}
	c := jsonschema.NewCompiler()
	for _, st := range tools.All(tools.Deps{Project: tools.NewProject(), Limits: tools.DefaultLimits}) {
		if st.Tool.RawOutputSchema == nil {
			continue
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(st.Tool.RawOutputSchema))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", st.Tool.Name, err)
		}
		url := "mem://" + st.Tool.Name + ".json"
		if err := c.AddResource(url, doc); err != nil {
			return nil, err
		}
		sch, err := c.Compile(url)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", st.Tool.Name, err)
		}
		out[st.Tool.Name] = sch
	}
	return out, nil
})

// declaredOutputs are the top-level properties of every tool's output schema.
var declaredOutputs = sync.OnceValue(func() map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, st := range tools.All(tools.Deps{Project: tools.NewProject(), Limits: tools.DefaultLimits}) {
		var s struct {
			Properties map[string]any `json:"properties"`
		}
		if st.Tool.RawOutputSchema != nil && json.Unmarshal(st.Tool.RawOutputSchema, &s) == nil {
			out[st.Tool.Name] = s.Properties
		}
	}
	return out
})

// undeclared collects tool.field for result fields missing from the schema.
var undeclared sync.Map

// validated counts the structured results checked against their tool's
// output schema, by tool, over the whole test run.
var validated sync.Map

// checkOutput validates every successful structured result the tests see
// against the tool's declared outputSchema.
func checkOutput(t *testing.T, name string, res *mcp.CallToolResult) {
	t.Helper()
	if res == nil || res.IsError || res.StructuredContent == nil {
		return
	}
	schemas, err := outputSchemas()
	require.NoError(t, err, "output schemas must compile")
	sch, ok := schemas[name]
	require.True(t, ok, "%s returns structuredContent but declares no outputSchema (add it to tools/meta.go)", name)
	b, err := json.Marshal(res.StructuredContent)
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	require.NoError(t, sch.Validate(inst), "%s: structuredContent does not match its outputSchema:\n%s", name, b)
	// every top-level field a result carries is declared, so a host that
	// reads the schema (or generates types from it) knows the field exists
	declared := declaredOutputs()[name]
	if m, ok := inst.(map[string]any); ok {
		for k := range m {
			if _, ok := declared[k]; !ok {
				undeclared.Store(name+"."+k, true)
			}
		}
	}
	n, _ := validated.LoadOrStore(name, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
}

// ok runs a tool that must succeed and decodes its structured content.
func (h *harness) ok(name string, args map[string]any) map[string]any {
	h.t.Helper()
	res := h.call(name, args)
	require.False(h.t, res.IsError, "%s failed: %s", name, text(res))
	return structuredOf(h.t, res)
}

// fail runs a tool that must fail and returns its message.
func (h *harness) fail(name string, args map[string]any) string {
	h.t.Helper()
	res := h.call(name, args)
	require.True(h.t, res.IsError, "%s should have failed, got: %s", name, text(res))
	return text(res)
}

func text(res *mcp.CallToolResult) string {
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			return t.Text
		}
	}
	return ""
}

func structuredOf(t *testing.T, res *mcp.CallToolResult) map[string]any {
	t.Helper()
	var raw []byte
	switch v := res.StructuredContent.(type) {
	case json.RawMessage:
		raw = v
	default:
		b, err := json.Marshal(v)
		require.NoError(t, err)
		raw = b
	}
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m), "structured content: %s", raw)
	return m
}

func num(t *testing.T, m map[string]any, key string) int {
	t.Helper()
	v, ok := m[key].(float64)
	require.True(t, ok, "%s missing or not a number in %v", key, m)
	return int(v)
}
