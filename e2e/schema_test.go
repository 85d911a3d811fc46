package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
)

// outputSchemas holds the compiled outputSchema of every tool, by name, as
// the binary lists them (the same for every server these tests start).
var outputSchemas sync.Map

// checkOutput validates a successful result's structuredContent against
// its tool's outputSchema, so every structured result the e2e tests see is
// checked as a client that validates would check it.
func checkOutput(t testing.TB, c *client.Client, name string, res *mcp.CallToolResult) {
	t.Helper()
	if res == nil || res.IsError || res.StructuredContent == nil {
		return
	}
	v, ok := outputSchemas.Load(name)
	if !ok {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
		require.NoError(t, err)
		for _, tool := range list.Tools {
			if tool.OutputSchema.Type == "" {
				continue
			}
			b, err := json.Marshal(tool.OutputSchema)
			require.NoError(t, err)
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			require.NoError(t, err)
			comp := jsonschema.NewCompiler()
			url := "mem://" + tool.Name + ".json"
			require.NoError(t, comp.AddResource(url, doc))
			sch, err := comp.Compile(url)
			require.NoError(t, err, "%s's outputSchema compiles", tool.Name)
			outputSchemas.LoadOrStore(tool.Name, sch)
		}
		if v, ok = outputSchemas.Load(name); !ok {
			t.Fatalf("%s returned structuredContent but lists no outputSchema", name)
		}
	}
	b, err := json.Marshal(res.StructuredContent)
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	require.NoError(t, v.(*jsonschema.Schema).Validate(inst), "%s: structuredContent does not match its outputSchema:\n%s", name, b)
}
