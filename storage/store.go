package storage

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// Defaults for Options; they match the GOXEL_RENDER_* defaults in the contract.
const (
	DefaultTTL                   = time.Hour
	DefaultMaxBytes        int64 = 1 << 30
	DefaultMaxFiles              = 100
	DefaultMaxFileSize     int64 = 100 << 20
	DefaultCleanupInterval       = 5 * time.Minute

	// StaleTempAge is how long a temp file must go unwritten before a sweep removes it where file
	// locks are not available (where they are, an unlocked temp file is removed at once, a locked
	// one never). A writer streams the PNG and so keeps the modification time fresh; even the
	// largest render (100 MiB) is written in seconds, so ten idle minutes can only mean a crash.
	StaleTempAge = 10 * time.Minute
)

// Options configure a Store. Zero values take the defaults above.
type Options struct {
	Dir             string           // managed directory; required (see DefaultDir); created 0700 if missing
	TTL             time.Duration    // lifetime of a render; default DefaultTTL
	MaxBytes        int64            // cap on the bytes of all renders; default DefaultMaxBytes
	MaxFiles        int              // cap on the number of renders; default DefaultMaxFiles
	MaxFileSize     int64            // cap on one render; default DefaultMaxFileSize
	CleanupInterval time.Duration    // period of the background sweep; 0: default; negative: no janitor
	Now             func() time.Time // clock; default time.Now
	Logger          *slog.Logger     // default: discard
}

func (o Options) withDefaults() (Options, error) {
	if o.Dir == "" {
		return o, errors.New("failed to open render store: no directory given")
	}
	if o.TTL < 0 || o.MaxBytes < 0 || o.MaxFiles < 0 || o.MaxFileSize < 0 {
		return o, fmt.Errorf("failed to open render store: negative limit (ttl %v, max bytes %d, max files %d, max file size %d)",
			o.TTL, o.MaxBytes, o.MaxFiles, o.MaxFileSize)
	}
	if o.TTL == 0 {
		o.TTL = DefaultTTL
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxFiles == 0 {
		o.MaxFiles = DefaultMaxFiles
	}
	if o.MaxFileSize == 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.CleanupInterval == 0 {
		o.CleanupInterval = DefaultCleanupInterval
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// DefaultDir returns the default managed directory, goxel-mcp/renders under os.UserCacheDir.
func DefaultDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("failed to find user cache directory: %w", err)
	}
	return filepath.Join(cache, "goxel-mcp", "renders"), nil
}

// Stats is a snapshot of a Store's contents, counters and limits.
type Stats struct {
	Dir     string
	Session string

	Count      int   // live (unexpired) renders known to the Store, as List returns them
	TotalBytes int64 // their bytes

	Published      int64 // renders published by this Store
	CacheHits      int64 // Lookup calls that returned a render
	CacheMisses    int64 // Lookup calls that did not
	Adopted        int64 // renders found on disk: from an earlier Store or another process
	Evicted        int64 // renders removed to respect MaxBytes or MaxFiles
	Expired        int64 // renders removed after their TTL
	Removed        int64 // renders removed by Remove
	TempsRemoved   int64 // temp files of dead writers removed
	DamagedRemoved int64 // render files removed because their PNG header did not parse
	BytesFreed     int64 // bytes of all the removals above

	TTL             time.Duration
	MaxBytes        int64
	MaxFiles        int
	MaxFileSize     int64
	CleanupInterval time.Duration // negative: no janitor
}

// Store is the managed render directory. Its methods are safe for concurrent use.
type Store struct {
	opts      Options
	dir       string      // absolute and clean, as configured
	dirInfo   fs.FileInfo // the directory itself, for ResolvePath
	root      *os.Root
	session   string
	fileLimit int64 // min(MaxFileSize, MaxBytes): a render that fits can never break a cap alone
	log       *slog.Logger

	mu      sync.Mutex
	closed  bool
	index   map[string]*entry   // id → live (or not yet swept) render
	byKey   map[string]string   // cache key → id of the newest render with it
	pending map[string]struct{} // our temp files still being written
	renamed map[string]struct{} // ids Publish is renaming into place: not for a sweep to adopt
	bytes   int64               // sum of index sizes
	seq     uint64              // insertion counter, see sweep
	stats   Stats               // counters only; the rest is filled in by Stats

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

type entry struct {
	rec Record
	seq uint64
	own owned // the file's identity, as the manifest records it
}

// Open opens (creating it 0700 if needed) the managed directory, refuses it if it is unsafe (a symlink,
// owned by another user, or writable by group or others; see DirError), sweeps it once (adopting
// renders left by earlier Stores, removing expired renders and dead writers' temp files, enforcing the caps)
// and, unless CleanupInterval is negative, starts a janitor that sweeps every CleanupInterval.
func Open(opts Options) (*Store, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	dir, root, fi, err := openDir(o.Dir, o.Logger)
	if err != nil {
		return nil, err
	}
	s := &Store{
		opts:      o,
		dir:       dir,
		dirInfo:   fi,
		root:      root,
		session:   newSession(),
		fileLimit: min(o.MaxFileSize, o.MaxBytes),
		log:       o.Logger.With("component", "storage"),
		index:     make(map[string]*entry),
		byKey:     make(map[string]string),
		pending:   make(map[string]struct{}),
		renamed:   make(map[string]struct{}),
		stop:      make(chan struct{}),
	}
	if _, _, err := s.sweep(nil); err != nil {
		_ = root.Close() // the sweep error is the one to report
		return nil, err
	}
	if o.CleanupInterval > 0 {
		s.done = make(chan struct{})
		go s.janitor(o.CleanupInterval)
	}
	return s, nil
}

// openDir creates dir if needed, checks it, and opens it as an os.Root.
func openDir(dir string, log *slog.Logger) (string, *os.Root, fs.FileInfo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, nil, fmt.Errorf("failed to resolve render directory %s: %w", dir, err)
	}
	created := false
	fi, err := os.Lstat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(abs, 0o700); err != nil {
			return "", nil, nil, fmt.Errorf("failed to create render directory: %w", err)
		}
		created = true
		fi, err = os.Lstat(abs)
	}
	if err != nil {
		return "", nil, nil, fmt.Errorf("failed to stat render directory: %w", err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return "", nil, nil, &DirError{Dir: abs, Err: ErrDirSymlink, Detail: "a symbolic link",
			Hint: "use the directory it points to, or another private directory"}
	}
	if !fi.IsDir() {
		return "", nil, nil, &DirError{Dir: abs, Err: ErrDirNotDir, Detail: "not a directory",
			Hint: "remove it or choose another path"}
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return "", nil, nil, fmt.Errorf("failed to open render directory: %w", err)
	}
	fail := func(err error) (string, *os.Root, fs.FileInfo, error) {
		_ = root.Close() // err is the one to report
		return "", nil, nil, err
	}
	rfi, err := root.Stat(".")
	if err != nil {
		return fail(fmt.Errorf("failed to stat render directory: %w", err))
	}
	if !os.SameFile(fi, rfi) {
		return fail(fmt.Errorf("failed to open render directory: %s was replaced while it was being checked", abs))
	}
	if created && rfi.Mode().Perm() != 0o700 {
		// MkdirAll's mode passes through the umask; make ours exactly 0700.
		if err := root.Chmod(".", 0o700); err != nil {
			return fail(fmt.Errorf("failed to chmod render directory: %w", err))
		}
		if rfi, err = root.Stat("."); err != nil {
			return fail(fmt.Errorf("failed to stat render directory: %w", err))
		}
	}
	if err := checkOwnerAndMode(abs, rfi); err != nil {
		return fail(err)
	}
	if rfi.Mode().Perm()&0o044 != 0 {
		log.Warn("render directory is readable by others; file names may leak", "dir", abs, "mode", fmt.Sprintf("%04o", rfi.Mode().Perm()))
	}
	return abs, root, rfi, nil
}

// Close stops the janitor (waiting for a sweep in progress to stop at its next file) and releases
// the directory. Later calls return ErrClosed; Close itself may be called more than once. A Pending
// still being written can no longer publish; its Abort still removes its temp file.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.stop)
		if s.done != nil {
			<-s.done
		}
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		if cerr := s.root.Close(); cerr != nil {
			err = fmt.Errorf("failed to close render directory: %w", cerr)
		}
	})
	return err
}

// Dir returns the managed directory as an absolute path.
func (s *Store) Dir() string { return s.dir }

// Session returns this Store's session token, eight characters from [a-z0-9], used in its render ids.
func (s *Store) Session() string { return s.session }

func (s *Store) now() time.Time { return s.opts.Now() }

// Lookup returns the newest live render published with cacheKey, if its file is still there.
// It does not read the disk for renders of other processes; the janitor adopts those.
func (s *Store) Lookup(cacheKey string) (Record, bool) {
	if cacheKey == "" {
		return Record{}, false
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Record{}, false
	}
	// Each failed file check drops the entry and points byKey at the next newest, so this ends.
	// An expired newest means the older ones have expired too; the next sweep removes them.
	for {
		id, ok := s.byKey[cacheKey]
		if !ok {
			break
		}
		e := s.index[id]
		if e == nil { // cannot happen while byKey follows the index; never loop on it
			delete(s.byKey, cacheKey)
			break
		}
		if e.rec.Expired(now) {
			break
		}
		if s.checkLocked(e) {
			s.stats.CacheHits++
			return e.rec, true
		}
	}
	s.stats.CacheMisses++
	return Record{}, false
}

// Get returns the live render with that id. An id the index does not know is looked for in the
// manifest and on disk, since another process sharing the directory may have published it; a file
// the manifest does not list as published (with its identity) is not a render, whatever its name.
// Get never removes a file, not even an expired or damaged render: sweeps do that.
// Errors: ErrInvalidID, ErrNotFound (also once the render has expired), ErrClosed.
func (s *Store) Get(id string) (Record, error) {
	if !ValidID(id) {
		return Record{}, fmt.Errorf("failed to get render %q: %w", id, ErrInvalidID)
	}
	now := s.now()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return Record{}, fmt.Errorf("failed to get render: %w", ErrClosed)
	}
	if e, ok := s.index[id]; ok {
		live := !e.rec.Expired(now) && s.checkLocked(e)
		s.mu.Unlock()
		if !live {
			return Record{}, fmt.Errorf("failed to get render %s: %w", id, ErrNotFound)
		}
		return e.rec, nil
	}
	s.mu.Unlock()

	own, ok, err := s.published(id)
	if err != nil {
		return Record{}, fmt.Errorf("failed to get render %s: %w", id, err)
	}
	if !ok {
		return Record{}, fmt.Errorf("failed to get render %s: %w", id, ErrNotFound)
	}
	rec, err := s.adopt(id, own)
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotRegular) || errors.Is(err, errNotOurs) || errors.Is(err, errNotPNG):
		return Record{}, fmt.Errorf("failed to get render %s: %w", id, ErrNotFound)
	case err != nil:
		return Record{}, fmt.Errorf("failed to get render %s: %w", id, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.index[id]
	if !ok {
		e = s.insertLocked(rec, own)
		s.stats.Adopted++
	}
	if e.rec.Expired(now) {
		return Record{}, fmt.Errorf("failed to get render %s: %w", id, ErrNotFound)
	}
	return e.rec, nil
}

// published returns the manifest's record of id, if a Store published it.
func (s *Store) published(id string) (owned, bool, error) {
	recs, _, err := s.readManifest()
	if err != nil {
		return owned{}, false, err
	}
	own, ok := recs[id]
	return own, ok, nil
}

// checkLocked reports whether e's file is still the one published, with the recorded size; if not
// (another process removed or replaced it) the entry is dropped, and the file is left alone.
func (s *Store) checkLocked(e *entry) bool {
	fi, err := s.root.Lstat(fileName(e.rec.ID))
	if err != nil || !e.own.matches(fi) || fi.Size() != e.rec.Size {
		s.log.Debug("render vanished or replaced", "id", e.rec.ID)
		s.dropLocked(e.rec.ID)
		return false
	}
	return true
}

// ResolvePath maps a path given by a user to the render it names. The path is made absolute and
// clean and its symlinks are resolved; the result must be a file directly inside Dir whose name is a
// valid render id with ".png". Anything else is ErrNotManaged; a managed name that no longer exists
// is ErrNotFound.
func (s *Store) ResolvePath(path string) (Record, error) {
	notManaged := fmt.Errorf("failed to resolve render path %q: %w", path, ErrNotManaged)
	if path == "" {
		return Record{}, notManaged
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return Record{}, notManaged
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		// A missing file: still say "not found" when the name is ours and its directory is Dir.
		if !errors.Is(err, fs.ErrNotExist) {
			return Record{}, notManaged
		}
		parent, perr := filepath.EvalSymlinks(filepath.Dir(abs))
		_, ok := idFromName(filepath.Base(abs))
		if perr != nil || !ok || !s.isDir(parent) {
			return Record{}, notManaged
		}
		return Record{}, fmt.Errorf("failed to resolve render path %q: %w", path, ErrNotFound)
	}
	id, ok := idFromName(filepath.Base(real))
	if !ok || !s.isDir(filepath.Dir(real)) {
		return Record{}, notManaged
	}
	return s.Get(id)
}

// isDir reports whether dir is the managed directory (by identity, not by spelling).
func (s *Store) isDir(dir string) bool {
	fi, err := os.Stat(dir)
	return err == nil && os.SameFile(fi, s.dirInfo)
}

// Open returns the bytes of a live render, for resources/read. The caller closes the reader.
func (s *Store) Open(id string) (io.ReadCloser, Record, error) {
	rec, err := s.Get(id)
	if err != nil {
		return nil, Record{}, err
	}
	s.mu.Lock()
	var own owned
	if e, ok := s.index[id]; ok {
		own = e.own
	}
	s.mu.Unlock()
	f, err := s.root.OpenFile(fileName(id), os.O_RDONLY|nonblock, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Record{}, fmt.Errorf("failed to open render %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, Record{}, fmt.Errorf("failed to open render %s: %w", id, err)
	}
	// The file opened must be the one checked: not one swapped in since.
	if fi, err := f.Stat(); err != nil || !own.matches(fi) || fi.Size() != rec.Size {
		f.Close()
		return nil, Record{}, fmt.Errorf("failed to open render %s: %w", id, ErrNotFound)
	}
	return f, rec, nil
}

// List returns the live renders the Store knows, newest first (equal times: larger id first, the
// reverse of eviction order). Renders of other processes appear once a sweep (Open, GC or the
// janitor) or a Get has adopted them.
func (s *Store) List() []Record {
	now := s.now()
	s.mu.Lock()
	recs := make([]Record, 0, len(s.index))
	for _, e := range s.index {
		if !e.rec.Expired(now) {
			recs = append(recs, e.rec)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(recs, func(a, b Record) int {
		switch {
		case b.olderThan(a):
			return -1
		case a.olderThan(b):
			return 1
		}
		return 0
	})
	return recs
}

// Remove deletes the render with that id, whichever Store (or process) published it, and returns
// its size. A file the manifest does not record as published, or that is no longer the file that
// was published, is not removed: ErrNotFound.
// Errors: ErrInvalidID, ErrNotFound, ErrClosed.
func (s *Store) Remove(id string) (freed int64, err error) {
	if !ValidID(id) {
		return 0, fmt.Errorf("failed to remove render %q: %w", id, ErrInvalidID)
	}
	name := fileName(id)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0, fmt.Errorf("failed to remove render: %w", ErrClosed)
	}
	e, known := s.index[id]
	var own owned
	if known {
		own = e.own
	}
	s.mu.Unlock()
	if !known {
		var ok bool
		if own, ok, err = s.published(id); err != nil {
			return 0, fmt.Errorf("failed to remove render %s: %w", id, err)
		} else if !ok {
			return 0, fmt.Errorf("failed to remove render %s: %w", id, ErrNotFound)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fi, err := s.root.Lstat(name)
	if err != nil || !own.matches(fi) {
		s.dropLocked(id)
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			return 0, fmt.Errorf("failed to remove render %s: %w", id, ErrNotFound)
		}
		return 0, fmt.Errorf("failed to remove render %s: %w", id, err)
	}
	if err := s.root.Remove(name); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			s.dropLocked(id)
			return 0, fmt.Errorf("failed to remove render %s: %w", id, ErrNotFound)
		}
		return 0, fmt.Errorf("failed to remove render %s: %w", id, err)
	}
	s.dropLocked(id)
	s.stats.Removed++
	s.stats.BytesFreed += fi.Size()
	return fi.Size(), nil
}

// Stats returns the Store's counters, current contents and limits.
func (s *Store) Stats() Stats {
	now := s.now()
	s.mu.Lock()
	st := s.stats
	for _, e := range s.index {
		if !e.rec.Expired(now) {
			st.Count++
			st.TotalBytes += e.rec.Size
		}
	}
	s.mu.Unlock()
	st.Dir, st.Session = s.dir, s.session
	st.TTL, st.MaxBytes, st.MaxFiles = s.opts.TTL, s.opts.MaxBytes, s.opts.MaxFiles
	st.MaxFileSize, st.CleanupInterval = s.opts.MaxFileSize, s.opts.CleanupInterval
	return st
}

// insertLocked adds rec to the index, replacing any entry with its id, and returns its entry.
func (s *Store) insertLocked(rec Record, own owned) *entry {
	s.dropLocked(rec.ID)
	s.seq++
	e := &entry{rec: rec, seq: s.seq, own: own}
	s.index[rec.ID] = e
	s.bytes += rec.Size
	if k := rec.CacheKey; k != "" {
		if cur, ok := s.byKey[k]; !ok || s.index[cur].rec.olderThan(rec) {
			s.byKey[k] = rec.ID
		}
	}
	return e
}

// dropLocked forgets id without touching the disk.
func (s *Store) dropLocked(id string) {
	e, ok := s.index[id]
	if !ok {
		return
	}
	delete(s.index, id)
	s.bytes -= e.rec.Size
	k := e.rec.CacheKey
	if k == "" || s.byKey[k] != id {
		return
	}
	delete(s.byKey, k)
	var newest *entry
	for _, o := range s.index {
		if o.rec.CacheKey == k && (newest == nil || newest.rec.olderThan(o.rec)) {
			newest = o
		}
	}
	if newest != nil {
		s.byKey[k] = newest.rec.ID
	}
}

// removeLocked deletes id's file, drops it from the index and counts it in counter.
// It returns the bytes freed and whether this call removed the file.
func (s *Store) removeLocked(id string, counter *int64) (int64, bool) {
	e, ok := s.index[id]
	if !ok {
		return 0, false
	}
	s.dropLocked(id)
	if fi, err := s.root.Lstat(fileName(id)); err != nil || !e.own.matches(fi) {
		return 0, false // gone, or replaced by a file that is not ours: leave it
	}
	err := s.root.Remove(fileName(id))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return 0, false // another process removed it first
	case err != nil:
		// Forget it anyway so the caps loop ends; the next sweep adopts it and tries again.
		s.log.Warn("failed to remove render", "id", id, "err", err)
		return 0, false
	}
	*counter++
	s.stats.BytesFreed += e.rec.Size
	return e.rec.Size, true
}
