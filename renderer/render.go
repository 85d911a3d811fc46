package renderer

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/goxel-mcp/goxel-mcp/internal/hot"
	"github.com/goxel-mcp/goxel-mcp/internal/pngx"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// DefaultMaxSize is the largest width or height accepted when Options.MaxSize is 0.
const DefaultMaxSize = 8192

// autoSupersampleArea is the largest output area (pixels) that Supersample 0 renders at 2×: thumbnails.
// Measured on 2 cores (docs/benchmarks.md): 2× costs about 2-4× the CPU of a plain render with encode,
// because the raster covers four times the pixels and blended edges rule out a paletted PNG; that
// breaks the 400×400 ≤ 3 ms and 1080p ≤ 24 ms budgets, so larger images get the silhouette
// anti-aliasing pass only (antialias.go).
const autoSupersampleArea = 300 * 300

// maxZoom bounds Options.Zoom so fixed-point vertex maths cannot overflow.
const maxZoom = 256

// Options controls a render. Start from DefaultOptions: the zero value has every look switch off.
type Options struct {
	Width, Height int
	View          View        // used when Views is empty
	Views         []View      // a contact sheet: one labelled panel per view (one view gives one panel)
	Background    color.NRGBA // A == 0 renders a transparent background (pixels 0,0,0,0)
	Zoom          float64     // 0 or 1 fits the model with a small margin; >1 zooms in about the centre
	Outline       bool        // darken face edges on silhouettes and creases
	AO            bool        // ambient occlusion: contact (per vertex) and over two voxels
	Shadow        bool        // the sun's cast shadows on faces and ground, and a contact shadow (ground: opaque backgrounds, views from above)
	Grid          bool        // ground grid under the model (views from above)
	Supersample   int         // 0 = auto (2× up to autoSupersampleArea pixels), 1 = off, 2 = 2×
	MaxSize       int         // largest accepted width or height; 0 means DefaultMaxSize
	// HiddenVoxels and HiddenLayers count what the snapshot leaves out (the
	// scene's hidden layers); a contact sheet's caption names them, so its
	// counts are what is drawn.
	HiddenVoxels, HiddenLayers int

	// Tint, when set, mixes the given colour over the faces of the listed voxels (world positions) at
	// its alpha (255 = the tint alone), before light: a hook for change highlighting (added or
	// recoloured voxels). Looking faces up costs a map access per camera-facing face.
	Tint map[voxel.Pos]color.NRGBA

	noOverlays bool // tests: a sheet without labels, gizmos and caption (separators stay)
	noAA       bool // tests: no silhouette anti-aliasing
	noDepthCue bool // tests: no darkening with depth in axis views
	noCull     bool // tests: draw hidden faces too
}

// DefaultOptions returns 800×600, the isometric view and the default look (outline, AO, shadow on;
// grid off) on a light grey background.
func DefaultOptions() Options {
	iso, _ := Preset("isometric")
	return Options{
		Width: 800, Height: 600,
		View:       iso,
		Background: defaultBackground,
		Outline:    true, AO: true, Shadow: true,
	}
}

// defaultBackground is DefaultOptions' light grey. A model whose colours are close to it (near-white
// models) is drawn on contrastBackground instead, so it stays visible.
var (
	defaultBackground  = color.NRGBA{R: 0xe8, G: 0xe8, B: 0xec, A: 0xff}
	contrastBackground = color.NRGBA{R: 0x4a, G: 0x4e, B: 0x58, A: 0xff}
)

// ErrSize is returned (wrapped) when the requested image size is out of range.
var ErrSize = errors.New("invalid image size")

// Renderer renders snapshots and keeps the camera-independent preparation of the last few scenes, keyed
// by their content hash, so rendering an unchanged scene from another angle skips it. A Renderer is
// safe for concurrent use.
type Renderer struct {
	mu      sync.Mutex
	entries []cacheEntry // most recently used last
	limit   int
}

type cacheEntry struct {
	hash  uint64
	count int
	box   voxel.Box
	m     *model
}

// cacheScenes is how many prepared scenes a Renderer keeps.
const cacheScenes = 4

// NewRenderer returns a Renderer with a cache of the last 4 scenes.
func NewRenderer() *Renderer { return &Renderer{limit: cacheScenes} }

// Forget drops the prepared scenes, e.g. when the open project is replaced
// and they cannot be asked for again.
func (r *Renderer) Forget() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries = nil
}

var defaultRenderer = NewRenderer()

// Render renders snap with the package's shared Renderer.
func Render(ctx context.Context, snap *voxel.Snapshot, opt Options) (*image.NRGBA, error) {
	return defaultRenderer.Render(ctx, snap, opt)
}

// model returns the prepared model of snap, from the cache when possible. A failed preparation is not
// cached.
func (r *Renderer) model(snap *voxel.Snapshot) (*model, error) {
	h, n, box := snap.Hash(), snap.Count(), snap.Box()
	r.mu.Lock()
	for i, e := range r.entries {
		if e.hash == h && e.count == n && e.box == box {
			r.entries = append(append(r.entries[:i:i], r.entries[i+1:]...), e)
			r.mu.Unlock()
			return e.m, nil
		}
	}
	r.mu.Unlock()
	// Built outside the lock: two goroutines may build the same scene once each, which is harmless.
	m, err := buildModel(snap)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.entries {
		if e.hash == h && e.count == n && e.box == box {
			return e.m, nil
		}
	}
	r.entries = append(r.entries, cacheEntry{hash: h, count: n, box: box, m: m})
	if len(r.entries) > r.limit {
		r.entries = append(r.entries[:0:0], r.entries[len(r.entries)-r.limit:]...)
	}
	return m, nil
}

func checkOptions(opt *Options) error {
	maxSize := opt.MaxSize
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	if opt.Width < 1 || opt.Width > maxSize || opt.Height < 1 || opt.Height > maxSize {
		return fmt.Errorf("%w: width and height must be from 1 to %d, got %dx%d", ErrSize, maxSize, opt.Width, opt.Height)
	}
	if math.IsNaN(opt.Zoom) || math.IsInf(opt.Zoom, 0) || opt.Zoom < 0 || opt.Zoom > maxZoom {
		return fmt.Errorf("zoom must be from 0 to %d, got %v", maxZoom, opt.Zoom)
	}
	if opt.Supersample < 0 || opt.Supersample > 2 {
		return fmt.Errorf("supersample must be 0 (auto), 1 or 2, got %d", opt.Supersample)
	}
	views := opt.Views
	if len(views) == 0 {
		views = []View{opt.View}
	}
	for _, v := range views {
		if math.IsNaN(v.Yaw) || math.IsInf(v.Yaw, 0) || math.IsNaN(v.Pitch) || math.IsInf(v.Pitch, 0) {
			return fmt.Errorf("view %q has a non-finite yaw or pitch", v.Name)
		}
	}
	return nil
}

// Render renders snap as opt describes. The output depends only on the snapshot's voxels and opt:
// not on the cache, GOMAXPROCS or timing. It returns ctx's error if ctx ends before the image is done.
func (r *Renderer) Render(ctx context.Context, snap *voxel.Snapshot, opt Options) (*image.NRGBA, error) {
	img, ix, err := r.RenderIndexed(ctx, snap, opt)
	ReleaseIndexed(ix)
	return img, err
}

// maxIndexedPixels bounds the frames RenderIndexed describes (a 1080p one): the strips take a byte
// per pixel until the frame is encoded, and larger frames' PNG encoding keeps none either.
const maxIndexedPixels = 2 << 20

// RenderIndexed is Render, also returning the frame's colours as its anti-aliasing pass counted
// them, for pngx.Options.Indexed: encoding then skips its own scan of the pixels. ix is nil when the
// pass did not count them all (supersampled and multi-view frames, frames of more than 256
// colours or over maxIndexedPixels). It describes img as returned: pass it to encodes of img only,
// before any change to img, and hand it back with ReleaseIndexed.
func (r *Renderer) RenderIndexed(ctx context.Context, snap *voxel.Snapshot, opt Options) (img *image.NRGBA, ix *pngx.Indexed, err error) {
	ix = new(pngx.Indexed)
	img, err = r.render(ctx, snap, opt, ix)
	if err != nil || len(ix.Start) == 0 {
		ReleaseIndexed(ix)
		ix = nil
	}
	return img, ix, err
}

// ReleaseIndexed returns the strips of RenderIndexed for reuse; ix must not be used after. A nil ix
// is allowed.
func ReleaseIndexed(ix *pngx.Indexed) {
	if ix == nil {
		return
	}
	for _, b := range ix.Idx {
		putIndexBytes(b)
	}
	*ix = pngx.Indexed{}
}

func (r *Renderer) render(ctx context.Context, snap *voxel.Snapshot, opt Options, ix *pngx.Indexed) (*image.NRGBA, error) {
	if err := checkOptions(&opt); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var m *model
	if snap == nil {
		m = &model{box: voxel.EmptyBox}
	} else {
		if err := checkExtent(snap.Box()); err != nil && !snap.Box().Empty() {
			return nil, err
		}
		var err error
		if m, err = r.model(snap); err != nil {
			return nil, err
		}
	}
	if opt.Background == defaultBackground && m.nearBackground {
		opt.Background = contrastBackground
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	img, reused := newFrame(opt.Width, opt.Height)
	frame := target{pix: pixels(img.Pix), stride: opt.Width, w: opt.Width, h: opt.Height, dirty: reused}
	if bg := packNRGBA(opt.Background); (bg != 0 || reused) && len(opt.Views) > 0 {
		fillSpan(frame.pix, bg) // a single panel clears its own frame as it draws (renderPanel)
	}
	var err error
	if len(opt.Views) == 0 {
		err = renderPanel(ctx, m, &opt, opt.View, frame, img, image.Rect(0, 0, opt.Width, opt.Height), image.Rectangle{}, ix)
	} else {
		err = renderSheet(ctx, m, &opt, frame, img)
	}
	if err != nil {
		Release(img)
		return nil, err
	}
	return img, nil
}

// maxPooledFrame is the largest frame (bytes) that Release keeps in framePool, on the Go heap: 2 MiB,
// the default 800×600 and anything smaller. Larger frames live off the Go heap (pngx.AllocBig): heap
// buffers count as live memory, so the garbage collector lets the heap grow to twice them, and
// pooling 1080p frames on the heap raised the peak RSS of 4K renders from 96 to 154 MiB (goxel-bench).
const maxPooledFrame = 2 << 20

// framePool holds pixel buffers handed back with Release. sync.Pool drops what stays unused across
// two garbage collections, so an idle server gives the memory back.
var framePool sync.Pool // of *[]byte

// bigFrames maps the pixel address of each live off-heap frame to the cleanup that frees it should
// its image become unreachable without Release (a safety net: the memory is not the collector's).
var bigFrames struct {
	mu sync.Mutex
	m  map[*byte]runtime.Cleanup
}

// newFrame returns a w×h frame, reusing a released buffer when one is large enough; reused reports
// that its pixels hold an old image.
func newFrame(w, h int) (img *image.NRGBA, reused bool) {
	n := w * h * 4
	if n <= maxPooledFrame {
		// A pooled buffer too small for this frame is dropped, not put back: putting it back would let
		// the pool collect one new frame per render while it keeps handing out the small one.
		if p, ok := framePool.Get().(*[]byte); ok && cap(*p) >= n {
			return &image.NRGBA{Pix: (*p)[:n], Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}, true
		}
		return image.NewNRGBA(image.Rect(0, 0, w, h)), false
	}
	pix, fresh := pngx.AllocBig(n)
	img = &image.NRGBA{Pix: pix, Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
	c := runtime.AddCleanup(img, freeLostFrame, pix)
	bigFrames.mu.Lock()
	if bigFrames.m == nil {
		bigFrames.m = make(map[*byte]runtime.Cleanup)
	}
	bigFrames.m[&pix[0]] = c
	bigFrames.mu.Unlock()
	return img, !fresh
}

// freeLostFrame frees the pixels of a large frame whose image became unreachable without Release.
func freeLostFrame(pix []byte) {
	bigFrames.mu.Lock()
	delete(bigFrames.m, &pix[0])
	bigFrames.mu.Unlock()
	pngx.FreeBig(pix)
}

// Release hands a frame returned by Render back for reuse by a later render. The caller must not use
// img, nor any slice of its pixels, afterwards: frames over 2 MiB are unmapped (or kept for the next
// large render) at once. Releasing is optional: an unreleased frame is freed once img is unreachable,
// so keep img itself reachable while using its pixels. Releasing twice does nothing.
func Release(img *image.NRGBA) {
	if img == nil || cap(img.Pix) == 0 {
		return
	}
	p := img.Pix[:0]
	img.Pix = nil
	if cap(p) > maxPooledFrame {
		key := unsafe.SliceData(p)
		bigFrames.mu.Lock()
		c, ok := bigFrames.m[key]
		delete(bigFrames.m, key)
		bigFrames.mu.Unlock()
		if ok {
			c.Stop()
			pngx.FreeBig(p[:cap(p)])
		}
		return
	}
	framePool.Put(&p)
}

// renderPanel draws the model seen from v into rect of the frame, with supersampling when asked. The
// silhouette is framed in fit (panel coordinates; empty for the whole panel), leaving the rest of the
// panel to overlays; ground and shadow fill the whole panel.
func renderPanel(ctx context.Context, m *model, opt *Options, v View, frame target, img *image.NRGBA, rect, fit image.Rectangle, ix *pngx.Indexed) error {
	w, h := rect.Dx(), rect.Dy()
	if w < 1 || h < 1 {
		return nil
	}
	ss := opt.Supersample
	if ss == 0 {
		ss = 1
		if opt.Width*opt.Height <= autoSupersampleArea {
			ss = 2
		}
	}
	bg := packNRGBA(opt.Background)
	var t target
	var buf *image.RGBA // the render target as an image, for gg overlays
	direct := ss == 1 && rect.Min == (image.Point{})
	// fill is set while the target still has to be cleared to the background: a single-panel frame is
	// cleared band by band as it is drawn, in parallel and while its rows are in cache.
	fill := false
	if direct {
		t = target{pix: frame.pix, stride: frame.stride, w: w, h: h}
		buf = rgbaView(img)
		fill = len(opt.Views) == 0 && (bg != 0 || frame.dirty) // Render clears sheets itself
	} else {
		// Supersampled panels, and sheet panels (gg rasterises from the image origin), draw into their
		// own buffer first.
		own, reused := newFrame(w*ss, h*ss)
		defer Release(own)
		buf = rgbaView(own)
		t = target{pix: pixels(buf.Pix), stride: w * ss, w: w * ss, h: h * ss}
		if bg != 0 || reused {
			fillSpan(t.pix, bg)
		}
	}
	clearNow := func() {
		if fill {
			for y := range t.h {
				fillSpan(t.pix[y*t.stride:y*t.stride+t.w], bg)
			}
			fill = false
		}
	}
	cam := newCamera(v)
	above := cam.fwd[2] < -1e-9
	shadow := opt.Shadow && above && opt.Background.A == 0xff && m.shadow != nil && m.shadow.v != nil
	// Framed on the model's silhouette (not its box, nor the shadow) in the panel's model area.
	if fit.Empty() {
		fit = image.Rect(0, 0, w, h)
	}
	fit = image.Rect(fit.Min.X*ss, fit.Min.Y*ss, fit.Max.X*ss, fit.Max.Y*ss)
	var sil bounds
	if m.box.Empty() {
		sil = boxBounds(cam, [3]float64{1, 1, 1})
	} else {
		sil = m.silhouette(cam)
	}
	proj := fitView(cam, sil, fit, opt.Zoom)
	if opt.Grid && above && !m.box.Empty() {
		clearNow()
		drawGrid(buf, &proj, m, ss, opt.Background)
		if opt.Background.A != 0xff {
			unpremultiply(t)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if m.box.Empty() {
		clearNow()
	} else {
		rs := &raster{t: &t, luts: m.luts}
		sc := getScratch()
		quads, shapes, err := buildQuads(m, cam, &proj, opt, ss, &t, sc)
		rs.shapes = shapes
		if err == nil && shadow {
			quads = shadowQuads(m, &proj, rs, bg, quads) // drawn last, on background pixels only (see shadowSampler)
		}
		if quads != nil {
			sc.quads = quads
		}
		if err == nil {
			err = ctx.Err()
		}
		if err == nil {
			err = drawBands(ctx, rs, quads, fill, bg, sc)
		}
		putScratch(sc)
		if err != nil {
			return err
		}
		if ss == 1 && !opt.noAA {
			backs := []uint32{bg}
			if rs.sh != nil {
				backs = append(backs, rs.sh.bgShaded[:]...)
			}
			var set colourSet
			for _, c := range backs {
				set.add(c)
			}
			back := set.has
			if opt.Grid && above {
				ink := packNRGBA(inkFor(opt.Background, 255))
				back = func(c uint32) bool { return set.has(c) || isGridInk(c, bg, ink) }
			}
			var panelIx *pngx.Indexed
			if direct && frame.w*frame.h <= maxIndexedPixels {
				panelIx = ix
			}
			if err := antialias(t, back, opt.Background.A == 0, panelIx); err != nil {
				return err
			}
		}
	}
	if !direct {
		dst := target{pix: frame.pix[rect.Min.Y*frame.stride+rect.Min.X:], stride: frame.stride, w: w, h: h}
		if ss == 2 {
			downsample2(dst, t)
		} else {
			for y := range h {
				copy(dst.pix[y*dst.stride:y*dst.stride+w], t.pix[y*t.stride:y*t.stride+w])
			}
		}
	}
	return nil
}

// depthDark is how much light (fixed point) the farthest faces of an axis view lose: they keep 55 %
// in linear light.
const depthDark = 115

// quadChunkMin is the smallest number of faces buildQuads gives one parallel chunk; there are at most
// quadChunks chunks. Chunks depend only on the face count, never on the worker count.
const (
	quadChunkMin = 2048
	quadChunks   = 32
)

// buildQuads projects the camera-facing faces in painter's order: far to near by the signed sum of
// their coordinates, which orders any pair where one can hide the other (see doc.go). It returns the
// quads and their shapes (index = face direction). Quads that miss the target have rowMax 0.
//
// The counting sort runs in parallel chunks of faces: each chunk counts its keys, the counts give every
// (key, chunk) pair its first slot, and each chunk then projects its faces straight into their slots.
// Faces are read in model order, and the order within a key (faces that never overlap) is the
// chunks' order, whatever the worker count.
func buildQuads(m *model, cam camera, proj *projection, opt *Options, ss int, t *target, sc *scratch) ([]quad, []*shape, error) {
	var sign [3]int32
	for i := range 3 {
		switch {
		case cam.fwd[i] > 1e-9:
			sign[i] = 1
		case cam.fwd[i] < -1e-9:
			sign[i] = -1
		}
	}
	size := [3]int32{int32(m.size.X), int32(m.size.Y), int32(m.size.Z)} // below maxExtent: no overflow
	var minKey int32
	var span int32 = 1
	for i := range 3 {
		minKey += min(0, sign[i]*(size[i]-1))
		span += (size[i] - 1) * abs32(sign[i])
	}
	key := func(f *face) int32 { return sign[0]*f.x + sign[1]*f.y + sign[2]*f.z }
	// slot is a face's rank group: 0 for the farthest key.
	slot := func(f *face) int32 { return span - 1 - (key(f) - minKey) }

	// Per-direction set-up: the face shape (screen edge vectors, oriented), outline widths, and the
	// corner offset of the face plane.
	type dirSetup struct {
		swapped bool
		off     [3]int64
	}
	var setups [6]dirSetup
	shapes := make([]*shape, 6, 10) // room for the shadow tiles' shapes
	axisVec := [3][2]int64{proj.ax, proj.ay, proj.az}
	// One output pixel wide on voxels of 8 px and more, fading to nothing at 3 px, where lines on every
	// edge would turn a model grimy.
	outlinePx := float64(ss) * math.Max(0, math.Min(1, (proj.scale/float64(ss)-3)/5))
	type chunk struct {
		dir, i0, i1 int
		next        []int32 // per slot: the next free index in quads
	}
	var chunks []chunk
	n := 0
	for dir := range 6 {
		if !cam.facing(dir) {
			continue
		}
		n += len(m.faces[dir])
		axis := dir >> 1
		var s dirSetup
		a, b := axisVec[(axis+1)%3], axisVec[(axis+2)%3]
		if a[0]*b[1]-a[1]*b[0] < 0 {
			a, b, s.swapped = b, a, true
		}
		if dir&1 == 0 {
			s.off[axis] = 1
		}
		shp := newShape(a, b)
		shp.swapped = s.swapped
		if k := shp.k; k > 0 {
			la := math.Sqrt(float64(float64(a[0]*a[0]) + float64(a[1]*a[1])))
			lb := math.Sqrt(float64(float64(b[0]*b[0]) + float64(b[1]*b[1])))
			// Distance between the s=0 and s=1 edges is k/|b| (in 1/256 px).
			one := float64(int64(1) << subBits)
			shp.ws = int32(math.Round(math.Min(0.3, outlinePx*one*lb/k) * fixOne))
			shp.wt = int32(math.Round(math.Min(0.3, outlinePx*one*la/k) * fixOne))
		}
		setups[dir] = s
		shapes[dir] = shp
	}
	variant := 0
	if opt.AO {
		variant++
	}
	if opt.Shadow {
		variant += 2
	}
	table := &lightTables[variant]
	// Axis views see one face direction only: depth then shows as darkness (far faces darker).
	axes := 0
	for i := range 3 {
		if sign[i] != 0 {
			axes++
		}
	}
	depthCue := axes == 1 && !opt.noDepthCue
	defaultLook := variant == 3
	var hidden *[6][]uint64
	if s, ok := latticeDir(cam); ok && m.occ != nil && !opt.noCull {
		hidden = m.hiddenFaces(s, cam.facing)
	}
	per := max(quadChunkMin, (n+quadChunks-1)/quadChunks)
	if int64(span) > 4*int64(n)+4096 {
		// A sparse scene whose extent dwarfs its faces (voxels far apart): counting over every key
		// would take memory in proportion to the extent, so the distinct keys are ranked instead, in
		// one chunk per direction (the counts below take chunks × keys).
		keys := make([]int32, 0, n)
		for dir := range 6 {
			if shapes[dir] != nil {
				for i := range m.faces[dir] {
					keys = append(keys, key(&m.faces[dir][i]))
				}
			}
		}
		slices.Sort(keys)
		keys = slices.Compact(keys)
		span = int32(len(keys))
		slot = func(f *face) int32 {
			i, _ := slices.BinarySearch(keys, key(f))
			return span - 1 - int32(i)
		}
		per = max(n, 1)
	}
	for dir := range 6 {
		if shapes[dir] == nil {
			continue
		}
		for i0 := 0; i0 < len(m.faces[dir]); i0 += per {
			chunks = append(chunks, chunk{dir: dir, i0: i0, i1: min(i0+per, len(m.faces[dir]))})
		}
	}
	counts := sc.int32s(&sc.counts, len(chunks)*int(span))
	// Faces hidden behind nearer voxels get no quad at all (a menger sponge at 1080p: 180,000 faces
	// face the camera, 35,000 show).
	isHidden := func(dir, i int) bool { return hidden != nil && hidden[dir][i>>6]&(1<<(i&63)) != 0 }
	err := forEach(len(chunks), func(c int) {
		ch := &chunks[c]
		ch.next = counts[c*int(span) : (c+1)*int(span)]
		for i := ch.i0; i < ch.i1; i++ {
			if !isHidden(ch.dir, i) {
				ch.next[slot(&m.faces[ch.dir][i])]++
			}
		}
	})
	var pos int32
	for k := range span {
		for c := range chunks {
			cnt := chunks[c].next[k]
			chunks[c].next[k] = pos
			pos += cnt
		}
	}
	if err != nil {
		return nil, nil, err
	}
	quads := sc.quadSlice(int(pos))
	err = forEach(len(chunks), func(c int) {
		if testPanic != nil {
			testPanic("quads")
		}
		ch := &chunks[c]
		dir := ch.dir
		s := &setups[dir]
		shp := shapes[dir]
		for i := ch.i0; i < ch.i1; i++ {
			if isHidden(dir, i) {
				continue
			}
			f := &m.faces[dir][i]
			k := slot(f)
			q := &quads[ch.next[k]]
			ch.next[k]++
			q.px, q.py = proj.point(int64(f.x)+s.off[0], int64(f.y)+s.off[1], int64(f.z)+s.off[2])
			if !q.setBounds(shp, t) {
				continue
			}
			q.shape = uint8(dir)
			if opt.Outline {
				q.edges = f.edges
				if s.swapped {
					q.edges = (q.edges&3)<<2 | (q.edges>>2)&3
				}
			}
			col, lut := f.col, f.lut
			if len(opt.Tint) > 0 {
				if tc, ok := opt.Tint[voxel.Pos{X: m.box.Min.X + int(f.x), Y: m.box.Min.Y + int(f.y), Z: m.box.Min.Z + int(f.z)}]; ok {
					col, lut = mixTint(col, tc), -1
				}
			}
			lt := &table[dir]
			var sh [4]int32
			for c := range 4 {
				sh[c] = int32(lt[f.code[c]])
			}
			df := int32(shadeOne)
			if depthCue {
				df = shadeOne - depthDark*(span-1-k)/max(span-1, 1)
			}
			if sh[0] == sh[1] && sh[0] == sh[2] && sh[0] == sh[3] {
				q.kind = quadFlat
				if q.edges != 0 {
					q.kind = quadEdges
				}
				switch {
				case defaultLook && df == shadeOne && lut >= 0:
					q.fill, q.line = f.fill, f.line
				case lut >= 0:
					v := sh[0] * df >> 8
					q.fill, q.line = m.luts[lut][v>>3], m.luts[lut][(v*outlineFactor>>8)>>3]
				default:
					v := sh[0] * df >> 8
					q.fill, q.line = shadeColour(col, v), shadeColour(col, v*outlineFactor>>8)
				}
				continue
			}
			q.kind = quadAO
			q.fill = col
			q.lut = lut
			for c := range 4 {
				q.shade[c] = uint16(sh[c] * df >> 8)
			}
			if s.swapped {
				q.shade[1], q.shade[3] = q.shade[3], q.shade[1]
			}
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return quads, shapes, nil
}

// scratch holds a render's temporary slices, reused across renders: the quads alone are 64 bytes per
// face, and allocating them anew for every render keeps the garbage collector busy.
type scratch struct {
	quads                     []quad
	counts, start, list, next []int32
	span                      []int32
}

// maxScratchQuads bounds the quads a pooled scratch keeps (2 MiB); bigger models allocate their own.
const maxScratchQuads = 1 << 15

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func putScratch(sc *scratch) {
	if cap(sc.quads) > maxScratchQuads {
		sc.quads = nil
	}
	if cap(sc.counts) > 4*maxScratchQuads {
		sc.counts = nil
	}
	if cap(sc.list) > 4*maxScratchQuads {
		sc.list = nil
	}
	if cap(sc.span) > 2*maxScratchQuads {
		sc.span = nil
	}
	scratchPool.Put(sc)
}

// quadSlice returns n zeroed quads.
func (sc *scratch) quadSlice(n int) []quad {
	if cap(sc.quads) < n {
		sc.quads = make([]quad, n, n+n/8+64) // room for the shadow tiles
		return sc.quads
	}
	q := sc.quads[:n]
	clear(q)
	return q
}

// int32s returns *buf resized to n zeroed values.
func (sc *scratch) int32s(buf *[]int32, n int) []int32 {
	if cap(*buf) < n {
		*buf = make([]int32, n)
		return *buf
	}
	*buf = (*buf)[:n]
	clear(*buf)
	return *buf
}

// forEach calls fn(0) … fn(n-1) on this goroutine and the hot helpers (internal/hot) and waits for
// them. A panic in fn stops the remaining calls and is returned as an error: it fails this render only.
func forEach(n int, fn func(int)) error {
	if err := hot.Run(n, fn); err != nil {
		return fmt.Errorf("renderer: %w", err)
	}
	return nil
}

// recoverTo turns a panic of the calling goroutine into *err (and sets failed, when given), so that a
// bug met by one render fails that call with an error and the process keeps serving. Use as a
// deferred call.
func recoverTo(err *error, failed *atomic.Bool) {
	if v := recover(); v != nil {
		*err = fmt.Errorf("renderer: internal error: %v", v)
		if failed != nil {
			failed.Store(true)
		}
	}
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// shadowTile is the edge, in map cells, of the ground tiles that carry the shadow. Tiles with no shadow
// (including a one-cell border read by bilinear sampling) are not drawn at all.
const shadowTile = 8

// shadowQuads appends the ground tiles carrying the shadow map to quads, to be drawn after the faces on
// the pixels still showing the background, and sets rs's shadow sampler. It adds the tiles' shapes
// (at most four sizes) to rs.shapes. A tile's field holds its map rectangle: x, y, width, height in cells.
func shadowQuads(m *model, proj *projection, rs *raster, bg uint32, quads []quad) []quad {
	sm := m.shadow
	sh := newShadowSampler(sm, bg)
	rs.sh = sh
	a, b := proj.ax, proj.ay
	if a[0]*b[1]-a[1]*b[0] < 0 {
		sh.swapped = true
	}
	shapes := map[[2]int]uint8{} // by tile size
	for ty := 0; ty < sm.h; ty += shadowTile {
		for tx := 0; tx < sm.w; tx += shadowTile {
			tw, th := min(shadowTile, sm.w-tx), min(shadowTile, sm.h-ty)
			if !sm.any(tx-1, ty-1, tx+tw+1, ty+th+1) {
				continue
			}
			q := quad{kind: quadShadow, tile: [4]int32{int32(tx), int32(ty), int32(tw), int32(th)}}
			q.px, q.py = proj.point(int64(sm.x0)+int64(tx), int64(sm.y0)+int64(ty), 0)
			k, ok := shapes[[2]int{tw, th}]
			if !ok {
				qa := [2]int64{a[0] * int64(tw), a[1] * int64(tw)}
				qb := [2]int64{b[0] * int64(th), b[1] * int64(th)}
				if sh.swapped {
					qa, qb = qb, qa
				}
				k = uint8(len(rs.shapes))
				rs.shapes = append(rs.shapes, newShape(qa, qb))
				shapes[[2]int{tw, th}] = k
			}
			q.shape = k
			if q.setBounds(rs.shapes[k], rs.t) {
				quads = append(quads, q)
			}
		}
	}
	return quads
}

// drawBands rasterises quads in order into row bands of rs.t, in parallel. Bands own disjoint rows and
// each draws its quads in list order, so the result does not depend on scheduling. With fill set, each
// band first clears its rows to bg.
func drawBands(ctx context.Context, rs *raster, quads []quad, fill bool, bg uint32, sc *scratch) error {
	t := rs.t
	workers := runtime.GOMAXPROCS(0)
	bandRows := int32(32)
	if int32(t.h)/bandRows < int32(workers)*2 {
		bandRows = max(8, int32(t.h)/(int32(workers)*2))
	}
	bands := (int32(t.h) + bandRows - 1) / bandRows
	// Bin the quads by band, keeping their order: start[b] is the first of band b's entries in list.
	// The first pass notes each quad's bands (first, last) so that the second reads 8 bytes a quad
	// instead of the quads again (64 bytes each: the quads of a 400×400 render fill 260 KB).
	start := sc.int32s(&sc.start, int(bands)+1)
	span := sc.int32s(&sc.span, 2*len(quads))
	for i := range quads {
		b0, b1 := int32(0), int32(-1) // none
		if q := &quads[i]; q.rowMax > 0 {
			b0, b1 = q.rowMin/bandRows, (q.rowMax-1)/bandRows
			for b := b0; b <= b1; b++ {
				start[b+1]++
			}
		}
		span[2*i], span[2*i+1] = b0, b1
	}
	for b := range bands {
		start[b+1] += start[b]
	}
	list := sc.int32s(&sc.list, int(start[bands]))
	next := sc.int32s(&sc.next, int(bands))
	copy(next, start[:bands])
	for i := range len(quads) {
		for b := span[2*i]; b <= span[2*i+1]; b++ {
			list[next[b]] = int32(i)
			next[b]++
		}
	}
	var cancelled atomic.Bool
	err := forEach(int(bands), func(bi int) {
		if testPanic != nil {
			testPanic("bands")
		}
		b := int32(bi)
		if b%8 == 0 && ctx.Err() != nil {
			cancelled.Store(true)
		}
		if cancelled.Load() {
			return
		}
		r0, r1 := b*bandRows, min((b+1)*bandRows, int32(t.h))
		if fill {
			for y := r0; y < r1; y++ {
				fillSpan(t.pix[int(y)*t.stride:int(y)*t.stride+t.w], bg)
			}
		}
		for _, i := range list[start[b]:start[b+1]] {
			quads[i].draw(rs, r0, r1)
		}
	})
	if err != nil {
		return err
	}
	if cancelled.Load() {
		return ctx.Err()
	}
	return nil
}

// downsample2 averages 2×2 blocks of src into dst, weighting colour by alpha (src holds straight alpha
// 0 or 255, or overlay pixels already un-premultiplied), so transparent neighbours do not darken edges.
func downsample2(dst, src target) {
	for y := range dst.h {
		s0 := src.pix[2*y*src.stride:]
		s1 := src.pix[(2*y+1)*src.stride:]
		d := dst.pix[y*dst.stride : y*dst.stride+dst.w]
		for x := range d {
			p := [4]uint32{s0[2*x], s0[2*x+1], s1[2*x], s1[2*x+1]}
			if p[0] == p[1] && p[0] == p[2] && p[0] == p[3] {
				d[x] = p[0]
				continue
			}
			var r, g, b, a uint32
			for _, c := range p {
				ca := c >> 24
				r += (c & 0xff) * ca
				g += (c >> 8 & 0xff) * ca
				b += (c >> 16 & 0xff) * ca
				a += ca
			}
			if a == 0 {
				d[x] = 0
				continue
			}
			d[x] = (r+a/2)/a | ((g+a/2)/a)<<8 | ((b+a/2)/a)<<16 | ((a+2)/4)<<24
		}
	}
}

// unpremultiply converts pixels with partial alpha (drawn by gg, which works premultiplied) to straight
// alpha.
func unpremultiply(t target) {
	for y := range t.h {
		row := t.pix[y*t.stride : y*t.stride+t.w]
		for i, c := range row {
			a := c >> 24
			if a == 0 || a == 255 {
				continue
			}
			r := min((c&0xff)*255/a, 255)
			g := min((c>>8&0xff)*255/a, 255)
			b := min((c>>16&0xff)*255/a, 255)
			row[i] = r | g<<8 | b<<16 | a<<24
		}
	}
}

// packNRGBA packs c as a pixel word; a transparent colour packs to 0.
func packNRGBA(c color.NRGBA) uint32 {
	if c.A == 0 {
		return 0
	}
	return uint32(c.R) | uint32(c.G)<<8 | uint32(c.B)<<16 | uint32(c.A)<<24
}

// pixels views an RGBA byte slice as packed words (R in the low byte: little-endian CPUs only, see doc.go).
func pixels(p []byte) []uint32 {
	if len(p) == 0 {
		return nil
	}
	return unsafe.Slice((*uint32)(unsafe.Pointer(&p[0])), len(p)/4)
}

// testPanic, when set by a test, is called in the renderer's goroutines with the name of the pass, to
// force a panic there.
var testPanic func(where string)

// mixTint mixes tint t over packed colour c at t's alpha.
func mixTint(c uint32, t color.NRGBA) uint32 {
	a := uint32(t.A)
	mix := func(v uint32, w uint8) uint32 { return (v*(255-a) + uint32(w)*a + 127) / 255 }
	return mix(c&0xff, t.R) | mix(c>>8&0xff, t.G)<<8 | mix(c>>16&0xff, t.B)<<16
}
