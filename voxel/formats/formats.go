// Package formats maps file extensions to the codecs of voxel/vox,
// voxel/gox, voxel/txt and voxel/mesh.
//
// Readable: .vox (MagicaVoxel), .gox (Goxel), .txt (Goxel text), .qb
// (Qubicle). Writable: the same four, plus the mesh exports .obj, .ply,
// .gltf, .glb, .stl (binary STL for 3D printing) and .schem (Sponge
// schematic v3 for Minecraft).
// Extensions are matched case-insensitively. Before decoding, the first
// bytes are checked against the extension's magic ("VOX ", "GOX ", the
// .qb version bytes 1 1 0 0; text
// must not hold NUL bytes), so a file with the wrong extension gets a
// message naming what it looks like. Decode refuses input larger than
// Limits.MaxBytes and, where the header tells (DecodeConfig), scenes with
// more voxels than Limits.MaxVoxels, before building anything.
package formats

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/gox"
	"github.com/goxel-mcp/goxel-mcp/voxel/mesh"
	"github.com/goxel-mcp/goxel-mcp/voxel/qb"
	"github.com/goxel-mcp/goxel-mcp/voxel/schem"
	"github.com/goxel-mcp/goxel-mcp/voxel/stl"
	"github.com/goxel-mcp/goxel-mcp/voxel/txt"
	"github.com/goxel-mcp/goxel-mcp/voxel/vox"
)

// Errors callers may branch on; returned errors wrap them.
var (
	ErrUnknownFormat = errors.New("unknown file format")
	ErrNotReadable   = errors.New("format cannot be read")
	ErrTooLarge      = errors.New("file too large")
	ErrWrongMagic    = errors.New("file content does not match its extension")
)

// Limits bounds what Decode accepts.
type Limits struct {
	MaxBytes  int64 // input size
	MaxVoxels int   // voxels in the scene
	MaxBlocks int   // 16×16×16 blocks in the scene (16 KiB each)

	ctx context.Context // set by DecodeContext; nil: never cancelled
}

// DefaultLimits: 256 MiB files, 64 Mi voxels, 16 Ki blocks (256 MiB).
var DefaultLimits = Limits{MaxBytes: 256 << 20, MaxVoxels: 1 << 26, MaxBlocks: 1 << 14}

// Codec is one file format.
type Codec struct {
	Ext  string // lower case, with the dot: ".vox"
	Name string // human name: "MagicaVoxel"
	// Magic is what a file must start with; nil for none.
	Magic []byte

	decode func(r io.Reader, lim Limits) (*voxel.Scene, error)
	// explain, when set, names a known foreign format behind a wrong magic
	// (SLAB6's headerless .vox) with the codec's own UnsupportedError.
	explain func(data []byte) error
	config  func(r io.Reader) (voxels int, err error) // exact or an upper bound
	encode  func(w io.Writer, s *voxel.Scene) error
	// report, when set, encodes and also says in a sentence what the
	// format changed (colours mapped to blocks or to a palette).
	report func(w io.Writer, s *voxel.Scene) (string, error)
}

// CanRead reports whether the format can be decoded.
func (c Codec) CanRead() bool { return c.decode != nil }

// CanWrite reports whether the format can be encoded.
func (c Codec) CanWrite() bool { return c.encode != nil }

var codecs = []Codec{
	{
		Ext: ".vox", Name: "MagicaVoxel", Magic: []byte("VOX "),
		decode: func(r io.Reader, lim Limits) (*voxel.Scene, error) {
			return vox.DecodeLimits(r, vox.Limits{MaxVoxels: lim.MaxVoxels, MaxBlocks: lim.MaxBlocks})
		},
		config: func(r io.Reader) (int, error) {
			c, err := vox.DecodeConfig(r)
			return c.Voxels, err
		},
		explain: func(data []byte) error {
			_, err := vox.DecodeConfig(bytes.NewReader(data))
			var ue vox.UnsupportedError
			if errors.As(err, &ue) {
				return err
			}
			return nil
		},
		encode: vox.Encode,
		report: func(w io.Writer, s *voxel.Scene) (string, error) {
			rep, err := vox.EncodeReport(w, s)
			if err != nil || rep.RemappedColors == 0 {
				return "", err
			}
			return fmt.Sprintf("MagicaVoxel holds 255 colours: %d of %d colours (%d voxels) were mapped to the nearest palette colour.",
				rep.RemappedColors, rep.Colors, rep.RemappedVoxels), nil
		},
	},
	{
		Ext: ".gox", Name: "Goxel", Magic: []byte("GOX "),
		decode: func(r io.Reader, lim Limits) (*voxel.Scene, error) {
			return gox.DecodeContext(lim.context(), r, gox.Limits{MaxVoxels: lim.MaxVoxels, MaxBlocks: lim.MaxBlocks})
		},
		encode: gox.Encode,
	},
	{
		Ext: ".txt", Name: "Goxel text",
		decode: func(r io.Reader, lim Limits) (*voxel.Scene, error) {
			return txt.DecodeContext(lim.context(), r, txt.Limits{MaxVoxels: lim.MaxVoxels, MaxBlocks: lim.MaxBlocks})
		},
		config: func(r io.Reader) (int, error) {
			c, err := txt.DecodeConfig(r)
			return c.Voxels, err
		},
		encode: txt.Encode,
	},
	{
		Ext: ".qb", Name: "Qubicle", Magic: []byte{1, 1, 0, 0},
		decode: func(r io.Reader, lim Limits) (*voxel.Scene, error) {
			return qb.DecodeLimits(r, qb.Limits{MaxVoxels: lim.MaxVoxels, MaxBlocks: lim.MaxBlocks})
		},
		config: func(r io.Reader) (int, error) {
			c, err := qb.DecodeConfig(r)
			return c.Voxels, err
		},
		encode: qb.Encode,
	},
	{Ext: ".obj", Name: "Wavefront OBJ", encode: snapshotEncoder(mesh.EncodeOBJ)},
	{Ext: ".ply", Name: "PLY", encode: snapshotEncoder(mesh.EncodePLY)},
	{Ext: ".gltf", Name: "glTF", encode: snapshotEncoder(mesh.EncodeGLTF)},
	{Ext: ".glb", Name: "glTF binary", encode: snapshotEncoder(mesh.EncodeGLB)},
	{
		Ext: ".stl", Name: "STL (binary, 1 mm per voxel)", encode: snapshotEncoder(stl.Encode),
		report: func(w io.Writer, s *voxel.Scene) (string, error) {
			rep, err := stl.EncodeReport(w, s.Snapshot(), stl.Options{})
			return rep.Summary(), err
		},
	},
	{
		Ext: ".schem", Name: "Sponge schematic v3 (Minecraft)", encode: snapshotEncoder(schem.Encode),
		report: func(w io.Writer, s *voxel.Scene) (string, error) {
			rep, err := schem.EncodeReport(w, s.Snapshot())
			return rep.Summary(12), err
		},
	},
}

func snapshotEncoder(fn func(io.Writer, *voxel.Snapshot) error) func(io.Writer, *voxel.Scene) error {
	return func(w io.Writer, s *voxel.Scene) error { return fn(w, s.Snapshot()) }
}

func extensions(keep func(Codec) bool) []string {
	var out []string
	for _, c := range codecs {
		if keep(c) {
			out = append(out, c.Ext)
		}
	}
	slices.Sort(out)
	return out
}

// Readable returns the extensions Decode accepts, sorted.
func Readable() []string { return extensions(Codec.CanRead) }

// Writable returns the extensions Encode accepts, sorted.
func Writable() []string { return extensions(Codec.CanWrite) }

// ForExt returns the codec of an extension such as ".vox" or "VOX".
func ForExt(ext string) (Codec, error) {
	e := strings.ToLower(ext)
	if !strings.HasPrefix(e, ".") {
		e = "." + e
	}
	for _, c := range codecs {
		if c.Ext == e {
			return c, nil
		}
	}
	return Codec{}, fmt.Errorf("%w %q: known extensions are %s", ErrUnknownFormat, ext, strings.Join(extensions(func(Codec) bool { return true }), ", "))
}

// ForPath returns the codec of a path's extension.
func ForPath(path string) (Codec, error) { return ForExt(filepath.Ext(path)) }

// sniff names the format the data looks like, for messages.
func sniff(data []byte) string {
	for _, c := range codecs {
		if c.Magic != nil && bytes.HasPrefix(data, c.Magic) {
			return c.Name + " (" + c.Ext + ")"
		}
	}
	if bytes.IndexByte(data[:min(len(data), 512)], 0) >= 0 {
		return "binary data"
	}
	return "text"
}

func (c Codec) check(head []byte) error {
	switch {
	case c.Magic != nil && !bytes.HasPrefix(head, c.Magic):
		return fmt.Errorf("%w: a %s file starts with %q, this looks like %s", ErrWrongMagic, c.Ext, c.Magic, sniff(head))
	case c.Magic == nil && bytes.IndexByte(head, 0) >= 0:
		return fmt.Errorf("%w: a %s file is text, this looks like %s", ErrWrongMagic, c.Ext, sniff(head))
	}
	return nil
}

// Decode reads a scene in the format of ext from r within lim.
func Decode(r io.Reader, ext string, lim Limits) (*voxel.Scene, error) {
	c, err := ForExt(ext)
	if err != nil {
		return nil, err
	}
	if !c.CanRead() {
		return nil, fmt.Errorf("%w: %s (%s) is export only; readable: %s", ErrNotReadable, c.Ext, c.Name, strings.Join(Readable(), ", "))
	}
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("failed to read %s file: %w", c.Ext, err)
	}
	if int64(len(data)) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, lim.MaxBytes)
	}
	return c.decodeBytes(data, lim)
}

func (c Codec) decodeBytes(data []byte, lim Limits) (*voxel.Scene, error) {
	if err := c.check(data[:min(len(data), 512)]); err != nil {
		if c.explain != nil {
			if e := c.explain(data); e != nil {
				return nil, fmt.Errorf("%w: %w", ErrWrongMagic, e)
			}
		}
		return nil, err
	}
	if c.config != nil {
		n, err := c.config(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		if n > lim.MaxVoxels {
			return nil, fmt.Errorf("%w: %d voxels, the limit is %d", ErrTooLarge, n, lim.MaxVoxels)
		}
	}
	return c.withinBudget(c.decode(bytes.NewReader(data), lim))
}

// DecodeFile reads a scene from a file, choosing the codec by extension;
// a file bigger than lim.MaxBytes is refused before it is read.
func DecodeFile(path string, lim Limits) (*voxel.Scene, error) {
	c, err := ForPath(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("failed to open scene: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("failed to open scene: %w", err)
	}
	if fi.Size() > lim.MaxBytes {
		return nil, fmt.Errorf("%w: %s has %d bytes, the limit is %d", ErrTooLarge, filepath.Base(path), fi.Size(), lim.MaxBytes)
	}
	return Decode(f, c.Ext, lim)
}

// Encode writes the scene in the format of ext. Voxel formats keep every
// layer; mesh formats export the visible layers merged.
func Encode(w io.Writer, ext string, s *voxel.Scene) error {
	c, err := ForExt(ext)
	if err != nil {
		return err
	}
	return c.encode(w, s)
}

// EncodeSummary is Encode that also returns a sentence saying what the
// format changed, for a tool's result: the colour-to-block mapping of
// .schem, the colours .vox had to remap; "" when nothing changed.
func EncodeSummary(w io.Writer, ext string, s *voxel.Scene) (string, error) {
	c, err := ForExt(ext)
	if err != nil {
		return "", err
	}
	if c.report != nil {
		return c.report(w, s)
	}
	return "", c.encode(w, s)
}
