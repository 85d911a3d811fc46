package script_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Example is one program of docs/scripting.md under its ### heading.
type Example struct {
	Title string
	Code  string
}

var fence = regexp.MustCompile("(?s)### ([^\n]+)\n.*?```python\n(.*?)```")

// docExamples returns the examples of docs/scripting.md.
func docExamples(t *testing.T) []Example {
	t.Helper()
	b, err := os.ReadFile("../docs/scripting.md")
	require.NoError(t, err)
	var out []Example
	for _, m := range fence.FindAllStringSubmatch(string(b), -1) {
		out = append(out, Example{Title: m[1], Code: m[2]})
	}
	return out
}

// Every worked example of docs/scripting.md runs and builds what it says.
func TestDocsExamples(t *testing.T) {
	examples := docExamples(t)
	require.GreaterOrEqual(t, len(examples), 4)
	want := map[string]int{ // at least this many voxels
		"Terrain with trees":     50_000,
		"A castle":               100_000,
		"A spiral staircase":     5_000,
		"A sphere-shell planet":  10_000,
		"Half a house, mirrored": 1_000,
	}
	for _, ex := range examples {
		t.Run(ex.Title, func(t *testing.T) {
			s := voxel.New()
			res := mustRun(t, s, ex.Code)
			n, ok := want[ex.Title]
			require.True(t, ok, "example %q has no expectation here", ex.Title)
			assert.Greater(t, s.Count(), n)
			assert.Equal(t, s.Count(), res.Changes.Added)
			assert.NotEmpty(t, res.Output)
			assert.Less(t, len(ex.Code), 4096, "an example fits in one small call")
			t.Logf("%s: %d voxels, %d steps, %d bytes of code; %s", ex.Title, s.Count(), res.Steps, len(ex.Code), strings.TrimSpace(res.Output))
		})
	}
}
