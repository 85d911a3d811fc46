package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// instruction is one Dockerfile instruction with continuations joined.
type instruction struct {
	cmd, args string
	stage     int // index of the FROM it belongs to
}

func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []instruction
	stage := -1
	var cur strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		full := strings.Join(strings.Fields(cur.String()), " ")
		cur.Reset()
		cmd, args, _ := strings.Cut(full, " ")
		cmd = strings.ToUpper(cmd)
		if cmd == "FROM" {
			stage++
		}
		out = append(out, instruction{cmd: cmd, args: args, stage: stage})
	}
	require.NoError(t, sc.Err())
	require.Zero(t, cur.Len(), "Dockerfile ends inside a continuation")
	return out
}

// TestDockerfile checks what a `docker build` cannot check here (there is no
// Docker engine in CI): the image builds ./cmd/goxel-mcp statically with the
// module's Go version, runs it as a non-root user speaking stdio, and keeps
// renders and state in the /data volume.
func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t, "../Dockerfile")
	var froms []instruction
	for _, in := range ins {
		if in.cmd == "FROM" {
			froms = append(froms, in)
		}
	}
	require.GreaterOrEqual(t, len(froms), 2, "a multi-stage build")
	last := len(froms) - 1
	assert.Equal(t, "gcr.io/distroless/static-debian12:nonroot", froms[last].args)

	// The builder's Go matches go.mod's language version.
	mod, err := os.ReadFile("../go.mod")
	require.NoError(t, err)
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
	require.NotNil(t, goVersion)
	builder := regexp.MustCompile(`^golang:(\d+\.\d+)\S* AS (\S+)$`).FindStringSubmatch(froms[0].args)
	require.NotNil(t, builder, "first stage %q: want golang:<version> AS <name>", froms[0].args)
	assert.Equal(t, string(goVersion[1]), builder[1], "builder Go version vs go.mod")
	stageName := builder[2]

	var build, final []instruction
	for _, in := range ins {
		switch in.stage {
		case 0:
			build = append(build, in)
		case last:
			final = append(final, in)
		}
	}
	built := false
	for _, in := range build {
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			built = true
			assert.Contains(t, in.args, "CGO_ENABLED=0")
			assert.Contains(t, in.args, "-trimpath")
			assert.Contains(t, in.args, "-X main.version=")
			assert.Regexp(t, `\./cmd/goxel-mcp$`, in.args)
		}
	}
	assert.True(t, built, "the build stage runs go build")

	got := map[string][]string{}
	for _, in := range final {
		got[in.cmd] = append(got[in.cmd], in.args)
	}
	assert.Equal(t, []string{`["/goxel-mcp"]`}, got["ENTRYPOINT"], "exec form, so stdio reaches the server directly")
	assert.Empty(t, got["CMD"], "no CMD: no arguments means serve over stdio")
	require.Len(t, got["USER"], 1)
	assert.NotRegexp(t, `^(root|0)(:|$)`, got["USER"][0])
	assert.Equal(t, []string{"/data"}, got["VOLUME"])
	assert.Equal(t, []string{"/data"}, got["WORKDIR"], "the working directory is an allowed directory: the volume, never /")
	assert.Equal(t, []string{`io.modelcontextprotocol.server.name="` + registryName + `"`}, got["LABEL"], "the MCP Registry matches the image by this label")
	env := strings.Join(got["ENV"], " ")
	assert.Contains(t, env, "GOXEL_RENDER_DIR=/data/renders")
	assert.Contains(t, env, "GOXEL_STATE_DIR=/data/state")
	copied := false
	for _, c := range got["COPY"] {
		if strings.Contains(c, "--from="+stageName) && strings.HasSuffix(c, " /goxel-mcp") {
			copied = true
		}
	}
	assert.True(t, copied, "the final stage copies the binary from the %s stage to /goxel-mcp", stageName)

	// .dockerignore must not drop a directory the binary is built from.
	ignore, err := os.ReadFile("../.dockerignore")
	require.NoError(t, err)
	ignored := map[string]bool{}
	for _, line := range strings.Split(string(ignore), "\n") {
		line = strings.Trim(strings.TrimSpace(line), "/")
		if line != "" && !strings.HasPrefix(line, "#") {
			ignored[line] = true
		}
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		assert.False(t, ignored[f], ".dockerignore drops %s", f)
	}
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.Dir}}", "../cmd/goxel-mcp").Output()
	require.NoError(t, err)
	for _, dir := range strings.Fields(string(out)) {
		rel, err := filepath.Rel(root, dir)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue // the standard library or the module cache
		}
		top := strings.Split(filepath.ToSlash(rel), "/")[0]
		assert.False(t, ignored[top], ".dockerignore drops %s, which ./cmd/goxel-mcp imports", rel)
	}
	dockerImage(t)
}

// registryName is our name in the MCP Registry (cmd/dist's server.json).
const registryName = "io.github.goxel-mcp/goxel-mcp"

// dockerImage builds the image where a Docker engine is available and
// checks what `docker inspect` says: entrypoint, label, working directory
// and user, as the docs describe them.
func dockerImage(t *testing.T) {
	if _, err := exec.LookPath("docker"); err != nil {
		t.Log("no docker on PATH: the image itself was not built (the Dockerfile was checked above)")
		return
	}
	if err := exec.Command("docker", "info").Run(); err != nil {
		t.Log("docker has no engine here: the image itself was not built")
		return
	}
	tag := "goxel-mcp-test:" + strconv.FormatInt(time.Now().UnixNano(), 36)
	out, err := exec.Command("docker", "build", "-q", "-t", tag, "..").CombinedOutput()
	require.NoError(t, err, "docker build: %s", out)
	defer exec.Command("docker", "rmi", "-f", tag).Run() // best effort
	out, err = exec.Command("docker", "inspect", "--format", "{{json .Config}}", tag).Output()
	require.NoError(t, err)
	var cfg struct {
		Entrypoint []string
		WorkingDir string
		User       string
		Labels     map[string]string
	}
	require.NoError(t, json.Unmarshal(out, &cfg))
	assert.Equal(t, []string{"/goxel-mcp"}, cfg.Entrypoint)
	assert.Equal(t, "/data", cfg.WorkingDir)
	assert.Equal(t, registryName, cfg.Labels["io.modelcontextprotocol.server.name"])
	assert.NotEqual(t, "root", cfg.User)
}
