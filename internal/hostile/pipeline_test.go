// Package hostile holds the tests that feed hostile and mutated files
// through everything a user can do with a file: decode it as open_project
// does, render it, and export it with every writer. It has no code of its
// own: only fuzz targets and a test over mutated real files, kept apart
// from the codecs because the pipeline spans voxel, renderer and mesh.
package hostile

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
	"github.com/goxel-mcp/goxel-mcp/renderer"
	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/formats"
)

// frame is the size of every render: small, so a case costs what its
// scene costs, not what its pixels cost.
const frame = 64

// views are rendered for every decoded scene: one panel, then a contact
// sheet, as render_scene draws them.
var sheetViews = []string{"front", "right", "top", "isometric"}

// reopen lists the writers whose output must decode again under the same
// limits: a scene within the budget always saves to a file that reopens.
var reopen = []string{".gox", ".txt"}

// result is what one case cost.
type result struct {
	decodeErr error // nil when the file opened
	voxels    int
	took      time.Duration
	cpu       time.Duration // process CPU time (all cores) during the case: what it cost, whatever else ran
	opened    time.Duration // decode and the two renders, what open_project and render_scene cost
	allocated uint64        // bytes allocated by the case (runtime.MemStats.TotalAlloc)
	peakHeap  uint64        // largest live heap sampled during the case, above the heap before it
}

// heapSampler tracks the largest live heap (runtime/metrics' heap objects)
// while a case runs, sampled every millisecond: peak memory, not the
// total allocated, is what takes a server down.
type heapSampler struct {
	stop chan struct{}
	done chan uint64
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func heapNow() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func sampleHeap() *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan uint64, 1)}
	go func() {
		peak := heapNow()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				h.done <- max(peak, heapNow())
				return
			case <-t.C:
				peak = max(peak, heapNow())
			}
		}
	}()
	return h
}

func (h *heapSampler) peak() uint64 {
	close(h.stop)
	return <-h.done
}

// pipeline opens data as a file of extension ext under lim, and when it
// opens, renders it and exports it with every writable format. A file that
// does not open is fine (a clear error); anything else that fails is
// reported as an error, a panic escapes to the caller.
func pipeline(ctx context.Context, data []byte, ext string, lim formats.Limits) (result, error) {
	var before, after runtime.MemStats
	runtime.GC() // so the baseline is what is live, not what the last case left
	runtime.ReadMemStats(&before)
	base := heapNow()
	h := sampleHeap()
	began, cpu := time.Now(), cpuTime()
	r, err := run(ctx, data, ext, lim)
	r.took = time.Since(began)
	r.cpu = cpuTime() - cpu
	if peak := h.peak(); peak > base {
		r.peakHeap = peak - base
	}
	runtime.ReadMemStats(&after)
	r.allocated = after.TotalAlloc - before.TotalAlloc
	return r, err
}

func run(ctx context.Context, data []byte, ext string, lim formats.Limits) (result, error) {
	began := time.Now()
	s, err := formats.DecodeContext(ctx, bytes.NewReader(data), ext, lim)
	if err != nil {
		if s != nil {
			return result{}, fmt.Errorf("decode returned a scene with its error %v", err)
		}
		return result{decodeErr: err}, nil
	}
	res := result{voxels: s.Count()}
	if err := s.Err(); err != nil {
		return res, fmt.Errorf("decoded scene carries a budget error: %v", err)
	}
	if err := s.Budget().CheckBox(s.Box()); err != nil {
		return res, fmt.Errorf("decoded scene is outside the budget's extent: %v", err)
	}
	if s.Blocks() > s.Budget().MaxBlocks || s.Count() > s.Budget().MaxVoxels || len(s.Layers()) > s.Budget().MaxLayers {
		return res, fmt.Errorf("decoded scene is over budget: %d blocks, %d voxels, %d layers", s.Blocks(), s.Count(), len(s.Layers()))
	}
	snap := s.Snapshot()
	opt := renderer.DefaultOptions()
	opt.Width, opt.Height = frame, frame
	if err := render(ctx, snap, opt); err != nil {
		return res, err
	}
	opt.Width, opt.Height = 2*frame, 2*frame
	for _, name := range sheetViews {
		v, _ := renderer.Preset(name)
		opt.Views = append(opt.Views, v)
	}
	if err := render(ctx, snap, opt); err != nil {
		return res, err
	}
	res.opened = time.Since(began)
	for _, out := range formats.Writable() {
		// Kept (to reopen) only up to the open limit.
		buf := &capBuffer{max: int(lim.MaxBytes)}
		w := io.Writer(buf)
		if !slices.Contains(reopen, out) {
			w = io.Discard
		}
		if err := formats.Encode(w, out, s); err != nil {
			// A writer may refuse what its format cannot hold, with an
			// error; that is not a failure of the pipeline.
			continue
		}
		// A .txt of the budget's 32 Mi voxels is larger than the open
		// limit (about 20 bytes a voxel); a .gox never is (formats'
		// TestGoxOfABudgetSceneFitsTheOpenLimit).
		if slices.Contains(reopen, out) && (out == ".gox" || !buf.over) {
			if buf.over {
				return res, fmt.Errorf("the .gox export of a scene within the budget is larger than the open limit of %d bytes", lim.MaxBytes)
			}
			back, err := formats.Decode(bytes.NewReader(buf.Bytes()), out, lim)
			if err != nil {
				return res, fmt.Errorf("the %s export of a scene within the budget does not reopen: %v", out, err)
			}
			if out == ".gox" && back.Count() != s.Count() {
				return res, fmt.Errorf("the .gox export reopens with %d voxels, want %d", back.Count(), s.Count())
			}
		}
	}
	return res, nil
}

// capBuffer keeps what is written up to max bytes and notes whether more
// came.
type capBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *capBuffer) Write(p []byte) (int, error) {
	if b.over || b.Len()+len(p) > b.max {
		b.over = true
		b.Reset()
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

func render(ctx context.Context, snap *voxel.Snapshot, opt renderer.Options) error {
	img, err := renderer.Render(ctx, snap, opt)
	if err != nil {
		return fmt.Errorf("render of a decoded scene failed: %v", err)
	}
	if img.Bounds() != image.Rect(0, 0, opt.Width, opt.Height) {
		return fmt.Errorf("render is %v, want %d×%d", img.Bounds(), opt.Width, opt.Height)
	}
	renderer.Release(img)
	return nil
}

// realFiles returns the shared sample models by extension, read at run
// time from ../shared/models (never copied into the repository), plus, for
// each readable format without a sample (.txt, .qb), up to three of the
// small samples written in it. It is empty when the models are absent.
func realFiles(t testing.TB) map[string][][]byte {
	out := map[string][][]byte{}
	readme, ok := testmodels.Lookup("README.md")
	if !ok {
		return out
	}
	_ = filepath.WalkDir(filepath.Dir(readme), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		ext := strings.ToLower(filepath.Ext(path))
		if c, err := formats.ForExt(ext); err == nil && c.CanRead() {
			if data, err := os.ReadFile(path); err == nil {
				out[ext] = append(out[ext], data)
			}
		}
		return nil
	})
	for _, ext := range formats.Readable() {
		if len(out[ext]) > 0 {
			continue
		}
		if c, _ := formats.ForExt(ext); !c.CanWrite() {
			continue
		}
		for _, data := range out[".vox"] {
			s, err := formats.Decode(bytes.NewReader(data), ".vox", formats.DefaultLimits)
			if err != nil || s.Count() > 20000 {
				continue
			}
			var buf bytes.Buffer
			if err := formats.Encode(&buf, ext, s); err == nil {
				out[ext] = append(out[ext], buf.Bytes())
			}
			if len(out[ext]) >= 3 {
				break
			}
		}
	}
	return out
}

// fuzzLimits keep each fuzz execution small; the scene budget itself is
// the default one.
var fuzzLimits = formats.Limits{MaxBytes: 1 << 20, MaxVoxels: 1 << 16, MaxBlocks: 256}

// fuzzFormat is the decode → render → export target of one readable format.
func fuzzFormat(f *testing.F, ext string, seeds ...[]byte) {
	if c, err := formats.ForExt(ext); err != nil || !c.CanRead() {
		f.Skipf("%s is not a readable format in this build", ext)
	}
	for _, data := range realFiles(f)[ext] {
		if len(data) <= int(fuzzLimits.MaxBytes) {
			f.Add(data)
		}
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := pipeline(ctx, data, ext, fuzzLimits); err != nil {
			t.Fatal(err)
		}
	})
}

// targets lists the readable formats that have a fuzz target below. A
// format that formats.Readable gains needs its line here and a Fuzz
// function like FuzzQB (a target whose format is not in the build skips).
var targets = []string{".gox", ".qb", ".txt", ".vox"}

func TestEveryReadableFormatHasAFuzzTarget(t *testing.T) {
	for _, ext := range formats.Readable() {
		if !slices.Contains(targets, ext) {
			t.Errorf("%s is readable but has no decode → render → export fuzz target: add Fuzz%s to internal/hostile/pipeline_test.go and list it in targets",
				ext, strings.ToUpper(ext[1:]))
		}
	}
}

// FuzzGox feeds .gox files through decode → render → export.
func FuzzGox(f *testing.F) {
	fuzzFormat(f, ".gox", []byte("GOX \x02\x00\x00\x00"))
}

// FuzzVox feeds .vox files through decode → render → export.
func FuzzVox(f *testing.F) {
	fuzzFormat(f, ".vox", []byte("VOX \x96\x00\x00\x00MAIN\x00\x00\x00\x00\x00\x00\x00\x00"))
}

// FuzzQB feeds Qubicle .qb files through decode → render → export; the
// seeds are samples written as .qb (see realFiles).
func FuzzQB(f *testing.F) {
	fuzzFormat(f, ".qb", []byte{1, 1, 0, 0})
}

// FuzzTxt feeds .txt files through decode → render → export.
func FuzzTxt(f *testing.F) {
	fuzzFormat(f, ".txt", []byte("0 0 0 ff0000\n1 0 0 00ff00\n-1048576 1048576 0 0000ff\n"),
		[]byte("16777216 0 0 ffffff\n-16777216 0 0 ffffff\n"))
}
