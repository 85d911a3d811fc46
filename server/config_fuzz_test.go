package server

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzConfig feeds arbitrary config files, then environment values, to the
// parser. It must never panic, and what it accepts must be usable: every
// duration, size and count positive, whatever the numbers in the file.
func FuzzConfig(f *testing.F) {
	f.Add([]byte("[render]\noutput_dir = /tmp/r\nmax_cache_size = 100M\nttl_seconds = 3600\ncleanup_interval = 300\n"), "GOXEL_RENDER_TTL=60")
	f.Add([]byte("[server]\nautosave = false\nallow_dirs = /a:/b\nlog_level = DEBUG\n[limits]\nmax_scene_voxels = 1000\n"), "GOXEL_MAX_OPEN_SIZE=1G")
	f.Add([]byte("; comment\n# comment\n[render]\nmax_file_size=1Ki\nmax_image_size = 16\n"), "GOXEL_RENDER_MAX_SIZE=9223372036854775807")
	f.Add([]byte("[render]\nttl_seconds = 9223372036854775807\n"), "GOXEL_RENDER_CLEANUP_INTERVAL=9223372036854775807")
	f.Add([]byte("[\n=\n[render\nkey\n"), "GOXEL_MAX_INLINE_BYTES=0")
	f.Fuzz(func(t *testing.T, file []byte, environ string) {
		c := Defaults()
		if err := c.loadINI(bytes.NewReader(file), "fuzz.conf"); err != nil {
			return
		}
		env := map[string]string{}
		for _, kv := range strings.Split(environ, "\n") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
		if err := c.LoadEnv(func(k string) string { return env[k] }); err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			return
		}
		switch {
		case c.RenderTTL <= 0 || c.CleanupInterval <= 0:
			t.Fatalf("accepted durations ttl %v, cleanup %v", c.RenderTTL, c.CleanupInterval)
		case c.RenderMaxSize <= 0 || c.RenderMaxFileSize <= 0 || c.RenderMaxFileSize > c.RenderMaxSize:
			t.Fatalf("accepted sizes %d, %d", c.RenderMaxSize, c.RenderMaxFileSize)
		case c.RenderMaxFiles < 1 || c.MaxImageSize < 16 || c.MaxInlineBytes < 0:
			t.Fatalf("accepted counts %d files, %d px, %d inline", c.RenderMaxFiles, c.MaxImageSize, c.MaxInlineBytes)
		case c.Limits.MaxSceneVoxels < 1 || c.Limits.MaxVoxelsPerCall < 1 || c.Limits.MaxShapeVolume < 1 ||
			c.Limits.MaxFloodFill < 1 || c.Limits.MaxPageSize < 1 || c.Limits.MaxFileSize < 1:
			t.Fatalf("accepted limits %+v", c.Limits)
		}
	})
}

// FuzzParseSize checks that ParseSize never panics and accepts only
// positive sizes that did not overflow.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"1", "100M", "1Ki", "1GiB", " 5 k ", "-1", "0", "9223372036854775807", "8589934591G"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err == nil && (n < 1 || n > 1<<50) {
			t.Fatalf("ParseSize(%q) = %d", s, n)
		}
	})
}
