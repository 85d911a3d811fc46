package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

// registrySchema is the MCP Registry's current server.json schema (its
// pkg/model.CurrentSchemaURL); CI validates our file against it.
const registrySchema = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"

// ociImage is where the container image is published; the Dockerfile
// carries the matching io.modelcontextprotocol.server.name label.
const ociImage = "ghcr.io/goxel-mcp/goxel-mcp"

type bundleAsset struct {
	target target
	name   string
	sha256 string
}

// writeServerJSON writes server.json for the MCP Registry: one mcpb package
// per bundle (the registry requires fileSha256 for those) and the OCI image.
func (b *builder) writeServerJSON(bundles []bundleAsset) error {
	var pkgs []map[string]any
	for _, a := range bundles {
		pkgs = append(pkgs, map[string]any{
			"registryType": "mcpb",
			"identifier":   b.releaseURL + "/" + a.name,
			"version":      b.version,
			"fileSha256":   a.sha256,
			"transport":    map[string]any{"type": "stdio"},
		})
	}
	pkgs = append(pkgs, map[string]any{
		"registryType": "oci",
		"identifier":   ociImage + ":" + b.version,
		"transport":    map[string]any{"type": "stdio"},
		"runtimeHint":  "docker",
		"runtimeArguments": []map[string]any{
			{"type": "named", "name": "-i", "description": "MCP speaks over stdin and stdout"},
			{"type": "named", "name": "-v", "value": "goxel-data:/data", "description": "renders, the autosaved scene and the models live in the /data volume"},
		},
	})
	doc := map[string]any{
		"$schema":     registrySchema,
		"name":        ServerName,
		"title":       "goxel-mcp",
		"description": description,
		"version":     b.version,
		"websiteUrl":  "https://github.com/goxel-mcp/goxel-mcp",
		"repository":  map[string]any{"url": "https://github.com/goxel-mcp/goxel-mcp", "source": "github"},
		"packages":    pkgs,
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(b.out, "server.json"), append(data, '\n'), 0o644)
}

// formula is a Homebrew formula for the release archives of macOS and
// Linux; copy it into a tap as Formula/goxel-mcp.rb.
var formula = template.Must(template.New("formula").Parse(`# Homebrew formula for goxel-mcp {{.Version}}, written by go run ./cmd/dist.
# Copy it into a tap (Formula/goxel-mcp.rb) after uploading the release assets.
class GoxelMcp < Formula
  desc "MCP server that builds voxel models and renders them so an assistant can see them"
  homepage "https://github.com/goxel-mcp/goxel-mcp"
  version "{{.Version}}"

  on_macos do
    on_arm do
      url "{{.URL}}/{{index .Assets "darwin-arm64"}}"
      sha256 "{{index .Sums "darwin-arm64"}}"
    end
    on_intel do
      url "{{.URL}}/{{index .Assets "darwin-amd64"}}"
      sha256 "{{index .Sums "darwin-amd64"}}"
    end
  end

  on_linux do
    on_arm do
      url "{{.URL}}/{{index .Assets "linux-arm64"}}"
      sha256 "{{index .Sums "linux-arm64"}}"
    end
    on_intel do
      url "{{.URL}}/{{index .Assets "linux-amd64"}}"
      sha256 "{{index .Sums "linux-amd64"}}"
    end
  end

  def install
    bin.install "goxel-mcp"
    doc.install "README.md", "NOTICE", "CHANGELOG.md"
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/goxel-mcp version")
  end
end
`))

// writeFormula writes goxel-mcp.rb when the four Unix archives were built.
func (b *builder) writeFormula() error {
	assets, sums := map[string]string{}, map[string]string{}
	for _, t := range []string{"darwin-arm64", "darwin-amd64", "linux-arm64", "linux-amd64"} {
		name := fmt.Sprintf("goxel-mcp-%s-%s.tar.gz", b.version, t)
		sum, ok := b.sums[name]
		if !ok {
			fmt.Fprintf(b.log, "no Homebrew formula: %s was not built\n", name)
			return nil
		}
		assets[t], sums[t] = name, sum
	}
	var s strings.Builder
	if err := formula.Execute(&s, map[string]any{"Version": b.version, "URL": b.releaseURL, "Assets": assets, "Sums": sums}); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(b.out, "goxel-mcp.rb"), []byte(s.String()), 0o644)
}
