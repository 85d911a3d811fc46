package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/goxel-mcp/goxel-mcp/server"
	"github.com/goxel-mcp/goxel-mcp/storage"
	"github.com/goxel-mcp/goxel-mcp/tools"
)

func runRenders(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("renders", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, `Usage: goxel-mcp renders ls|info ID|rm ID|gc [flags]

Inspect and clean the managed render directory (the same settings as serve).
  ls        list live renders, newest first
  info ID   show one render (ID, render://ID or its path)
  rm ID     delete one render
  gc        remove expired renders, over-cap renders and stale temporary files

Flags:`)
		fs.PrintDefaults()
	}
	load := configFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if code := parseFlags(fs, reorder(args)); code >= 0 {
		return code
	}
	if fs.NArg() < 1 {
		return usageError(stderr, fs, "give an action: ls, info, rm or gc")
	}
	switch fs.Arg(0) {
	case "ls", "gc":
		if fs.NArg() > 1 {
			return usageError(stderr, fs, "%s takes no argument, got %q", fs.Arg(0), fs.Arg(1))
		}
	case "info", "rm":
		if fs.NArg() != 2 {
			return usageError(stderr, fs, "%s takes one render id, render:// URI or path", fs.Arg(0))
		}
	default:
		return usageError(stderr, fs, "unknown action %q: use ls, info, rm or gc", fs.Arg(0))
	}
	cfg, err := load()
	if err != nil {
		fmt.Fprintf(stderr, "goxel-mcp renders: %v\n", err)
		return 2
	}
	cfg.CleanupInterval = -1 // no janitor for a one-shot command
	st, err := server.OpenStore(cfg, newLogger(stderr, "warn"))
	if err != nil {
		fmt.Fprintf(stderr, "goxel-mcp renders: %v\n", err)
		return 1
	}
	defer st.Close()
	emit := func(v any, text func()) {
		if *asJSON {
			b, _ := json.MarshalIndent(v, "", "  ") // plain records always marshal
			fmt.Fprintln(stdout, string(b))
			return
		}
		text()
	}
	ref := func() (storage.Record, bool) {
		a := strings.TrimPrefix(fs.Arg(1), "render://")
		var rec storage.Record
		var err error
		if storage.ValidID(a) {
			rec, err = st.Get(a)
		} else {
			rec, err = st.ResolvePath(a)
		}
		if err != nil {
			fmt.Fprintf(stderr, "goxel-mcp renders: %v\n", err)
			return rec, false
		}
		return rec, true
	}
	now := time.Now()
	switch fs.Arg(0) {
	case "ls":
		recs := st.List()
		// The JSON is list_renders' structuredContent: the same names, Unix times.
		files := make([]tools.FileInfo, 0, len(recs))
		var size int64
		for _, r := range recs {
			files = append(files, tools.RenderFile(r, now))
			size += r.Size
		}
		listing := map[string]any{"count": len(recs), "total_size": size, "renders": files, "directory": st.Dir()}
		emit(listing, func() {
			tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSIZE\tPIXELS\tCREATED\tEXPIRES IN")
			var total int64
			for _, r := range recs {
				total += r.Size
				fmt.Fprintf(tw, "%s\t%d\t%dx%d\t%s\t%s\n", r.ID, r.Size, r.Width, r.Height, r.CreatedAt.Local().Format(time.DateTime), r.TTLRemaining(now).Round(time.Second))
			}
			tw.Flush()
			fmt.Fprintf(stdout, "%d renders, %d bytes in %s\n", len(recs), total, st.Dir())
		})
	case "info":
		rec, ok := ref()
		if !ok {
			return 1
		}
		emit(map[string]any{"file": tools.RenderFile(rec, now)}, func() {
			fmt.Fprintf(stdout, "id:       %s\npath:     %s\nuri:      render://%s\nsize:     %d bytes\npixels:   %dx%d\nchecksum: %s\ncreated:  %s\nexpires:  %s (in %s)\n",
				rec.ID, rec.Path, rec.ID, rec.Size, rec.Width, rec.Height, rec.Checksum,
				rec.CreatedAt.Local().Format(time.RFC3339), rec.ExpiresAt.Local().Format(time.RFC3339), rec.TTLRemaining(now).Round(time.Second))
		})
	case "rm":
		rec, ok := ref()
		if !ok {
			return 1
		}
		freed, err := st.Remove(rec.ID)
		if err != nil {
			fmt.Fprintf(stderr, "goxel-mcp renders rm: %v\n", err)
			return 1
		}
		emit(map[string]any{"removed": rec.Path, "uri": tools.RenderURIPrefix + rec.ID, "freed_bytes": freed}, func() { fmt.Fprintf(stdout, "removed %s (%d bytes)\n", rec.ID, freed) })
	case "gc":
		n, freed, err := st.GC()
		if err != nil {
			fmt.Fprintf(stderr, "goxel-mcp renders gc: %v\n", err)
			return 1
		}
		emit(map[string]any{"removed": n, "freed_bytes": freed}, func() { fmt.Fprintf(stdout, "removed %d renders, freed %d bytes\n", n, freed) })
	}
	return 0
}
