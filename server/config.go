package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/goxel-mcp/goxel-mcp/tools"
)

// Config is everything the server can be told at start-up. Precedence:
// flags > environment > config file > defaults; cmd applies the flags.
type Config struct {
	RenderDir           string        // GOXEL_RENDER_DIR; default <user cache dir>/goxel-mcp/renders
	RenderTTL           time.Duration // GOXEL_RENDER_TTL (seconds), default 1h
	RenderMaxSize       int64         // GOXEL_RENDER_MAX_SIZE, bytes in the render directory, default 1 GiB
	RenderMaxFiles      int           // GOXEL_RENDER_MAX_FILES, default 100
	RenderMaxFileSize   int64         // GOXEL_RENDER_MAX_FILE_SIZE, default 100 MiB
	CleanupInterval     time.Duration // GOXEL_RENDER_CLEANUP_INTERVAL (seconds), default 5 min
	DisableFileTransfer bool          // GOXEL_DISABLE_FILE_TRANSFER: every render inline, no managed file
	MaxImageSize        int           // GOXEL_MAX_IMAGE_SIZE: longest edge in pixels, default 8192
	MaxInlineBytes      int           // GOXEL_MAX_INLINE_BYTES: largest PNG base64 mode returns, default 4 MiB
	MaxMessageBytes     int64         // GOXEL_MAX_MESSAGE_BYTES: longest JSON-RPC line read; 0: fits the largest legal add_voxels call
	AllowDirs           []string      // GOXEL_ALLOW_DIRS (path list): roots besides the working and render directories
	StateDir            string        // GOXEL_STATE_DIR: autosave; default <user config dir>/goxel-mcp
	Autosave            bool          // GOXEL_AUTOSAVE (default true)
	LogFile             string        // --log-file; default stderr
	LogLevel            string        // GOXEL_LOG_LEVEL: debug, info, warn, error
	Limits              tools.Limits
}

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		RenderTTL:         time.Hour,
		RenderMaxSize:     1 << 30,
		RenderMaxFiles:    100,
		RenderMaxFileSize: 100 << 20,
		CleanupInterval:   5 * time.Minute,
		MaxImageSize:      8192,
		MaxInlineBytes:    4 << 20,
		Autosave:          true,
		LogLevel:          "info",
		Limits:            tools.DefaultLimits,
	}
}

// LoadFile applies a config file in the predecessor's INI layout: a
// [render] section with output_dir, max_cache_size, ttl_seconds and
// cleanup_interval (an existing daemon.conf keeps working), plus our own
// keys in [render] and [server].
func (c *Config) LoadFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("failed to open config file: %w", err)
	}
	defer f.Close()
	return c.loadINI(f, path)
}

func (c *Config) loadINI(r io.Reader, name string) error {
	sc := bufio.NewScanner(r)
	section, line := "", 0
	for sc.Scan() {
		line++
		t := strings.TrimSpace(sc.Text())
		if t == "" || t[0] == '#' || t[0] == ';' {
			continue
		}
		if t[0] == '[' && strings.HasSuffix(t, "]") {
			section = strings.ToLower(strings.TrimSpace(t[1 : len(t)-1]))
			continue
		}
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			return fmt.Errorf("%s:%d: expected key = value, got %q", name, line, t)
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.Trim(strings.TrimSpace(v), `"`)
		key := map[string]string{
			"render.output_dir": "dir", "render.max_cache_size": "max_size", "render.ttl_seconds": "ttl",
			"render.cleanup_interval": "cleanup_interval", "render.max_files": "max_files",
			"render.max_file_size": "max_file_size", "render.disable_file_transfer": "disable_file_transfer",
			"render.max_image_size": "max_image_size", "server.state_dir": "state_dir",
			"server.allow_dirs": "allow_dirs", "server.max_message_size": "max_message_size", "server.log_level": "log_level", "server.autosave": "autosave",
			"limits.max_scene_voxels": "max_scene_voxels", "limits.max_voxels_per_call": "max_voxels_per_call",
			"limits.max_shape_volume": "max_shape_volume", "limits.max_flood_fill": "max_flood_fill",
			"limits.max_page_size": "max_page_size", "limits.max_open_size": "max_open_size",
		}[section+"."+k]
		if key == "" {
			continue // unknown keys of the predecessor's file are ignored
		}
		if err := c.set(key, v); err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("failed to read config file: %w", err)
	}
	return nil
}

// envKeys maps environment variables to config keys.
var envKeys = []struct{ env, key string }{
	{"GOXEL_RENDER_DIR", "dir"},
	{"GOXEL_RENDER_TTL", "ttl"},
	{"GOXEL_RENDER_MAX_SIZE", "max_size"},
	{"GOXEL_RENDER_MAX_FILES", "max_files"},
	{"GOXEL_RENDER_MAX_FILE_SIZE", "max_file_size"},
	{"GOXEL_RENDER_CLEANUP_INTERVAL", "cleanup_interval"},
	{"GOXEL_DISABLE_FILE_TRANSFER", "disable_file_transfer"},
	{"GOXEL_MAX_IMAGE_SIZE", "max_image_size"},
	{"GOXEL_MAX_INLINE_BYTES", "max_inline_bytes"},
	{"GOXEL_MAX_MESSAGE_BYTES", "max_message_size"},
	{"GOXEL_ALLOW_DIRS", "allow_dirs"},
	{"GOXEL_STATE_DIR", "state_dir"},
	{"GOXEL_AUTOSAVE", "autosave"},
	{"GOXEL_LOG_LEVEL", "log_level"},
	{"GOXEL_MAX_SCENE_VOXELS", "max_scene_voxels"},
	{"GOXEL_MAX_VOXELS_PER_CALL", "max_voxels_per_call"},
	{"GOXEL_MAX_SHAPE_VOLUME", "max_shape_volume"},
	{"GOXEL_MAX_FLOOD_FILL", "max_flood_fill"},
	{"GOXEL_MAX_PAGE_SIZE", "max_page_size"},
	{"GOXEL_MAX_OPEN_SIZE", "max_open_size"},
}

// LoadEnv applies the GOXEL_* environment variables found by getenv.
func (c *Config) LoadEnv(getenv func(string) string) error {
	for _, e := range envKeys {
		if v := getenv(e.env); v != "" {
			if err := c.set(e.key, v); err != nil {
				return fmt.Errorf("%s: %w", e.env, err)
			}
		}
	}
	return nil
}

// Set applies one setting by its config key (the flag name without dashes,
// as used by cmd).
func (c *Config) Set(key, value string) error { return c.set(key, value) }

func (c *Config) set(key, v string) error {
	seconds := func(dst *time.Duration, min int64) error {
		n, err := strconv.ParseInt(v, 10, 64)
		// Above max, n seconds overflow a time.Duration (found by FuzzConfig).
		if max := int64(math.MaxInt64 / time.Second); err != nil || n < min || n > max {
			return fmt.Errorf("must be a whole number of seconds from %d to %d, got %q", min, max, v)
		}
		*dst = time.Duration(n) * time.Second
		return nil
	}
	bytes := func(dst *int64) error {
		n, err := ParseSize(v)
		if err != nil {
			return err
		}
		*dst = n
		return nil
	}
	count := func(dst *int, lo, hi int) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("must be a whole number from %d to %d, got %q", lo, hi, v)
		}
		*dst = n
		return nil
	}
	boolean := func(dst *bool) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("must be true or false, got %q", v)
		}
		*dst = b
		return nil
	}
	switch key {
	case "dir":
		c.RenderDir = v
	case "ttl":
		return seconds(&c.RenderTTL, 1)
	case "max_size":
		return bytes(&c.RenderMaxSize)
	case "max_files":
		return count(&c.RenderMaxFiles, 1, 1<<20)
	case "max_file_size":
		return bytes(&c.RenderMaxFileSize)
	case "cleanup_interval":
		return seconds(&c.CleanupInterval, 1)
	case "disable_file_transfer":
		return boolean(&c.DisableFileTransfer)
	case "max_image_size":
		return count(&c.MaxImageSize, 16, 16384)
	case "max_inline_bytes":
		var n int64
		if err := bytes(&n); err != nil {
			return err
		}
		c.MaxInlineBytes = int(n)
	case "max_message_size":
		return bytes(&c.MaxMessageBytes)
	case "max_scene_voxels":
		return count(&c.Limits.MaxSceneVoxels, 1, 1<<30)
	case "max_voxels_per_call":
		return count(&c.Limits.MaxVoxelsPerCall, 1, 1<<26)
	case "max_shape_volume":
		n := int(c.Limits.MaxShapeVolume)
		if err := count(&n, 1, 1<<30); err != nil {
			return err
		}
		c.Limits.MaxShapeVolume = int64(n)
	case "max_flood_fill":
		return count(&c.Limits.MaxFloodFill, 1, 1<<28)
	case "max_page_size":
		return count(&c.Limits.MaxPageSize, 1, 1<<20)
	case "max_open_size":
		return bytes(&c.Limits.MaxFileSize)
	case "allow_dirs":
		c.AllowDirs = append(c.AllowDirs, filepath.SplitList(v)...)
	case "state_dir":
		c.StateDir = v
	case "autosave":
		return boolean(&c.Autosave)
	case "log_level":
		switch strings.ToLower(v) {
		case "debug", "info", "warn", "error":
			c.LogLevel = strings.ToLower(v)
		default:
			return fmt.Errorf("must be debug, info, warn or error, got %q", v)
		}
	default:
		return fmt.Errorf("unknown setting %q", key)
	}
	return nil
}

// ParseSize reads a byte count: a plain number, or one with a K, M or G
// suffix (powers of 1024), e.g. "100M".
func ParseSize(v string) (int64, error) {
	s := strings.ToUpper(strings.TrimSpace(v))
	s = strings.TrimSuffix(strings.TrimSuffix(s, "B"), "I")
	mult := int64(1)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'K':
			mult, s = 1<<10, s[:n-1]
		case 'M':
			mult, s = 1<<20, s[:n-1]
		case 'G':
			mult, s = 1<<30, s[:n-1]
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 1 || n > (1<<50)/mult {
		return 0, fmt.Errorf("must be a positive byte count such as 1048576 or 100M, got %q", v)
	}
	return n * mult, nil
}

// Validate checks the configuration as a whole.
func (c *Config) Validate() error {
	var errs []error
	// A small directory cap (an old daemon.conf's max_cache_size, say) also
	// bounds each file: no single render may exceed the whole directory.
	c.RenderMaxFileSize = min(c.RenderMaxFileSize, c.RenderMaxSize)
	if c.MaxImageSize < 16 {
		errs = append(errs, fmt.Errorf("the maximum image size must be at least 16 pixels, got %d", c.MaxImageSize))
	}
	for _, d := range c.AllowDirs {
		if !filepath.IsAbs(d) {
			errs = append(errs, fmt.Errorf("allowed directory %q must be an absolute path", d))
		}
	}
	return errors.Join(errs...)
}

// maxMessageBytes is the longest message the transport reads: as
// configured, or room for the largest legal add_voxels call, MaxVoxelsPerCall
// voxels written as {"x":-1048576,"y":-1048576,"z":-1048576,"color":"#RRGGBBAA"}
// (61 bytes each; 72 leaves room for spaces), plus 1 MiB for the rest.
func (c Config) maxMessageBytes() int {
	if c.MaxMessageBytes > 0 {
		return int(min(c.MaxMessageBytes, 1<<40))
	}
	return 1<<20 + 72*max(c.Limits.MaxVoxelsPerCall, 1)
}
