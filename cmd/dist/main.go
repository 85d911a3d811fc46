// Command dist builds goxel-mcp's release artefacts into one directory:
// static binaries for six targets, a release archive and a Claude Desktop
// extension (.mcpb) per target, a checksums file, the MCP Registry's
// server.json and a Homebrew formula.
//
//	go run ./cmd/dist --out dist [--version 1.2.3] [--targets linux/amd64,...]
//
// It needs only Go and git: no Node, no GoReleaser. `mcpb validate` and
// `mcpb pack` check its output in CI (.ci/run).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dist", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "output `directory` (created; required)")
	ver := fs.String("version", "", "release `version` (default: from git describe; a v prefix is dropped)")
	targets := fs.String("targets", strings.Join(defaultTargets, ","), "comma-separated `os/arch` list")
	base := fs.String("release-url", defaultReleaseURL, "`URL` the release assets are downloaded from ({version} is replaced)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "dist: --out DIR is required and no other arguments are taken")
		fs.Usage()
		return 2
	}
	v := *ver
	if v == "" {
		var err error
		if v, err = gitVersion(); err != nil {
			fmt.Fprintf(stderr, "dist: %v (pass --version)\n", err)
			return 1
		}
	}
	v = strings.TrimPrefix(v, "v")
	if !semver.MatchString(v) {
		fmt.Fprintf(stderr, "dist: version %q is not a semantic version such as 1.2.3 or 1.2.3-rc.1\n", v)
		return 2
	}
	var ts []target
	for _, s := range strings.Split(*targets, ",") {
		t, err := parseTarget(s)
		if err != nil {
			fmt.Fprintf(stderr, "dist: --targets: %v\n", err)
			return 2
		}
		ts = append(ts, t)
	}
	b := builder{out: *out, version: v, releaseURL: strings.ReplaceAll(*base, "{version}", v), log: stdout}
	if err := b.all(ts); err != nil {
		fmt.Fprintf(stderr, "dist: %v\n", err)
		return 1
	}
	return 0
}

// semver is the form the .mcpb manifest and server.json expect.
var semver = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

const defaultReleaseURL = "https://github.com/goxel-mcp/goxel-mcp/releases/download/v{version}"

// gitVersion is the newest tag (v1.2.3 → 1.2.3), or 0.0.0-<commit> on an
// untagged tree, with +dirty for uncommitted changes.
func gitVersion() (string, error) {
	out, err := exec.Command("git", "describe", "--tags", "--always", "--dirty=+dirty").Output()
	if err != nil {
		return "", fmt.Errorf("failed to read the version from git: %w", err)
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	if semver.MatchString(v) {
		return v, nil
	}
	// "1.2.3-4-gabc" (commits after a tag) is semver already; a bare hash
	// is not.
	hash, dirty := strings.CutSuffix(v, "+dirty")
	v = "0.0.0-" + strings.ReplaceAll(hash, "+", ".")
	if dirty {
		v += "+dirty"
	}
	return v, nil
}

type target struct{ os, arch string }

var defaultTargets = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"}

func parseTarget(s string) (target, error) {
	o, a, ok := strings.Cut(strings.TrimSpace(s), "/")
	known := map[string]bool{"linux": true, "darwin": true, "windows": true}
	if !ok || !known[o] || (a != "amd64" && a != "arm64") {
		return target{}, fmt.Errorf("unknown target %q: use linux, darwin or windows with amd64 or arm64, e.g. linux/amd64", s)
	}
	return target{o, a}, nil
}

func (t target) String() string { return t.os + "-" + t.arch }

// exe is the binary's file name on the target.
func (t target) exe() string {
	if t.os == "windows" {
		return "goxel-mcp.exe"
	}
	return "goxel-mcp"
}

// mcpbPlatform is the target's name in a manifest (Node's process.platform).
func (t target) mcpbPlatform() string {
	if t.os == "windows" {
		return "win32"
	}
	return t.os
}

// repoRoot is where go build runs: the module root above this command.
func repoRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("failed to find the module: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run dist inside the goxel-mcp module")
	}
	return filepath.Dir(mod), nil
}
