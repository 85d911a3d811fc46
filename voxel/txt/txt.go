// Package txt reads and writes Goxel's text format: one voxel per line.
//
//	# comment lines start with '#'
//	X Y Z RRGGBB
//
// X, Y and Z are decimal integers (Z up, right-handed, as in Goxel and the
// scene model, so no axis is swapped) and RRGGBB is the colour in
// hexadecimal. Blank lines are skipped; fields are separated by spaces or
// tabs and anything after the fourth field is ignored, as Goxel does.
// The format has no alpha and no layers: Decode builds one layer of opaque
// voxels, and Encode writes the visible layers merged (upper layers win),
// dropping alpha, like Goxel's own "Export as text". Goxel 0.11's export
// also leaves out voxels whose alpha is below 127; Encode writes them.
//
// Decode reads line by line, rejects lines longer than MaxLineLength and
// coordinates beyond ±MaxCoord (the scene budget's extent), and caps what
// it builds with Limits. Its errors name the line and the field that is
// wrong, never the file's content, which may be anything.
package txt

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/color"
	"io"
	"strconv"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

const (
	// MaxLineLength is the longest line Decode accepts, in bytes.
	MaxLineLength = 4096
	// MaxCoord bounds the absolute value of a coordinate: the scene
	// budget's extent.
	MaxCoord = voxel.MaxCoord
)

// Limits bounds what Decode builds from one file.
type Limits struct {
	// MaxVoxels caps the voxel lines read.
	MaxVoxels int
	// MaxBlocks caps the 16×16×16 blocks the scene may hold (16 KiB each).
	MaxBlocks int
}

// DefaultLimits is what Decode uses: the scene budget's 32 Mi voxels and
// 8 Ki blocks (128 MiB of voxel storage).
var DefaultLimits = Limits{MaxVoxels: voxel.DefaultBudget.MaxVoxels, MaxBlocks: voxel.DefaultBudget.MaxBlocks}

// FormatError reports that the input is not a valid text voxel file.
type FormatError string

func (e FormatError) Error() string { return "txt: invalid format: " + string(e) }

// UnsupportedError reports valid input beyond what this package supports.
type UnsupportedError string

func (e UnsupportedError) Error() string { return "txt: unsupported feature: " + string(e) }

// Config describes a file without building its scene.
type Config struct {
	Voxels int       // voxel lines
	Box    voxel.Box // bounding box of the voxel lines
	// Blocks counts the 16×16×16 blocks the voxel lines fall in, up to
	// one more than the default scene budget allows.
	Blocks int
}

// DecodeConfig reads the whole input, checking every line, but keeps only
// the voxel count, bounding box and block count.
func DecodeConfig(r io.Reader) (Config, error) {
	return decodeConfig(context.Background(), r, voxel.DefaultBudget.MaxBlocks)
}

func decodeConfig(ctx context.Context, r io.Reader, maxBlocks int) (Config, error) {
	cfg := Config{Box: voxel.EmptyBox}
	blocks := map[voxel.Pos]struct{}{}
	last, hasLast := voxel.Pos{}, false
	err := scan(ctx, r, func(p voxel.Pos, _ color.NRGBA) error {
		cfg.Voxels++
		cfg.Box = cfg.Box.Extend(p)
		if bp := (voxel.Pos{X: p.X >> 4, Y: p.Y >> 4, Z: p.Z >> 4}); (!hasLast || bp != last) && len(blocks) <= maxBlocks {
			blocks[bp] = struct{}{}
			last, hasLast = bp, true
		}
		return nil
	})
	cfg.Blocks = len(blocks)
	return cfg, err
}

// Decode reads a text voxel file into a new one-layer scene with
// DefaultLimits.
func Decode(r io.Reader) (*voxel.Scene, error) { return DecodeLimits(r, DefaultLimits) }

// DecodeLimits is Decode with caller-chosen limits.
func DecodeLimits(r io.Reader, lim Limits) (*voxel.Scene, error) {
	return DecodeContext(context.Background(), r, lim)
}

// DecodeContext is DecodeLimits that stops with ctx's error once ctx is
// done (checked every few thousand lines).
func DecodeContext(ctx context.Context, r io.Reader, lim Limits) (*voxel.Scene, error) {
	// Input that can be read twice (a file, bytes) is first counted, so a
	// sparse file is refused before its blocks fill memory.
	if rs, ok := r.(io.ReadSeeker); ok {
		start, err := rs.Seek(0, io.SeekCurrent)
		if err == nil {
			maxBlocks := min(lim.MaxBlocks, voxel.DefaultBudget.MaxBlocks)
			cfg, err := decodeConfig(ctx, rs, maxBlocks)
			if err != nil {
				return nil, err
			}
			if cfg.Blocks > maxBlocks {
				return nil, UnsupportedError(fmt.Sprintf("the file's voxels occupy more than %d blocks of 16×16×16 voxels, more than a scene may hold", maxBlocks))
			}
			if _, err := rs.Seek(start, io.SeekStart); err != nil {
				return nil, fmt.Errorf("failed to read text voxels: %w", err)
			}
		}
	}
	s := voxel.NewEmpty()
	layer := s.AddLayer(voxel.DefaultLayerName)
	b := newBuilder(s, lim)
	if err := scan(ctx, r, func(p voxel.Pos, c color.NRGBA) error { return b.Set(layer, p, c) }); err != nil {
		if errors.Is(err, voxel.ErrBudget) {
			return nil, fmt.Errorf("txt: %w", err)
		}
		return nil, err
	}
	return s, nil
}

func scan(ctx context.Context, r io.Reader, fn func(voxel.Pos, color.NRGBA) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxLineLength)
	line := 0
	var fields [4][]byte
	for sc.Scan() {
		line++
		if line&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 || text[0] == '#' {
			continue
		}
		n := 0
		for rest := text; len(rest) > 0 && n < len(fields); n++ {
			i := bytes.IndexAny(rest, " \t")
			if i < 0 {
				fields[n], rest = rest, nil
				continue
			}
			fields[n] = rest[:i]
			rest = bytes.TrimLeft(rest[i:], " \t")
		}
		if n < len(fields) {
			return FormatError(fmt.Sprintf("line %d: want 4 fields \"X Y Z RRGGBB\", got %d", line, n))
		}
		var xyz [3]int
		for i := range xyz {
			v, err := strconv.Atoi(string(fields[i]))
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return FormatError(fmt.Sprintf("line %d: %c (field %d) is not a decimal integer", line, "XYZ"[i], i+1))
			}
			if err != nil || v < -MaxCoord || v > MaxCoord {
				return FormatError(fmt.Sprintf("line %d: %c (field %d) is outside the allowed extent of ±%d", line, "XYZ"[i], i+1, MaxCoord))
			}
			xyz[i] = v
		}
		c, ok := parseHex(fields[3])
		if !ok {
			return FormatError(fmt.Sprintf("line %d: the colour (field 4) is not 6 hexadecimal digits RRGGBB", line))
		}
		if err := fn(voxel.Pos{X: xyz[0], Y: xyz[1], Z: xyz[2]}, c); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return FormatError(fmt.Sprintf("line %d is longer than %d bytes", line+1, MaxLineLength))
		}
		return fmt.Errorf("failed to read text voxels: %w", err)
	}
	return nil
}

// parseHex reads Goxel's "RRGGBB" (no alpha).
func parseHex(b []byte) (color.NRGBA, bool) {
	if len(b) != 6 {
		return color.NRGBA{}, false
	}
	return voxel.ParseHex(b)
}

// header is what Encode writes first; Goxel skips lines whose first
// space-separated token is "#".
const header = "# goxel-mcp\n# One line per voxel\n# X Y Z RRGGBB\n"

// Encode writes the scene's visible layers merged, one line per voxel in
// a deterministic order.
func Encode(w io.Writer, s *voxel.Scene) error {
	return EncodeSnapshot(w, s.Snapshot())
}

// EncodeSnapshot writes a snapshot's voxels, one line per voxel.
func EncodeSnapshot(w io.Writer, snap *voxel.Snapshot) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString(header); err != nil {
		return fmt.Errorf("failed to write text voxels: %w", err)
	}
	const digits = "0123456789abcdef"
	var line []byte
	var err error
	snap.Each(func(p voxel.Pos, c color.NRGBA) bool {
		line = strconv.AppendInt(line[:0], int64(p.X), 10)
		line = append(line, ' ')
		line = strconv.AppendInt(line, int64(p.Y), 10)
		line = append(line, ' ')
		line = strconv.AppendInt(line, int64(p.Z), 10)
		line = append(line, ' ', digits[c.R>>4], digits[c.R&15], digits[c.G>>4], digits[c.G&15], digits[c.B>>4], digits[c.B&15], '\n')
		_, err = bw.Write(line)
		return err == nil
	})
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("failed to write text voxels: %w", err)
	}
	return nil
}
