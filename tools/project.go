package tools

import (
	"sync"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Project holds the open scene and what the server knows about it: the file
// it came from and whether it has changed since. mcp-go runs tool calls on
// a worker pool, so every access goes through the mutex.
type Project struct {
	mu      sync.Mutex
	scene   *voxel.Scene
	path    string
	saved   uint64                                        // scene version at the last open or save
	changed func(s *voxel.Scene, path string, dirty bool) // after every change, lock held
	// revision counts the changes to the project (edits, undo, redo, a new
	// or opened scene); results carry it so a model knows which state of
	// the scene a result describes.
	revision uint64
	seq      *Sequencer
	states   states // past revisions, for diffs and highlights
	inner    any    // HTTP mode: this project's tool handlers (projects.go)
}

// NewProject returns a project holding an empty scene.
func NewProject() *Project {
	s := voxel.New()
	p := &Project{scene: s, saved: s.Version(), revision: 1, seq: NewSequencer()}
	p.states.record(1, s)
	return p
}

// Sequencer orders the calls that touch this project.
func (p *Project) Sequencer() *Sequencer { return p.seq }

// Revision is the project's current revision: 1 for a new project, plus
// one for every change since.
func (p *Project) Revision() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.revision
}

// OnChange sets a function called, with the project locked, after every
// change; autosave uses it.
func (p *Project) OnChange(fn func(s *voxel.Scene, path string, dirty bool)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.changed = fn
}

// Read runs fn with the scene locked, for reads.
func (p *Project) Read(fn func(s *voxel.Scene)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p.scene)
}

// Edit runs fn as one undoable step named label. When fn fails, or the
// scene budget refused any part of it, everything it changed is rolled
// back. It reports whether the scene changed.
func (p *Project) Edit(label string, fn func(s *voxel.Scene) error) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.scene.Begin(label)
	err := fn(p.scene)
	if err == nil && p.scene.Err() != nil {
		err = budgetError(p.scene.Err())
	}
	if err != nil {
		p.scene.Rollback()
		return false, err
	}
	changed := p.scene.Commit()
	if changed {
		p.notify()
	}
	return changed, nil
}

// Do runs fn with the scene locked and notifies a change when the scene's
// version moved (undo, redo).
func (p *Project) Do(fn func(s *voxel.Scene) error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	v := p.scene.Version()
	err := fn(p.scene)
	if p.scene.Version() != v {
		p.notify()
	}
	return err
}

func (p *Project) notify() {
	p.revision++
	p.states.record(p.revision, p.scene)
	if p.changed != nil {
		path, dirty := p.state()
		p.changed(p.scene, path, dirty)
	}
}

// Restore installs a scene recovered from autosave: its file path and
// whether it had unsaved changes, without notifying a change.
func (p *Project) Restore(s *voxel.Scene, path string, dirty bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.scene, p.path, p.saved = s, path, s.Version()
	p.revision++
	p.states.reset()
	p.states.record(p.revision, s)
	if dirty {
		p.saved = s.Version() - 1
	}
}

// Replace swaps in a new scene (a new or opened project) with its path.
func (p *Project) Replace(s *voxel.Scene, path string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.scene, p.path, p.saved = s, path, s.Version()
	p.states.reset() // a diff across projects means nothing
	p.notify()
}

// State returns the scene, its path and whether it has unsaved changes.
// The caller must hold the lock (inside Read, Edit or Do).
func (p *Project) state() (path string, dirty bool) {
	return p.path, p.scene.Version() != p.saved
}

// MarkSaved records that the scene was saved to path. Call with the lock held.
func (p *Project) markSaved(path string) {
	p.path, p.saved = path, p.scene.Version()
}

// Locked runs fn with the lock held and access to the project's file state.
func (p *Project) Locked(fn func(s *voxel.Scene, path string, dirty bool)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	path, dirty := p.state()
	fn(p.scene, path, dirty)
}
