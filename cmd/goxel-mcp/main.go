// Command goxel-mcp is an MCP server that edits voxel scenes and renders
// them in-process. With no arguments it serves MCP over stdio.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// without it, the build info says (see buildVersion).
var version = ""

func init() {
	if version == "" {
		version = buildVersion(debug.ReadBuildInfo())
	}
}

// buildVersion is the version the go command stamped into the binary: the
// module version of `go install …@v1.2.3` (or the pseudo-version of a
// build in a git checkout), else the VCS revision with "-dirty" for
// uncommitted changes, else "dev".
func buildVersion(info *debug.BuildInfo, ok bool) string {
	if !ok || info == nil {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev string
	var dirty bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}

type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"serve", "serve MCP over stdio (the default)", runServe},
		{"render", "render a .vox/.gox/.txt model to a PNG", runRender},
		{"convert", "convert between voxel and mesh formats by extension", runConvert},
		{"renders", "inspect and clean the managed render directory (ls, info, rm, gc)", runRenders},
		{"version", "print the version", runVersion},
	}
}

// gcPercent is the collector's GOGC unless the environment sets one. The server's live heap is small
// and steady (buffer pools, the inline-image cache, the scene: 10-13 MB while rendering 4K), so the
// default 100 lets a third of its peak RSS be the collector's headroom; 50 halves that (goxel-bench
// and docs/benchmarks.md, "Session 8: the heap's share of the 4K peak").
const gcPercent = 50

func main() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "--version", "-version", "-v":
			return runVersion(args[1:], stdout, stderr)
		}
	}
	if len(args) == 0 || (len(args[0]) > 0 && args[0][0] == '-' && args[0] != "-h" && args[0] != "--help" && args[0] != "-help") {
		return runServe(args, stdout, stderr)
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help" {
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "goxel-mcp: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// usageError says in one line what is wrong, then shows the command's
// usage; it returns the usage exit code, 2.
func usageError(stderr io.Writer, fs *flag.FlagSet, format string, a ...any) int {
	fmt.Fprintf(stderr, "goxel-mcp %s: %s\n\n", fs.Name(), fmt.Sprintf(format, a...))
	fs.Usage()
	return 2
}

// setFlags returns the names of the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// extList writes extensions for a message: ".gox, .txt, .vox".
func extList(exts []string) string { return strings.Join(exts, ", ") }

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: goxel-mcp [command] [flags]   (goxel-mcp --version prints the version)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'goxel-mcp <command> --help' for a command's flags.")
}

// parseFlags parses fs and turns --help into exit code 0 and a flag error
// into exit code 2. It returns -1 to go on.
func parseFlags(fs *flag.FlagSet, args []string) int {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		return 2
	}
	return -1
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, fs, "unexpected argument %q", fs.Arg(0))
	}
	fmt.Fprintf(stdout, "goxel-mcp %s\n", version)
	return 0
}
