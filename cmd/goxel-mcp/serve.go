package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/goxel-mcp/goxel-mcp/server"
)

// configFlags registers the settings shared by serve and renders on fs and
// returns a function that builds the Config: defaults, then the config
// file, then the environment, then the flags.
func configFlags(fs *flag.FlagSet) func() (server.Config, error) {
	var file string
	var set [][2]string
	fs.StringVar(&file, "config", "", "config `file` in the INI layout of the predecessor's daemon.conf ([render] output_dir, max_cache_size, ttl_seconds, cleanup_interval)")
	str := func(name, key, usage string) {
		fs.Func(name, usage, func(v string) error { set = append(set, [2]string{key, v}); return nil })
	}
	str("render-dir", "dir", "managed render `directory` (env GOXEL_RENDER_DIR; default <user cache dir>/goxel-mcp/renders)")
	str("ttl", "ttl", "render lifetime in `seconds` (env GOXEL_RENDER_TTL; default 3600)")
	str("max-size", "max_size", "byte cap of the render directory, e.g. 1G (env GOXEL_RENDER_MAX_SIZE; default 1 GiB)")
	str("max-files", "max_files", "file-count cap of the render directory (env GOXEL_RENDER_MAX_FILES; default 100)")
	str("max-file-size", "max_file_size", "largest render file, e.g. 100M (env GOXEL_RENDER_MAX_FILE_SIZE; default 100 MiB)")
	str("cleanup-interval", "cleanup_interval", "`seconds` between cleanup sweeps (env GOXEL_RENDER_CLEANUP_INTERVAL; default 300)")
	str("max-image-size", "max_image_size", "longest render edge in pixels (env GOXEL_MAX_IMAGE_SIZE; default 8192)")
	str("max-message-size", "max_message_size", "longest JSON-RPC message read, e.g. 128M (env GOXEL_MAX_MESSAGE_BYTES; default: room for the largest add_voxels call, about 73 MiB)")
	str("allow-dir", "allow_dirs", "extra `directory` where files may be read and written (repeatable; env GOXEL_ALLOW_DIRS)")
	str("state-dir", "state_dir", "`directory` for the autosaved scene (env GOXEL_STATE_DIR; default <user config dir>/goxel-mcp)")
	str("log-level", "log_level", "debug, info, warn or error (env GOXEL_LOG_LEVEL; default info)")
	fs.BoolFunc("disable-file-transfer", "return every render inline and keep no managed file (env GOXEL_DISABLE_FILE_TRANSFER)", func(v string) error {
		set = append(set, [2]string{"disable_file_transfer", v})
		return nil
	})
	fs.BoolFunc("no-autosave", "do not autosave or restore the scene (env GOXEL_AUTOSAVE=false)", func(v string) error {
		if v == "true" {
			v = "false"
		} else {
			v = "true"
		}
		set = append(set, [2]string{"autosave", v})
		return nil
	})
	return func() (server.Config, error) {
		cfg := server.Defaults()
		if file != "" {
			if err := cfg.LoadFile(file); err != nil {
				return cfg, err
			}
		}
		if err := cfg.LoadEnv(os.Getenv); err != nil {
			return cfg, err
		}
		for _, kv := range set {
			if err := cfg.Set(kv[0], kv[1]); err != nil {
				return cfg, fmt.Errorf("--%s: %w", strings.ReplaceAll(kv[0], "_", "-"), err)
			}
		}
		return cfg, cfg.Validate()
	}
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // validated by Config; unknown stays info
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: goxel-mcp [serve] [flags] [DIR ...]\n\nServe MCP over stdio: requests on stdin, responses on stdout, logs on stderr.\nEach DIR is allowed for reading and writing models, as --allow-dir.\n\nFlags:")
		fs.PrintDefaults()
	}
	load := configFlags(fs)
	logFile := fs.String("log-file", "", "write logs to this `file` instead of stderr")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole session to this `file` (for go tool pprof)")
	httpAddr := fs.String("http", "", "serve Streamable HTTP (stateless) at http://`ADDR`/mcp instead of stdio, e.g. 127.0.0.1:8080 (see docs/deploy.md)")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	cfg, err := load()
	if err != nil {
		fmt.Fprintf(stderr, "goxel-mcp: %v\n", err)
		return 2
	}
	// Arguments after the flags are allowed directories, like --allow-dir:
	// a Claude Desktop extension passes the folders the user picked this
	// way (one argument each).
	for _, dir := range fs.Args() {
		if strings.HasPrefix(dir, "-") {
			fmt.Fprintf(stderr, "goxel-mcp serve: flag %q after a directory: put flags before the directories\n", dir)
			return 2
		}
		if unexpanded(dir) {
			continue
		}
		cfg.AllowDirs = append(cfg.AllowDirs, dir)
	}
	if cfg.RenderDir != "" && unexpanded(cfg.RenderDir) {
		cfg.RenderDir = "" // an extension's optional render folder the user left empty
	}
	logOut := stderr
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			fmt.Fprintf(stderr, "goxel-mcp: failed to open log file: %v\n", err)
			return 1
		}
		defer f.Close()
		logOut = f
	}
	logger := newLogger(logOut, cfg.LogLevel)
	if *cpuProfile != "" {
		f, err := os.OpenFile(*cpuProfile, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(stderr, "goxel-mcp: failed to start the CPU profile: %v\n", err)
			return 1
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	if *httpAddr != "" {
		return serveHTTP(*httpAddr, cfg, logger, stderr)
	}
	srv, err := server.New(cfg, version, logger)
	if err != nil {
		fmt.Fprintf(stderr, "goxel-mcp: %v\n", err)
		return 1
	}
	// A handler stuck in a system call may hold what Close waits for: the
	// process exits anyway (a host waits about 2 s after closing stdin).
	defer func() {
		done := make(chan struct{})
		go func() { _ = srv.Close(); close(done) }() // best effort at exit, as before
		select {
		case <-done:
		case <-time.After(200 * time.Millisecond):
			logger.Warn("exiting before the server finished closing")
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger.Info("serving MCP over stdio", "version", version)
	in, restore := pollable(os.Stdin)
	defer restore()
	if err := srv.ServeStdio(ctx, in, stdout); err != nil {
		logger.Error("server stopped", "err", err)
		return 1
	}
	logger.Info("stopped")
	return 0
}

// unexpanded reports a host placeholder left as it was, such as
// "${user_config.render_dir}" for an optional setting the user left empty.
func unexpanded(v string) bool { return strings.HasPrefix(v, "${") && strings.HasSuffix(v, "}") }
