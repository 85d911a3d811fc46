// Package scenes holds the projects of goxel-mcp's HTTP mode, each owned by
// one user: Memory keeps them in this process (one instance only); the
// postgres subpackage keeps them in PostgreSQL for several instances.
package scenes

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/goxel-mcp/goxel-mcp/internal/auth"
	"github.com/goxel-mcp/goxel-mcp/storage"
	"github.com/goxel-mcp/goxel-mcp/tools"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// DefaultMaxProjects bounds the projects one user holds.
const DefaultMaxProjects = 100

// StoreFunc returns a user's render store (nil: renders are inline only).
type StoreFunc func(ctx context.Context, user string) (*storage.Store, error)

// Memory keeps projects in memory. It implements tools.Projects.
type Memory struct {
	// MaxProjects bounds the projects per user; 0 means DefaultMaxProjects.
	MaxProjects int
	Stores      StoreFunc
	Now         func() time.Time

	mu       sync.Mutex
	projects map[string]*memEntry
}

type memEntry struct {
	owner            string
	p                *tools.Project
	created, updated time.Time
}

// NewMemory returns an empty Memory whose users' renders go to stores.
func NewMemory(stores StoreFunc) *Memory {
	return &Memory{Stores: stores, projects: map[string]*memEntry{}}
}

var _ tools.Projects = (*Memory)(nil)

// NewID returns a fresh project id: "p_" and 26 base32 characters (128
// random bits), so ids cannot be guessed.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return "p_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// Caller returns the request's user or an error when there is none.
func Caller(ctx context.Context) (string, error) {
	u, ok := auth.User(ctx)
	if !ok {
		return "", errors.New("no authenticated user")
	}
	return u, nil
}

func (m *Memory) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Create implements tools.Projects.
func (m *Memory) Create(ctx context.Context) (string, *tools.Project, error) {
	user, err := Caller(ctx)
	if err != nil {
		return "", nil, err
	}
	limit := m.MaxProjects
	if limit <= 0 {
		limit = DefaultMaxProjects
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, e := range m.projects {
		if e.owner == user {
			n++
		}
	}
	if n >= limit {
		return "", nil, fmt.Errorf("you have %d projects, the most this server keeps per user: delete_project one you no longer need (list_projects lists them)", n)
	}
	id, now := NewID(), m.now()
	e := &memEntry{owner: user, p: tools.NewProject(), created: now, updated: now}
	m.projects[id] = e
	return id, e.p, nil
}

func (m *Memory) get(ctx context.Context, id string) (*memEntry, error) {
	user, err := Caller(ctx)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.projects[id]
	if e == nil || e.owner != user {
		return nil, tools.ErrProjectNotFound
	}
	return e, nil
}

// Run implements tools.Projects.
func (m *Memory) Run(ctx context.Context, id string, _ bool, call func(p *tools.Project) (*mcp.CallToolResult, error)) (*mcp.CallToolResult, error) {
	e, err := m.get(ctx, id)
	if err != nil {
		return nil, err
	}
	before := e.p.Revision()
	res, err := call(e.p)
	if e.p.Revision() != before {
		m.mu.Lock()
		e.updated = m.now()
		m.mu.Unlock()
	}
	return res, err
}

// List implements tools.Projects.
func (m *Memory) List(ctx context.Context) ([]tools.ProjectInfo, error) {
	user, err := Caller(ctx)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	var mine []*memEntry
	var ids []string
	for id, e := range m.projects {
		if e.owner == user {
			mine, ids = append(mine, e), append(ids, id)
		}
	}
	m.mu.Unlock()
	out := make([]tools.ProjectInfo, len(mine))
	for i, e := range mine {
		var n int
		e.p.Read(func(s *voxel.Scene) { n = s.Count() })
		out[i] = tools.ProjectInfo{ID: ids[i], Revision: e.p.Revision(), Voxels: n, CreatedAt: e.created.Unix(), UpdatedAt: e.updated.Unix()}
	}
	slices.SortFunc(out, func(a, b tools.ProjectInfo) int {
		if a.CreatedAt != b.CreatedAt {
			return int(b.CreatedAt - a.CreatedAt)
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Delete implements tools.Projects.
func (m *Memory) Delete(ctx context.Context, id string) error {
	if _, err := m.get(ctx, id); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.projects, id)
	return nil
}

// Store implements tools.Projects.
func (m *Memory) Store(ctx context.Context) (*storage.Store, error) {
	user, err := Caller(ctx)
	if err != nil {
		return nil, err
	}
	if m.Stores == nil {
		return nil, nil
	}
	return m.Stores(ctx, user)
}
