package testmodels

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Voxels maps positions to colours: a scene flattened for comparisons.
type Voxels map[voxel.Pos]color.NRGBA

// Merge flattens every layer of s, hidden ones too, upper layers winning.
func Merge(s *voxel.Scene) Voxels {
	out := Voxels{}
	for _, l := range s.Layers() {
		s.Each(l.ID, func(p voxel.Pos, c color.NRGBA) bool {
			out[p] = c
			return true
		})
	}
	return out
}

// Opaque returns m with every alpha set to 255, as text exports show it.
func (m Voxels) Opaque() Voxels {
	out := make(Voxels, len(m))
	for p, c := range m {
		c.A = 255
		out[p] = c
	}
	return out
}

// Digest summarises m modulo a translation: the voxel count, a hash of the
// positions (relative to the minimum corner) with their colours, and a hash
// of the colour multiset.
func (m Voxels) Digest() (count int, shape, colours string) {
	lo := voxel.Pos{}
	first := true
	for p := range m {
		if first {
			lo, first = p, false
		}
		lo = voxel.Pos{X: min(lo.X, p.X), Y: min(lo.Y, p.Y), Z: min(lo.Z, p.Z)}
	}
	lines := make([]string, 0, len(m))
	hist := map[color.NRGBA]int{}
	for p, c := range m {
		lines = append(lines, fmt.Sprintf("%d %d %d %02x%02x%02x%02x", p.X-lo.X, p.Y-lo.Y, p.Z-lo.Z, c.R, c.G, c.B, c.A))
		hist[c]++
	}
	slices.Sort(lines)
	cl := make([]string, 0, len(hist))
	for c, n := range hist {
		cl = append(cl, fmt.Sprintf("%02x%02x%02x%02x %d", c.R, c.G, c.B, c.A, n))
	}
	slices.Sort(cl)
	h1 := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	h2 := sha256.Sum256([]byte(strings.Join(cl, "\n")))
	return len(m), hex.EncodeToString(h1[:8]), hex.EncodeToString(h2[:8])
}

// Goxel returns the goxel binary and skips the test when goxel or
// xvfb-run is not on PATH.
func Goxel(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("goxel checks skipped in -short mode")
	}
	g, err := exec.LookPath("goxel")
	if err != nil {
		t.Skip("goxel not on PATH (apt-get install goxel xvfb xauth): skipping the check against Goxel")
	}
	if _, err := exec.LookPath("xvfb-run"); err != nil {
		t.Skip("xvfb-run not on PATH (apt-get install xvfb xauth): skipping the check against Goxel")
	}
	return g
}

// GoxelRead opens path in Goxel (headless, through xvfb-run), exports it
// as text and returns the voxels Goxel sees, all opaque.
func GoxelRead(t testing.TB, path string) Voxels {
	t.Helper()
	g := Goxel(t)
	out := filepath.Join(t.TempDir(), "goxel-export.txt")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "xvfb-run", "-a", g, path, "--export", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("goxel %s --export: %v\n%s", path, err, b)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatalf("goxel wrote no export for %s: %v", path, err)
	}
	defer f.Close()
	m := Voxels{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		var p voxel.Pos
		var r, g, b uint8
		if _, err := fmt.Sscanf(line, "%d %d %d %02x%02x%02x", &p.X, &p.Y, &p.Z, &r, &g, &b); err != nil {
			t.Fatalf("goxel export line %q: %v", line, err)
		}
		m[p] = color.NRGBA{R: r, G: g, B: b, A: 255}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// Diff describes the first differences between want and got in a few
// lines, or returns "" when they are equal. It is cheap where a generic
// diff of two large maps is not.
func Diff(want, got Voxels) string {
	var b strings.Builder
	if len(want) != len(got) {
		fmt.Fprintf(&b, "got %d voxels, want %d; ", len(got), len(want))
	}
	n := 0
	for p, c := range want {
		if g, ok := got[p]; !ok || g != c {
			if n < 3 {
				fmt.Fprintf(&b, "at %v got %v (present %v), want %v; ", p, g, ok, c)
			}
			n++
		}
	}
	if n > 0 {
		fmt.Fprintf(&b, "%d positions differ", n)
	}
	return b.String()
}

// Equal reports whether got holds exactly the voxels of want, reporting the
// count difference or the first few mismatches on t.
func Equal(t testing.TB, want, got Voxels) bool {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("got %d voxels, want %d", len(got), len(want))
		return false
	}
	bad := 0
	for p, c := range want {
		if g, ok := got[p]; !ok || g != c {
			if bad < 5 {
				t.Errorf("at %v: got %v (present %v), want %v", p, g, ok, c)
			}
			bad++
		}
	}
	return bad == 0
}
