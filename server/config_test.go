package server

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigPrecedenceAndPredecessorFile(t *testing.T) {
	c := Defaults()
	ini := `# the predecessor's daemon.conf
[daemon]
socket_path = /tmp/goxel.sock
[render]
output_dir = /var/cache/goxel
max_cache_size = 500M
ttl_seconds = 120
cleanup_interval = 30
[limits]
max_scene_voxels = 1000
`
	require.NoError(t, c.loadINI(strings.NewReader(ini), "daemon.conf"))
	assert.Equal(t, "/var/cache/goxel", c.RenderDir)
	assert.Equal(t, int64(500<<20), c.RenderMaxSize)
	assert.Equal(t, 2*time.Minute, c.RenderTTL)
	assert.Equal(t, 30*time.Second, c.CleanupInterval)
	assert.Equal(t, 1000, c.Limits.MaxSceneVoxels)

	env := map[string]string{"GOXEL_RENDER_TTL": "60", "GOXEL_RENDER_DIR": "/env/dir", "GOXEL_ALLOW_DIRS": "/a:/b", "GOXEL_MAX_PAGE_SIZE": "77"}
	require.NoError(t, c.LoadEnv(func(k string) string { return env[k] }))
	assert.Equal(t, time.Minute, c.RenderTTL, "environment beats the file")
	assert.Equal(t, "/env/dir", c.RenderDir)
	assert.Equal(t, []string{"/a", "/b"}, c.AllowDirs)
	assert.Equal(t, 77, c.Limits.MaxPageSize)
	require.NoError(t, c.Set("ttl", "5"))
	assert.Equal(t, 5*time.Second, c.RenderTTL, "flags beat the environment")
}

func TestConfigErrors(t *testing.T) {
	for _, tt := range []struct{ key, val, want string }{
		{"ttl", "0", "seconds"},
		{"max_size", "-5", "byte count"},
		{"max_files", "lots", "whole number"},
		{"log_level", "loud", "debug, info"},
		{"max_image_size", "100000", "16 to 16384"},
	} {
		c := Defaults()
		err := c.Set(tt.key, tt.val)
		require.Error(t, err, tt.key)
		assert.Contains(t, err.Error(), tt.want)
	}
	c := Defaults()
	err := c.loadINI(strings.NewReader("[render]\nttl_seconds\n"), "x.conf")
	assert.ErrorContains(t, err, "x.conf:2")
	c.RenderMaxSize = 20 << 20 // smaller than the default per-file cap
	c.AllowDirs = []string{"relative"}
	err = c.Validate()
	assert.ErrorContains(t, err, "absolute path")
	assert.Equal(t, int64(20<<20), c.RenderMaxFileSize, "the per-file cap follows a smaller directory cap")
	c.AllowDirs = nil
	assert.NoError(t, c.Validate())
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1024": 1024, "100M": 100 << 20, "1G": 1 << 30, "64k": 64 << 10, "2GiB": 2 << 30} {
		got, err := ParseSize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "0", "-1", "1T", "abc"} {
		_, err := ParseSize(in)
		assert.Error(t, err, in)
	}
}
