package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/tools"
)

const testVersion = "1.2.3-test.1"

// distOnce builds the release artefacts for this machine's target once.
func distOut(t *testing.T) (string, target) {
	t.Helper()
	host := target{runtime.GOOS, runtime.GOARCH}
	if _, err := parseTarget(host.os + "/" + host.arch); err != nil {
		t.Skipf("no release target for %s", host)
	}
	out := t.TempDir()
	var log bytes.Buffer
	code := run([]string{"--out", out, "--version", "v" + testVersion, "--targets", host.os + "/" + host.arch}, &log, &log)
	require.Equal(t, 0, code, "dist failed:\n%s", log.String())
	return out, host
}

func TestDist(t *testing.T) {
	out, host := distOut(t)
	base := "goxel-mcp-" + testVersion + "-" + host.String()

	// checksums.txt names every asset with its real sha256.
	sums, err := os.ReadFile(filepath.Join(out, "checksums.txt"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(sums)), "\n")
	require.Len(t, lines, 2, "one archive and one bundle")
	for _, line := range lines {
		sum, name, ok := strings.Cut(line, "  ")
		require.True(t, ok, "sha256sum format: %q", line)
		data, err := os.ReadFile(filepath.Join(out, name))
		require.NoError(t, err)
		h := sha256.Sum256(data)
		assert.Equal(t, hex.EncodeToString(h[:]), sum, name)
	}

	// The archive has the binary and the docs under one directory, and the
	// binary reports the release version.
	archive := base + ".tar.gz"
	if host.os == "windows" {
		archive = base + ".zip"
	}
	files := readArchive(t, filepath.Join(out, archive))
	for _, f := range []string{host.exe(), "README.md", "NOTICE", "CHANGELOG.md"} {
		assert.Contains(t, files, base+"/"+f)
	}
	bin := filepath.Join(t.TempDir(), host.exe())
	require.NoError(t, os.WriteFile(bin, files[base+"/"+host.exe()], 0o755))
	v, err := exec.Command(bin, "version").Output()
	require.NoError(t, err)
	assert.Contains(t, string(v), testVersion)

	// server.json lists the bundle with its checksum and the OCI image.
	var sj struct {
		Name     string
		Version  string
		Packages []struct {
			RegistryType, Identifier, FileSha256 string
		}
	}
	data, err := os.ReadFile(filepath.Join(out, "server.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &sj))
	assert.Equal(t, ServerName, sj.Name)
	assert.Equal(t, testVersion, sj.Version)
	require.Len(t, sj.Packages, 2)
	assert.Equal(t, "mcpb", sj.Packages[0].RegistryType)
	assert.True(t, strings.HasSuffix(sj.Packages[0].Identifier, "/"+base+".mcpb"))
	assert.Contains(t, string(sums), sj.Packages[0].FileSha256+"  "+base+".mcpb")
	assert.Equal(t, "oci", sj.Packages[1].RegistryType)
}

func readArchive(t *testing.T, path string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	if strings.HasSuffix(path, ".zip") {
		zr, err := zip.OpenReader(path)
		require.NoError(t, err)
		defer zr.Close()
		for _, f := range zr.File {
			rc, err := f.Open()
			require.NoError(t, err)
			files[f.Name], err = io.ReadAll(rc)
			require.NoError(t, err)
			rc.Close()
		}
		return files
	}
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		files[h.Name], err = io.ReadAll(tr)
		require.NoError(t, err)
	}
	return files
}

// TestBundleStarts unpacks the bundle, starts the server exactly as its
// manifest tells a host to (variables substituted as Claude Desktop does),
// and lists the tools over stdio.
func TestBundleStarts(t *testing.T) {
	out, host := distOut(t)
	dir := t.TempDir()
	zr, err := zip.OpenReader(filepath.Join(out, "goxel-mcp-"+testVersion+"-"+host.String()+".mcpb"))
	require.NoError(t, err)
	defer zr.Close()
	for _, f := range zr.File {
		dst := filepath.Join(dir, filepath.FromSlash(f.Name))
		require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
		rc, err := f.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		require.NoError(t, err)
		rc.Close()
		require.NoError(t, os.WriteFile(dst, data, f.Mode()))
	}
	var m struct {
		ManifestVersion string `json:"manifest_version"`
		Icon            string
		Server          struct {
			Type       string
			EntryPoint string `json:"entry_point"`
			MCPConfig  struct {
				Command string
				Args    []string
				Env     map[string]string
			} `json:"mcp_config"`
		}
		Tools      []manifestTool
		UserConfig map[string]struct{ Type string } `json:"user_config"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &m))
	assert.Equal(t, manifestVersion, m.ManifestVersion)
	assert.Equal(t, "binary", m.Server.Type)
	assert.FileExists(t, filepath.Join(dir, filepath.FromSlash(m.Server.EntryPoint)))
	assert.FileExists(t, filepath.Join(dir, m.Icon))
	assert.Equal(t, "directory", m.UserConfig["allowed_directories"].Type)

	models := t.TempDir()
	expand := func(s string) []string {
		switch s {
		case "${user_config.allowed_directories}":
			return []string{models}
		case "${user_config.render_dir}":
			return []string{"${user_config.render_dir}"} // left empty by the user: the host keeps the placeholder
		}
		return []string{strings.ReplaceAll(s, "${__dirname}", dir)}
	}
	cmd := expand(m.Server.MCPConfig.Command)[0]
	var args []string
	for _, a := range m.Server.MCPConfig.Args {
		args = append(args, expand(a)...)
	}
	env := []string{"HOME=" + t.TempDir(), "XDG_CACHE_HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir()}
	for k, v := range m.Server.MCPConfig.Env {
		env = append(env, k+"="+expand(v)[0])
	}
	c, err := client.NewStdioMCPClient(cmd, env, args...)
	require.NoError(t, err)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "dist-test", Version: "0"}
	info, err := c.Initialize(ctx, init)
	require.NoError(t, err)
	assert.Equal(t, testVersion, info.ServerInfo.Version)
	list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	require.NoError(t, err)
	// A host without MCP Apps sees the tools for the model, not the viewer's.
	var want []mcp.Tool
	for _, st := range tools.All(tools.Deps{Project: tools.NewProject(), Limits: tools.DefaultLimits}) {
		if tools.ModelVisible(st.Tool) {
			want = append(want, st.Tool)
		}
	}
	assert.Len(t, list.Tools, len(want))
	assert.Len(t, m.Tools, len(want), "the manifest lists every tool")

	// The folder the user picked is allowed; a sibling is not.
	call := func(name string, a map[string]any) *mcp.CallToolResult {
		req := mcp.CallToolRequest{}
		req.Params.Name, req.Params.Arguments = name, a
		res, err := c.CallTool(ctx, req)
		require.NoError(t, err)
		return res
	}
	res := call("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{2, 2, 2}, "color": "#FF0000"})
	require.False(t, res.IsError)
	res = call("save_project", map[string]any{"path": filepath.Join(models, "cube.vox")})
	require.False(t, res.IsError, "saving into the picked folder: %v", res.Content)
	assert.FileExists(t, filepath.Join(models, "cube.vox"))
	outside := t.TempDir()
	res = call("save_project", map[string]any{"path": filepath.Join(outside, "cube.vox")})
	assert.True(t, res.IsError, "a folder the user did not pick is refused")
	assert.NoFileExists(t, filepath.Join(outside, "cube.vox"))
}

// TestServerJSONSchema validates server.json against the MCP Registry's
// published schema, read from the registry's own Go module (the version
// pinned here), so the check needs the module proxy, not the web.
func TestServerJSONSchema(t *testing.T) {
	out, _ := distOut(t)
	cmd := exec.Command("go", "mod", "download", "-json", "github.com/modelcontextprotocol/registry@v1.8.9")
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	raw, err := cmd.Output()
	if err != nil {
		if os.Getenv("GOXEL_REQUIRE_INTEROP") != "" {
			t.Fatalf("failed to download the registry module for its schema: %v", err)
		}
		t.Skipf("the registry module is not reachable (%v); CI runs this with the module proxy", err)
	}
	var mod struct{ Dir string }
	require.NoError(t, json.Unmarshal(raw, &mod))
	version := strings.TrimSuffix(filepath.Base(filepath.Dir(registrySchema)), "/")
	schemaPath := filepath.Join(mod.Dir, "internal", "validators", "schemas", version+".json")
	sf, err := os.Open(schemaPath)
	require.NoError(t, err, "the registry module has no schema %s", version)
	defer sf.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(sf)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	require.NoError(t, c.AddResource(registrySchema, schemaDoc))
	sch, err := c.Compile(registrySchema)
	require.NoError(t, err)
	f, err := os.Open(filepath.Join(out, "server.json"))
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	assert.NoError(t, sch.Validate(doc))

	// The schema is strict enough to catch a mistake we could make.
	bad := doc.(map[string]any)
	bad["name"] = "no-slash"
	assert.Error(t, sch.Validate(bad), "a name without a namespace must fail")
}
