// Package autosave keeps the open scene on disk after every change and
// restores it when the server starts again, so a crash or kill -9 loses at
// most the call that was running.
//
// Layout of the state directory (mode 0700, files 0600):
//
//	lock             held with flock by the one process that autosaves here
//	scene.json       the manifest: layers (id, name, visibility) and, for each
//	                 block, its origin and content hash; plus the project's
//	                 file path, its dirty flag and the current layer
//	blocks/<hash>    one 16×16×16 block: its 16 KiB of RGBA, deflated
//
// Saving writes only blocks whose hash is not on disk yet, each to a temporary
// name renamed into place, then the manifest the same way, then removes
// blocks no manifest refers to. Blocks are copy-on-write in the scene, so a
// save costs in proportion to what the last call changed. Nothing is synced:
// the files survive the process dying, which is what autosave is for; a power
// cut may lose the last saves.
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
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/klauspost/compress/flate"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// ErrBusy is returned by Open when another process autosaves in the directory.
var ErrBusy = errors.New("another goxel-mcp process is autosaving in this directory")

const (
	manifestName = "scene.json"
	blocksDir    = "blocks"
	blockRaw     = voxel.BlockSize * voxel.BlockSize * voxel.BlockSize * 4
	formatID     = "goxel-mcp-autosave/1"
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
	Layers []layerEntry `json:"layers"`
}

type layerEntry struct {
	ID      int         `json:"id"`
	Name    string      `json:"name"`
	Visible bool        `json:"visible"`
	Blocks  [][4]string `json:"blocks"` // x, y, z of the origin, hash
}

// Status describes the saver for get_status.
type Status struct {
	Enabled   bool      `json:"enabled"`
	Dir       string    `json:"dir,omitempty"`
	SavedAt   time.Time `json:"saved_at,omitzero"`
	LastError string    `json:"last_error,omitempty"`
}

// Saver autosaves one scene into a state directory. It is safe for
// concurrent use.
type Saver struct {
	mu      sync.Mutex
	dir     string
	root    *os.Root
	unlock  func()
	onDisk  map[string]bool
	savedAt time.Time
	lastErr error
	logger  *slog.Logger
}

// Open takes the state directory dir, creating it (0700) if needed.
func Open(dir string, logger *slog.Logger) (*Saver, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Join(dir, blocksDir), 0o700); err != nil {
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
	s := &Saver{dir: dir, root: root, unlock: unlock, onDisk: map[string]bool{}, logger: logger}
	entries, err := readDir(root, blocksDir)
	if err == nil {
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".tmp-") {
				_ = root.Remove(filepath.Join(blocksDir, name)) // a crash leftover of ours
				continue
			}
			if validHash(name) {
				s.onDisk[name] = true
			}
		}
	}
	_ = root.Remove(manifestName + ".tmp") // a crash leftover of ours; absent is fine
	return s, nil
}

func readDir(root *os.Root, name string) ([]os.DirEntry, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadDir(-1)
}

func validHash(s string) bool {
	if len(s) != 16 {
		return false
	}
	_, err := strconv.ParseUint(s, 16, 64)
	return err == nil
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
	st := Status{Enabled: s.root != nil, Dir: s.dir, SavedAt: s.savedAt}
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
	m := manifest{Format: formatID, Meta: meta}
	m.SavedAt = time.Now().UTC()
	used := map[string]bool{}
	var buf bytes.Buffer
	for _, l := range layers {
		e := layerEntry{ID: l.ID, Name: l.Name, Visible: l.Visible, Blocks: [][4]string{}}
		for i, b := range l.Blocks {
			h := fmt.Sprintf("%016x", l.Hashes[i])
			o := b.Origin
			e.Blocks = append(e.Blocks, [4]string{strconv.Itoa(o.X), strconv.Itoa(o.Y), strconv.Itoa(o.Z), h})
			used[h] = true
			if s.onDisk[h] {
				continue
			}
			buf.Reset()
			if err := writeBlock(&buf, b.Block); err != nil {
				return err
			}
			if err := s.writeFile(filepath.Join(blocksDir, h), buf.Bytes()); err != nil {
				return err
			}
			s.onDisk[h] = true
		}
		m.Layers = append(m.Layers, e)
	}
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("failed to encode the autosave manifest: %w", err)
	}
	if err := s.writeFile(manifestName, data); err != nil {
		return err
	}
	for h := range s.onDisk {
		if !used[h] {
			_ = s.root.Remove(filepath.Join(blocksDir, h)) // unreferenced now; a failure only wastes space
			delete(s.onDisk, h)
		}
	}
	s.savedAt = m.SavedAt
	return nil
}

// writeFile writes data to name through a temporary file and a rename.
func (s *Saver) writeFile(name string, data []byte) error {
	tmp := filepath.Join(filepath.Dir(name), ".tmp-"+filepath.Base(name))
	if filepath.Dir(name) == "." {
		tmp = name + ".tmp"
	}
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("failed to write autosave: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		_ = s.root.Remove(tmp) // ours, and incomplete
		return fmt.Errorf("failed to write autosave: %w", err)
	}
	if err := f.Close(); err != nil {
		_ = s.root.Remove(tmp) // ours, and incomplete
		return fmt.Errorf("failed to write autosave: %w", err)
	}
	if err := s.root.Rename(tmp, name); err != nil {
		return fmt.Errorf("failed to write autosave: %w", err)
	}
	return nil
}

func writeBlock(w io.Writer, b *voxel.Block) error {
	fw, err := flate.NewWriter(w, flate.BestSpeed)
	if err != nil {
		return err
	}
	v := b.Voxels()
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), blockRaw)
	if _, err := fw.Write(raw); err != nil {
		return err
	}
	return fw.Close()
}

// Load reads the last autosave. ok is false when there is none.
func (s *Saver) Load() (scene *voxel.Scene, meta Meta, ok bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := s.root.ReadFile(manifestName)
	if errors.Is(err, os.ErrNotExist) {
		return nil, Meta{}, false, nil
	}
	if err != nil {
		return nil, Meta{}, false, fmt.Errorf("failed to read autosave: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil || m.Format != formatID {
		return nil, Meta{}, false, fmt.Errorf("autosave manifest %s is not readable (%v)", filepath.Join(s.dir, manifestName), err)
	}
	scene = voxel.NewEmpty()
	var raw [blockRaw]byte
	for _, l := range m.Layers {
		if err := scene.AddLayerWithID(l.ID, l.Name); err != nil {
			return nil, Meta{}, false, fmt.Errorf("autosave: %w", err)
		}
		if err := scene.SetVisible(l.ID, l.Visible); err != nil {
			return nil, Meta{}, false, err
		}
		for _, b := range l.Blocks {
			var o [3]int
			for i := range 3 {
				if o[i], err = strconv.Atoi(b[i]); err != nil {
					return nil, Meta{}, false, fmt.Errorf("autosave: bad block origin %q", b[i])
				}
			}
			if !validHash(b[3]) {
				return nil, Meta{}, false, fmt.Errorf("autosave: bad block hash %q", b[3])
			}
			if err := s.readBlock(b[3], raw[:]); err != nil {
				return nil, Meta{}, false, err
			}
			for i := 0; i < blockRaw; i += 4 {
				if raw[i+3] == 0 {
					continue
				}
				j := i / 4
				p := voxel.Pos{X: o[0] + j&15, Y: o[1] + (j>>4)&15, Z: o[2] + j>>8}
				scene.Set(l.ID, p, color.NRGBA{raw[i], raw[i+1], raw[i+2], raw[i+3]})
			}
		}
	}
	if len(m.Layers) == 0 {
		scene = voxel.New()
	} else if scene.HasLayer(m.Current) {
		_ = scene.SelectLayer(m.Current) // checked just above
	}
	scene.ClearHistory()
	return scene, m.Meta, true, nil
}

func (s *Saver) readBlock(hash string, raw []byte) error {
	f, err := s.root.Open(filepath.Join(blocksDir, hash))
	if err != nil {
		return fmt.Errorf("autosave: missing block %s: %w", hash, err)
	}
	defer f.Close()
	fr := flate.NewReader(io.LimitReader(f, 2*blockRaw))
	defer fr.Close()
	if _, err := io.ReadFull(fr, raw); err != nil {
		return fmt.Errorf("autosave: damaged block %s: %w", hash, err)
	}
	return nil
}
