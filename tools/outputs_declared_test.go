package tools_test

import (
	"fmt"
	"os"
	"sort"
	"testing"
)

// TestMain fails the run when any result the tests saw carried a top-level
// structuredContent field that its tool's outputSchema does not declare.
func TestMain(m *testing.M) {
	code := m.Run()
	var missing []string
	undeclared.Range(func(k, _ any) bool { missing = append(missing, k.(string)); return true })
	sort.Strings(missing)
	if len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "structuredContent fields not declared in the tool's outputSchema (tools/meta.go): %v\n", missing)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}
