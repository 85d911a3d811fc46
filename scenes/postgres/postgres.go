// Package postgres keeps the projects of goxel-mcp's HTTP mode in
// PostgreSQL, so several instances serve the same projects: every
// mutating call is one transaction holding the project's row lock, run on
// the revision in the database; undo history is stored with the project
// (bounded) and survives restarts; each instance caches hot projects and
// checks their revision on every call.
package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/goxel-mcp/goxel-mcp/scenes"
	"github.com/goxel-mcp/goxel-mcp/storage"
	"github.com/goxel-mcp/goxel-mcp/tools"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Defaults for Options.
const (
	DefaultMaxHistory  = 20
	DefaultCacheSize   = 256
	DefaultMaxProjects = scenes.DefaultMaxProjects
)

// Options configure a Store.
type Options struct {
	URL         string
	MaxHistory  int // undo+redo steps kept per project
	CacheSize   int // projects cached in this instance
	MaxProjects int // per user
	MaxVoxels   int // per scene, when decoding
	Stores      scenes.StoreFunc
	Logger      *slog.Logger
}

// Store implements tools.Projects on PostgreSQL.
type Store struct {
	opt  Options
	pool *pgxpool.Pool
	log  *slog.Logger

	mu    sync.Mutex
	cache map[string]*entry
	tick  uint64
}

var _ tools.Projects = (*Store)(nil)

// ref names one stored state of a project: the revision at which it was
// stored, and the label of the edit that left it (undo) or leads to it
// (redo).
type ref struct {
	Rev   int64  `json:"rev"`
	Label string `json:"label,omitempty"`
}

// entry is a cached project: its scene as of revision, with the refs that
// describe its stored history.
type entry struct {
	mu       sync.Mutex // held by a mutating call for its whole transaction
	p        *tools.Project
	owner    string
	revision int64
	stateRev int64
	undo     []ref // oldest first
	redo     []ref // next first
	used     uint64
}

// Open connects, applies the migrations and returns the store.
func Open(ctx context.Context, opt Options) (*Store, error) {
	if opt.MaxHistory <= 0 {
		opt.MaxHistory = DefaultMaxHistory
	}
	if opt.CacheSize <= 0 {
		opt.CacheSize = DefaultCacheSize
	}
	if opt.MaxProjects <= 0 {
		opt.MaxProjects = DefaultMaxProjects
	}
	if opt.MaxVoxels <= 0 {
		opt.MaxVoxels = tools.DefaultLimits.MaxSceneVoxels
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(opt.URL)
	if err != nil {
		return nil, fmt.Errorf("GOXEL_DATABASE_URL: %w", err)
	}
	if !strings.Contains(opt.URL, "pool_max_conns") {
		// Every mutating call holds a connection for its transaction:
		// more than pgx's default of four, so reads are not queued behind
		// them.
		cfg.MaxConns = max(cfg.MaxConns, 16)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	s := &Store{opt: opt, pool: pool, log: opt.Logger, cache: map[string]*entry{}}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Ping checks the database (for /healthz).
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// migrations are applied in order, once each; never edit a published one.
var migrations = []string{
	`CREATE TABLE goxel_projects (
		id         text PRIMARY KEY,
		owner      text NOT NULL,
		revision   bigint NOT NULL,
		state_rev  bigint NOT NULL,
		undo       jsonb NOT NULL DEFAULT '[]',
		redo       jsonb NOT NULL DEFAULT '[]',
		voxels     bigint NOT NULL DEFAULT 0,
		created_at timestamptz NOT NULL DEFAULT now(),
		updated_at timestamptz NOT NULL DEFAULT now()
	);
	CREATE INDEX goxel_projects_owner ON goxel_projects (owner, created_at DESC);
	CREATE TABLE goxel_states (
		project_id text NOT NULL REFERENCES goxel_projects (id) ON DELETE CASCADE,
		rev        bigint NOT NULL,
		state      bytea NOT NULL,
		PRIMARY KEY (project_id, rev)
	);`,
}

// migrate applies the migrations not yet applied, under an advisory lock
// so instances starting together take turns.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(727001)`); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS goxel_schema (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	var have int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM goxel_schema`).Scan(&have); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if have > len(migrations) {
		return fmt.Errorf("the database schema is at version %d, newer than this build's %d: upgrade goxel-mcp", have, len(migrations))
	}
	for v := have + 1; v <= len(migrations); v++ {
		if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO goxel_schema (version) VALUES ($1)`, v); err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
		s.log.Info("database migration applied", "version", v)
	}
	return tx.Commit(ctx)
}

func (s *Store) newScene() *voxel.Scene {
	sc := voxel.New()
	s.limitHistory(sc)
	return sc
}

func (s *Store) limitHistory(sc *voxel.Scene) {
	l := voxel.DefaultHistoryLimits
	l.MaxSteps = s.opt.MaxHistory
	sc.SetHistoryLimits(l)
}

// Create implements tools.Projects.
func (s *Store) Create(ctx context.Context) (string, *tools.Project, error) {
	user, err := scenes.Caller(ctx)
	if err != nil {
		return "", nil, err
	}
	sc := s.newScene()
	state, err := scenes.EncodeScene(sc)
	if err != nil {
		return "", nil, err
	}
	id := scenes.NewID()
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var n int
		// The owner's advisory lock makes the count and the insert one step.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('goxel-owner:' || $1))`, user); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM goxel_projects WHERE owner = $1`, user).Scan(&n); err != nil {
			return err
		}
		if n >= s.opt.MaxProjects {
			return fmt.Errorf("you have %d projects, the most this server keeps per user: delete_project one you no longer need (list_projects lists them)", n)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO goxel_projects (id, owner, revision, state_rev) VALUES ($1, $2, 1, 1)`, id, user); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO goxel_states (project_id, rev, state) VALUES ($1, 1, $2)`, id, state)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	p := tools.RestoredProject(sc, 1)
	s.put(id, &entry{p: p, owner: user, revision: 1, stateRev: 1})
	return id, p, nil
}

// row is a project's row, locked or not.
type row struct {
	revision, stateRev int64
	undo, redo         []ref
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func readRow(ctx context.Context, q querier, id, owner string, lock bool) (row, error) {
	sql := `SELECT revision, state_rev, undo, redo FROM goxel_projects WHERE id = $1 AND owner = $2`
	if lock {
		sql += ` FOR UPDATE`
	}
	var r row
	var undo, redo []byte
	err := q.QueryRow(ctx, sql, id, owner).Scan(&r.revision, &r.stateRev, &undo, &redo)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, tools.ErrProjectNotFound
	}
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(undo, &r.undo); err != nil {
		return r, fmt.Errorf("project %s: undo history: %w", id, err)
	}
	if err := json.Unmarshal(redo, &r.redo); err != nil {
		return r, fmt.Errorf("project %s: redo history: %w", id, err)
	}
	return r, nil
}

// load rebuilds the project of r from its stored states.
func (s *Store) load(ctx context.Context, q querier, id, owner string, r row) (*entry, error) {
	revs := []int64{r.stateRev}
	for _, x := range r.undo {
		revs = append(revs, x.Rev)
	}
	for _, x := range r.redo {
		revs = append(revs, x.Rev)
	}
	rows, err := q.Query(ctx, `SELECT rev, state FROM goxel_states WHERE project_id = $1 AND rev = ANY($2)`, id, revs)
	if err != nil {
		return nil, err
	}
	states := map[int64][]byte{}
	for rows.Next() {
		var rev int64
		var b []byte
		if err := rows.Scan(&rev, &b); err != nil {
			rows.Close()
			return nil, err
		}
		states[rev] = b
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	steps := func(refs []ref) ([]scenes.Step, error) {
		out := make([]scenes.Step, len(refs))
		for i, x := range refs {
			b, ok := states[x.Rev]
			if !ok {
				return nil, fmt.Errorf("project %s: stored state %d is missing", id, x.Rev)
			}
			out[i] = scenes.Step{Label: x.Label, State: b}
		}
		return out, nil
	}
	undo, err := steps(r.undo)
	if err != nil {
		return nil, err
	}
	redo, err := steps(r.redo)
	if err != nil {
		return nil, err
	}
	cur, ok := states[r.stateRev]
	if !ok {
		return nil, fmt.Errorf("project %s: stored state %d is missing", id, r.stateRev)
	}
	sc, err := scenes.Rebuild(undo, cur, redo, s.opt.MaxVoxels)
	if err != nil {
		return nil, fmt.Errorf("project %s: %w", id, err)
	}
	s.limitHistory(sc)
	return &entry{p: tools.RestoredProject(sc, uint64(r.revision)), owner: owner, revision: r.revision, stateRev: r.stateRev, undo: r.undo, redo: r.redo}, nil
}

func (s *Store) get(id string) *entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.cache[id]
	if e != nil {
		s.tick++
		e.used = s.tick
	}
	return e
}

func (s *Store) put(id string, e *entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tick++
	e.used = s.tick
	s.cache[id] = e
	for len(s.cache) > s.opt.CacheSize {
		var oldest string
		var t uint64 = ^uint64(0)
		for k, v := range s.cache {
			if v.used < t {
				oldest, t = k, v.used
			}
		}
		delete(s.cache, oldest)
	}
}

func (s *Store) drop(id string, e *entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cache[id] == e {
		delete(s.cache, id)
	}
}

// Run implements tools.Projects.
func (s *Store) Run(ctx context.Context, id string, mutating bool, call func(p *tools.Project) (*mcp.CallToolResult, error)) (*mcp.CallToolResult, error) {
	user, err := scenes.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if !mutating {
		return s.read(ctx, id, user, call)
	}
	return s.write(ctx, id, user, call)
}

// read runs a call that changes nothing on the cached project when its
// revision is the database's, else on the project loaded afresh.
func (s *Store) read(ctx context.Context, id, user string, call func(p *tools.Project) (*mcp.CallToolResult, error)) (*mcp.CallToolResult, error) {
	r, err := readRow(ctx, s.pool, id, user, false)
	if err != nil {
		return nil, err
	}
	e := s.get(id)
	if e == nil || e.owner != user || e.revision != r.revision {
		if e, err = s.load(ctx, s.pool, id, user, r); err != nil {
			return nil, err
		}
		s.put(id, e)
	}
	return call(e.p)
}

// write runs a mutating call in one transaction: the row locked, the
// project brought to the stored revision, the call run, and its change
// stored with the new revision. Another instance's call on the same
// project waits for the lock and then runs on this one's revision, so no
// edit is lost.
func (s *Store) write(ctx context.Context, id, user string, call func(p *tools.Project) (*mcp.CallToolResult, error)) (*mcp.CallToolResult, error) {
	e := s.get(id)
	if e == nil || e.owner != user {
		e = &entry{owner: user}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	r, err := readRow(ctx, tx, id, user, true)
	if err != nil {
		return nil, err
	}
	if e.p == nil || e.revision != r.revision {
		fresh, err := s.load(ctx, tx, id, user, r)
		if err != nil {
			return nil, err
		}
		e.p, e.revision, e.stateRev, e.undo, e.redo = fresh.p, fresh.revision, fresh.stateRev, fresh.undo, fresh.redo
		s.put(id, e)
	}
	u0, r0 := e.p.History()
	rev0 := e.p.Revision()
	res, callErr := call(e.p)
	rev1 := e.p.Revision()
	if rev1 == rev0 {
		return res, callErr
	}
	// From here the cached scene is ahead of the database: unless the
	// commit succeeds, forget it.
	committed := false
	defer func() {
		if !committed {
			e.p = nil
			s.drop(id, e)
		}
	}()
	u1, r1 := e.p.History()
	next := e.next(u0, r0, u1, r1, int64(rev1), tools.CallName(ctx))
	var voxels int
	var state []byte
	var encErr error
	e.p.Read(func(sc *voxel.Scene) {
		voxels = sc.Count()
		if next.stateRev == int64(rev1) {
			state, encErr = scenes.EncodeScene(sc)
		}
	})
	if encErr != nil {
		return nil, encErr
	}
	if state != nil {
		if _, err := tx.Exec(ctx, `INSERT INTO goxel_states (project_id, rev, state) VALUES ($1, $2, $3)`, id, rev1, state); err != nil {
			return nil, storeFailed(err)
		}
	}
	undo, _ := json.Marshal(append([]ref{}, next.undo...))
	redo, _ := json.Marshal(append([]ref{}, next.redo...))
	if _, err := tx.Exec(ctx, `UPDATE goxel_projects SET revision = $2, state_rev = $3, undo = $4, redo = $5, voxels = $6, updated_at = now() WHERE id = $1`,
		id, rev1, next.stateRev, undo, redo, voxels); err != nil {
		return nil, storeFailed(err)
	}
	keep := next.revs()
	if _, err := tx.Exec(ctx, `DELETE FROM goxel_states WHERE project_id = $1 AND NOT (rev = ANY($2))`, id, keep); err != nil {
		return nil, storeFailed(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, storeFailed(err)
	}
	committed = true
	e.revision, e.stateRev, e.undo, e.redo = int64(rev1), next.stateRev, next.undo, next.redo
	return res, callErr
}

func storeFailed(err error) error {
	return fmt.Errorf("the change could not be stored, so it was not made (%v); read the project again and retry", err)
}

// history is a project's stored history after a call.
type history struct {
	stateRev   int64
	undo, redo []ref
}

func (h history) revs() []int64 {
	out := []int64{h.stateRev}
	for _, x := range h.undo {
		out = append(out, x.Rev)
	}
	for _, x := range h.redo {
		out = append(out, x.Rev)
	}
	return out
}

// next works out the stored history after a call from the scene's undo
// and redo counts before (u0, r0) and after (u1, r1): k steps undone or
// redone move states between the lists; anything else is an edit whose
// new state is stored at rev1, with the current state pushed for undo.
func (e *entry) next(u0, r0, u1, r1 int, rev1 int64, label string) history {
	undo, redo := slices.Clone(e.undo), slices.Clone(e.redo)
	cur := e.stateRev
	switch k := u0 - u1; {
	case k > 0 && r1-r0 == k && k <= len(undo):
		// Undo k: the states undone go to the front of redo, next first.
		moved := make([]ref, 0, k)
		n := len(undo)
		for j := n - k + 1; j < n; j++ {
			moved = append(moved, ref{Rev: undo[j].Rev, Label: undo[j-1].Label})
		}
		moved = append(moved, ref{Rev: cur, Label: undo[n-1].Label})
		newCur := undo[n-k].Rev
		return history{stateRev: newCur, undo: undo[:n-k], redo: append(moved, redo...)}
	case k < 0 && r0-r1 == -k && -k <= len(redo):
		k = -k
		for j := 0; j < k; j++ {
			undo = append(undo, ref{Rev: cur, Label: redo[j].Label})
			cur = redo[j].Rev
		}
		return history{stateRev: cur, undo: trim(undo, u1), redo: redo[k:]}
	case u1 == 0 && r1 == 0 && u0+r0 > 0:
		// A new scene (open_project): no history.
		return history{stateRev: rev1}
	default:
		if label == "" {
			label = "edit"
		}
		undo = append(undo, ref{Rev: cur, Label: label})
		return history{stateRev: rev1, undo: trim(undo, u1), redo: trim(redo, r1)}
	}
}

// trim keeps the last n refs (the scene dropped the oldest steps).
func trim(refs []ref, n int) []ref {
	if len(refs) > n {
		return refs[len(refs)-n:]
	}
	return refs
}

// List implements tools.Projects.
func (s *Store) List(ctx context.Context) ([]tools.ProjectInfo, error) {
	user, err := scenes.Caller(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT id, revision, voxels, created_at, updated_at FROM goxel_projects WHERE owner = $1 ORDER BY created_at DESC, id`, user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tools.ProjectInfo
	for rows.Next() {
		var p tools.ProjectInfo
		var rev, vox int64
		var c, u time.Time
		if err := rows.Scan(&p.ID, &rev, &vox, &c, &u); err != nil {
			return nil, err
		}
		p.Revision, p.Voxels, p.CreatedAt, p.UpdatedAt = uint64(rev), int(vox), c.Unix(), u.Unix()
		out = append(out, p)
	}
	return out, rows.Err()
}

// Delete implements tools.Projects.
func (s *Store) Delete(ctx context.Context, id string) error {
	user, err := scenes.Caller(ctx)
	if err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM goxel_projects WHERE id = $1 AND owner = $2`, id, user)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return tools.ErrProjectNotFound
	}
	s.mu.Lock()
	delete(s.cache, id)
	s.mu.Unlock()
	return nil
}

// Store implements tools.Projects.
func (s *Store) Store(ctx context.Context) (*storage.Store, error) {
	user, err := scenes.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if s.opt.Stores == nil {
		return nil, nil
	}
	return s.opt.Stores(ctx, user)
}
