// Package autosave keeps the open scene on disk after every change and
// restores it when the server starts again, so a crash or kill -9 loses at
// most the call that was running.
//
// Layout of the state directory (mode 0700, files 0600):
//
//	lock          held with flock by the one process that autosaves here
//	scene.json    the manifest: layers (id, name, visibility) and, for each
//	              block, its origin, content hash and place in a pack; plus
//	              the project's file path, its dirty flag and the current layer
//	packs/<n>     deflated 16×16×16 blocks (16 KiB of RGBA each), appended
//	              by one save
//
// A save writes the blocks whose content is not on disk yet into one new
// pack, then the manifest (to a temporary name, renamed into place), then
// removes packs the manifest no longer uses. A pack is written before any
// manifest refers to it, so a crash mid-save leaves the previous manifest
// and its packs intact; unreferenced packs are removed at the next start.
// Packs whose live blocks fill less than half of them are compacted: their
// live blocks go into the new pack. Blocks are copy-on-write in the scene, so
// a save costs in proportion to what the last call changed, in a handful of
// system calls. Nothing is synced: the files survive the process dying, which
// is what autosave is for; a power cut may lose the last saves.
package autosave

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/cespare/xxhash/v2"
	"github.com/klauspost/compress/flate"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// ErrBusy is returned by Open when another process autosaves in the directory.
var ErrBusy = errors.New("another goxel-mcp process is autosaving in this directory")

const (
	manifestName = "scene.json"
	packsDir     = "packs"
	blockRaw     = voxel.BlockSize * voxel.BlockSize * voxel.BlockSize * 4
	formatID     = "goxel-mcp-autosave/2"
	// compactMin is the smallest pack worth compacting.
	compactMin = 64 << 10
	// maxManifest bounds the manifest read at start-up: a scene within the
	// budget (8 Ki blocks of 7 numbers, 1,024 names of 255 bytes even
	// JSON-escaped) needs a few MiB.
	maxManifest = 8 << 20
	// asidePrefix names the folders a state that could not be restored is
	// moved to, with the time.
	asidePrefix = "damaged-"
)

// Meta is what the manifest records besides the voxels.
type Meta struct {
	ProjectPath string    `json:"project_path,omitempty"`
	Dirty       bool      `json:"dirty"`
	Current     int       `json:"current_layer"`
	SavedAt     time.Time `json:"saved_at"`
}

type manifest struct {
	Format string `json:"format"`
	Meta
	NextPack uint64    `json:"next_pack"`
	Layers   layerList `json:"layers"`
}

// layerList decodes no more layers than a scene may have: a manifest of many thousands of layers
// (a hostile or damaged state) is refused after counting the rest, not decoding them.
type layerList []layerEntry

func (l *layerList) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*l = nil
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return fmt.Errorf("layers is not a list")
	}
	max := voxel.DefaultBudget.MaxLayers
	for dec.More() {
		if len(*l) == max {
			// Counted, not decoded: the message says how many.
			n := max
			for ; dec.More(); n++ {
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return err
				}
			}
			return fmt.Errorf("%d layers, more than the %d a scene may have: %w", n, max, voxel.ErrBudget)
		}
		var e layerEntry
		if err := dec.Decode(&e); err != nil {
			return err
		}
		*l = append(*l, e)
	}
	return nil
}

type layerEntry struct {
	ID      int          `json:"id"`
	Name    string       `json:"name"`
	Visible bool         `json:"visible"`
	Blocks  []blockEntry `json:"blocks"`
}

// blockEntry is [x, y, z, pack, offset, length, hash] of one block.
type blockEntry [7]int64

// loc is where a block's bytes are.
type loc struct {
	pack     uint64
	off, len int64
}

type pack struct {
	size      int64
	liveBytes int64 // bytes of blocks the last manifest uses
}

// Status describes the saver for get_status.
type Status struct {
	Enabled   bool      `json:"enabled"`
	Dir       string    `json:"dir,omitempty"`
	SavedAt   time.Time `json:"saved_at,omitzero"`
	LastError string    `json:"last_error,omitempty"`
	// Warning says what went wrong at start-up: a state that could not be
	// restored (and where it was kept), or a directory autosave cannot use.
	Warning string `json:"warning,omitempty"`
}

// Saver autosaves one scene into a state directory. It is safe for
// concurrent use.
type Saver struct {
	mu       sync.Mutex
	dir      string
	root     *os.Root
	unlock   func()
	onDisk   map[uint64]loc // blocks the last manifest uses, by content hash
	packs    map[uint64]*pack
	nextPack uint64
	savedAt  time.Time
	lastErr  error
	warning  string
	logger   *slog.Logger
	fw       *flate.Writer
	// opened is the manifest as Open read it, kept for Load until a save or SetAside changes the
	// state: a large manifest is decoded once at start-up, not twice.
	opened *openedManifest
}

type openedManifest struct {
	m   *manifest
	err error
}

// Open takes the state directory dir, creating it (0700) if needed, and
// removes what an interrupted save left behind.
func Open(dir string, logger *slog.Logger) (*Saver, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Join(dir, packsDir), 0o700); err != nil {
		return nil, fmt.Errorf("failed to create state directory: %w", err)
	}
	if fi, err := os.Lstat(dir); err != nil || fi.Mode()&os.ModeSymlink != 0 {
		return nil, fmt.Errorf("refusing state directory %s: it is a symbolic link or unreadable", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("failed to open state directory: %w", err)
	}
	unlock, err := lockDir(root)
	if err != nil {
		root.Close()
		return nil, err
	}
	s := &Saver{dir: dir, root: root, unlock: unlock, onDisk: map[uint64]loc{}, packs: map[uint64]*pack{}, logger: logger}
	_ = root.Remove(manifestName + ".tmp") // a crash leftover of ours; absent is fine
	m, merr := s.readManifest()
	s.opened = &openedManifest{m, merr}
	if merr == nil && m != nil {
		s.nextPack = m.NextPack
		for _, l := range m.Layers {
			for _, b := range l.Blocks {
				s.track(uint64(b[6]), loc{uint64(b[3]), b[4], b[5]})
			}
		}
	}
	entries, _ := readDir(root, packsDir) // an unreadable folder only keeps stray packs
	if merr != nil {
		// The manifest is unreadable: its packs are not known, and Load's
		// caller sets them aside with it, so none is removed here.
		entries = nil
	}
	for _, e := range entries {
		n, err := strconv.ParseUint(e.Name(), 10, 64)
		if _, used := s.packs[n]; err == nil && used {
			if fi, err := e.Info(); err == nil {
				s.packs[n].size = fi.Size()
			}
			continue
		}
		_ = root.Remove(filepath.Join(packsDir, e.Name())) // not in the manifest: an interrupted save's
	}
	return s, nil
}

// track records that the manifest uses the block with hash h at l.
func (s *Saver) track(h uint64, l loc) {
	if _, ok := s.onDisk[h]; ok {
		return
	}
	s.onDisk[h] = l
	p := s.packs[l.pack]
	if p == nil {
		p = &pack{}
		s.packs[l.pack] = p
	}
	p.liveBytes += l.len
}

func readDir(root *os.Root, name string) ([]os.DirEntry, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadDir(-1)
}

// Dir returns the state directory.
func (s *Saver) Dir() string { return s.dir }

// Close releases the directory lock.
func (s *Saver) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.root == nil {
		return nil
	}
	s.unlock()
	err := s.root.Close()
	s.root = nil
	return err
}

// Status reports whether saving works and when it last succeeded.
func (s *Saver) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Status{Enabled: s.root != nil, Dir: s.dir, SavedAt: s.savedAt, Warning: s.warning}
	if s.lastErr != nil {
		st.LastError = s.lastErr.Error()
	}
	return st
}

// Save records the frozen layers and meta. Errors are kept for Status and
// returned; the previous autosave stays intact.
func (s *Saver) Save(layers []voxel.LayerBlocks, meta Meta) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.root == nil {
		return errors.New("autosave is closed")
	}
	err := s.save(layers, meta)
	s.lastErr = err
	if err != nil {
		s.logger.Warn("autosave failed", "err", err)
	}
	return err
}

func (s *Saver) save(layers []voxel.LayerBlocks, meta Meta) error {
	s.opened = nil // the manifest on disk changes
	// Which blocks stay, and which packs are mostly dead and get compacted.
	used := map[uint64]bool{}
	live := map[uint64]int64{}
	for _, l := range layers {
		for _, h := range l.Hashes {
			if !used[h] {
				used[h] = true
				if at, ok := s.onDisk[h]; ok {
					live[at.pack] += at.len
				}
			}
		}
	}
	compact := map[uint64]bool{}
	for n, p := range s.packs {
		if p.size >= compactMin && live[n] < p.size/2 {
			compact[n] = true
		}
	}

	id := s.nextPack
	var data bytes.Buffer
	fresh := map[uint64]loc{}
	m := manifest{Format: formatID, Meta: meta, NextPack: id + 1}
	m.SavedAt = time.Now().UTC()
	for _, l := range layers {
		e := layerEntry{ID: l.ID, Name: l.Name, Visible: l.Visible, Blocks: []blockEntry{}}
		for i, b := range l.Blocks {
			h := l.Hashes[i]
			at, ok := s.onDisk[h]
			if !ok || compact[at.pack] {
				if at, ok = fresh[h]; !ok {
					off := int64(data.Len())
					if err := s.writeBlock(&data, b.Block); err != nil {
						return err
					}
					at = loc{id, off, int64(data.Len()) - off}
					fresh[h] = at
				}
			}
			o := b.Origin
			e.Blocks = append(e.Blocks, blockEntry{int64(o.X), int64(o.Y), int64(o.Z), int64(at.pack), at.off, at.len, int64(h)})
		}
		m.Layers = append(m.Layers, e)
	}
	if data.Len() > 0 {
		// Written straight to its final name: no manifest refers to it yet.
		if err := s.writeFile(filepath.Join(packsDir, strconv.FormatUint(id, 10)), data.Bytes(), false); err != nil {
			return err
		}
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("failed to encode the autosave manifest: %w", err)
	}
	if err := s.writeFile(manifestName, raw, true); err != nil {
		if data.Len() > 0 {
			_ = s.root.Remove(filepath.Join(packsDir, strconv.FormatUint(id, 10))) // unreferenced after all
		}
		return err
	}
	s.nextPack = id + 1

	// The new manifest is in place: forget what it does not use.
	old := s.packs
	s.onDisk, s.packs = map[uint64]loc{}, map[uint64]*pack{}
	for _, l := range m.Layers {
		for _, b := range l.Blocks {
			s.track(uint64(b[6]), loc{uint64(b[3]), b[4], b[5]})
		}
	}
	for n, p := range old {
		if q := s.packs[n]; q != nil {
			q.size = p.size
		} else {
			_ = s.root.Remove(filepath.Join(packsDir, strconv.FormatUint(n, 10))) // unused now; a failure only wastes space
		}
	}
	if p := s.packs[id]; p != nil {
		p.size = int64(data.Len())
	}
	s.savedAt = m.SavedAt
	return nil
}

// writeFile writes data to name, through a temporary file and a rename when
// atomic is set.
func (s *Saver) writeFile(name string, data []byte, atomic bool) error {
	target := name
	if atomic {
		target = name + ".tmp"
	}
	f, err := s.root.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("failed to write autosave: %w", err)
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr != nil || cerr != nil {
		_ = s.root.Remove(target) // ours, and incomplete
		return fmt.Errorf("failed to write autosave: %w", errors.Join(werr, cerr))
	}
	if atomic {
		if err := s.root.Rename(target, name); err != nil {
			return fmt.Errorf("failed to write autosave: %w", err)
		}
	}
	return nil
}

// writeBlock deflates one block; the compressor is reused, since a new one
// costs more than compressing a block.
func (s *Saver) writeBlock(w io.Writer, b *voxel.Block) error {
	if s.fw == nil {
		fw, err := flate.NewWriter(w, flate.BestSpeed)
		if err != nil {
			return err
		}
		s.fw = fw
	} else {
		s.fw.Reset(w)
	}
	v := b.Voxels()
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), blockRaw)
	if _, err := s.fw.Write(raw); err != nil {
		return err
	}
	return s.fw.Close()
}

func (s *Saver) readManifest() (*manifest, error) {
	f, err := s.root.Open(manifestName)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("failed to read autosave: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("autosave manifest %s is not a regular file", filepath.Join(s.dir, manifestName))
	}
	data, err := io.ReadAll(io.LimitReader(f, maxManifest+1))
	if err != nil {
		return nil, fmt.Errorf("failed to read autosave: %w", err)
	}
	if len(data) > maxManifest {
		return nil, fmt.Errorf("autosave manifest %s is larger than %d MiB, more than any scene within the budget needs", filepath.Join(s.dir, manifestName), maxManifest>>20)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); errors.Is(err, voxel.ErrBudget) {
		return nil, fmt.Errorf("autosave manifest %s: %w", filepath.Join(s.dir, manifestName), err)
	} else if err != nil || m.Format != formatID {
		return nil, fmt.Errorf("autosave manifest %s is not readable (format %q, %v)", filepath.Join(s.dir, manifestName), m.Format, err)
	}
	return &m, nil
}

// Load reads the last autosave. ok is false when there is none. The scene
// is held to the scene budget (voxel.DefaultBudget): counts are checked
// before anything is built, and blocks are restored whole, so a restore
// costs time linear in the state's size and fails fast on a state no
// scene may have. On an error, SetAside keeps the state for inspection.
func (s *Saver) Load() (scene *voxel.Scene, meta Meta, ok bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var m *manifest
	if o := s.opened; o != nil {
		m, err, s.opened = o.m, o.err, nil
	} else {
		m, err = s.readManifest()
	}
	if err != nil || m == nil {
		return nil, Meta{}, false, err
	}
	scene, restored, err := s.build(m)
	if err != nil {
		return nil, Meta{}, false, fmt.Errorf("autosave: %w", err)
	}
	// Saves reuse blocks on disk by content hash. The manifest's hashes
	// are only claims (a damaged or hand-made state may give two blocks
	// one hash), so what is tracked is the hash of what was restored.
	old := s.packs
	s.onDisk, s.packs = map[uint64]loc{}, map[uint64]*pack{}
	for _, r := range restored {
		s.track(r.hash, r.at)
	}
	for n, p := range old {
		if q := s.packs[n]; q != nil {
			q.size = p.size
		}
	}
	return scene, m.Meta, true, nil
}

// checkCounts refuses a manifest beyond the budget before it is built.
func checkCounts(m *manifest, b voxel.Budget) error {
	if len(m.Layers) > b.MaxLayers {
		return fmt.Errorf("%d layers, more than the %d a scene may have: %w", len(m.Layers), b.MaxLayers, voxel.ErrBudget)
	}
	blocks := 0
	for _, l := range m.Layers {
		blocks += len(l.Blocks)
		if len(l.Name) > b.MaxLayerName {
			return fmt.Errorf("layer %d has a name of %d bytes, more than %d: %w", l.ID, len(l.Name), b.MaxLayerName, voxel.ErrBudget)
		}
	}
	if blocks > b.MaxBlocks {
		return fmt.Errorf("%d blocks, more than the %d a scene may occupy: %w", blocks, b.MaxBlocks, voxel.ErrBudget)
	}
	return nil
}

// restoredBlock is where a restored block lies and the hash of its content.
type restoredBlock struct {
	hash uint64
	at   loc
}

func (s *Saver) build(m *manifest) (*voxel.Scene, []restoredBlock, error) {
	scene := voxel.NewEmpty()
	if err := checkCounts(m, scene.Budget()); err != nil {
		return nil, nil, err
	}
	var restored []restoredBlock
	files := map[uint64]*os.File{}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	var rd blockReader
	var v [blockRaw / 4]color.NRGBA
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), blockRaw)
	for _, l := range m.Layers {
		if err := scene.AddLayerWithID(l.ID, l.Name); err != nil {
			return nil, nil, err
		}
		if err := scene.SetVisible(l.ID, l.Visible); err != nil {
			return nil, nil, err
		}
		for _, b := range l.Blocks {
			n := uint64(b[3])
			f := files[n]
			if f == nil {
				var err error
				if f, err = s.root.Open(filepath.Join(packsDir, strconv.FormatUint(n, 10))); err != nil {
					return nil, nil, fmt.Errorf("missing pack %d: %w", n, err)
				}
				files[n] = f
			}
			if err := rd.read(f, b[4], b[5], raw); err != nil {
				return nil, nil, fmt.Errorf("damaged block in pack %d: %w", n, err)
			}
			o := voxel.Pos{X: int(b[0]), Y: int(b[1]), Z: int(b[2])}
			if int64(o.X) != b[0] || int64(o.Y) != b[1] || int64(o.Z) != b[2] {
				return nil, nil, fmt.Errorf("block origin %v out of range", b[:3])
			}
			if err := scene.PutBlock(l.ID, o, &v); err != nil {
				return nil, nil, fmt.Errorf("layer %d: %w", l.ID, err)
			}
			for i := range v {
				if v[i].A == 0 {
					v[i] = color.NRGBA{} // as the scene keeps it, so the hash is the block's
				}
			}
			restored = append(restored, restoredBlock{xxhash.Sum64(raw), loc{n, b[4], b[5]}})
		}
	}
	if len(m.Layers) == 0 {
		scene = voxel.New()
	} else if scene.HasLayer(m.Current) {
		_ = scene.SelectLayer(m.Current) // checked just above
	}
	scene.ClearHistory()
	return scene, restored, nil
}

// SetAside moves the manifest and packs into a new folder damaged-<time>
// of the state directory, so the next save starts afresh while the state
// that could not be restored is kept for inspection. why is recorded as
// the Status warning; it returns the folder.
func (s *Saver) SetAside(why error) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.root == nil {
		return "", errors.New("autosave is closed")
	}
	s.opened = nil
	name := asidePrefix + time.Now().UTC().Format("20060102T150405.000000000")
	if err := s.root.Mkdir(name, 0o700); err != nil {
		return "", fmt.Errorf("failed to keep the autosave aside: %w", err)
	}
	merr := s.root.Rename(manifestName, filepath.Join(name, manifestName))
	if errors.Is(merr, os.ErrNotExist) {
		merr = nil
	}
	perr := s.root.Rename(packsDir, filepath.Join(name, packsDir))
	if errors.Is(perr, os.ErrNotExist) {
		perr = nil
	}
	if err := s.root.Mkdir(packsDir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		perr = errors.Join(perr, err)
	}
	// The packs are gone from here: nothing on disk is shared any more.
	s.onDisk, s.packs = map[uint64]loc{}, map[uint64]*pack{}
	dir := filepath.Join(s.dir, name)
	s.warning = fmt.Sprintf("the autosaved scene could not be restored (%v); it was kept in %s and the server started with an empty scene", why, dir)
	if err := errors.Join(merr, perr); err != nil {
		return dir, fmt.Errorf("failed to keep the autosave aside: %w", err)
	}
	return dir, nil
}

// blockReader inflates blocks, reusing one decompressor.
type blockReader struct {
	fr io.ReadCloser
}

func (r *blockReader) read(f *os.File, off, n int64, raw []byte) error {
	if off < 0 || n <= 0 || n > 2*blockRaw {
		return fmt.Errorf("bad block place %d+%d", off, n)
	}
	src := io.NewSectionReader(f, off, n)
	if r.fr == nil {
		r.fr = flate.NewReader(src)
	} else if err := r.fr.(flate.Resetter).Reset(src, nil); err != nil {
		return err
	}
	_, err := io.ReadFull(r.fr, raw)
	return err
}
