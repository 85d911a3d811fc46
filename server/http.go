package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/internal/auth"
	"github.com/goxel-mcp/goxel-mcp/renderer"
	"github.com/goxel-mcp/goxel-mcp/scenes"
	"github.com/goxel-mcp/goxel-mcp/scenes/postgres"
	"github.com/goxel-mcp/goxel-mcp/storage"
	"github.com/goxel-mcp/goxel-mcp/storage/s3"
	"github.com/goxel-mcp/goxel-mcp/tools"
)

// MCPPath is where HTTP mode serves MCP (Streamable HTTP).
const MCPPath = "/mcp"

// HealthPath answers load balancers.
const HealthPath = "/healthz"

// maxRequestBody bounds one HTTP request (a big add_voxels data block fits).
const maxRequestBody = 64 << 20

// HTTPConfig is what HTTP mode reads from the environment (CONTRACT.md).
type HTTPConfig struct {
	DatabaseURL string // GOXEL_DATABASE_URL
	S3Endpoint  string // GOXEL_S3_ENDPOINT
	S3Bucket    string // GOXEL_S3_BUCKET
	S3AccessKey string // GOXEL_S3_ACCESS_KEY
	S3SecretKey string // GOXEL_S3_SECRET_KEY
	S3Region    string // GOXEL_S3_REGION
	TokensFile  string // GOXEL_AUTH_TOKENS_FILE: lines `USER sha256:HEX`
	// Users bounds each user (GOXEL_USER_REQUESTS_PER_MINUTE,
	// GOXEL_USER_RENDERS_IN_FLIGHT); storage bytes per user are
	// GOXEL_RENDER_MAX_SIZE, applied to each user's renders.
	Users    UserLimits
	JWKSURL  string // GOXEL_AUTH_JWKS_URL
	Audience string // GOXEL_AUTH_AUDIENCE
}

// LoadHTTPConfig reads HTTPConfig from getenv (os.Getenv).
func LoadHTTPConfig(getenv func(string) string) (HTTPConfig, error) {
	users, err := loadUserLimits(getenv)
	return HTTPConfig{
		Users:       users,
		DatabaseURL: getenv("GOXEL_DATABASE_URL"),
		S3Endpoint:  getenv("GOXEL_S3_ENDPOINT"),
		S3Bucket:    getenv("GOXEL_S3_BUCKET"),
		S3AccessKey: getenv("GOXEL_S3_ACCESS_KEY"),
		S3SecretKey: getenv("GOXEL_S3_SECRET_KEY"),
		S3Region:    getenv("GOXEL_S3_REGION"),
		TokensFile:  getenv("GOXEL_AUTH_TOKENS_FILE"),
		JWKSURL:     getenv("GOXEL_AUTH_JWKS_URL"),
		Audience:    getenv("GOXEL_AUTH_AUDIENCE"),
	}, err
}

// LocalUser is the one user of an HTTP server without authentication,
// which only listens on a loopback address.
const LocalUser = "local"

// HTTPInstructions add what HTTP mode changes to Instructions.
const HTTPInstructions = `
This server holds many projects: create_project (or open_project) returns a project_id; pass it to every scene tool. list_projects lists yours, delete_project deletes one. Files on the server are not available here: render results come back inline or as render:// resources.`

// HTTPServer is goxel-mcp in HTTP mode: stateless Streamable HTTP at /mcp,
// every user's projects by handle.
type HTTPServer struct {
	MCP      *mcpserver.MCPServer
	Projects tools.Projects
	handler  http.Handler
	logger   *slog.Logger
	ping     func(context.Context) error // the database, for /healthz
	closers  []func() error
}

// NewHTTP builds the HTTP server. loopback says whether it listens only on
// a loopback address: only then may it run without authentication.
func NewHTTP(cfg Config, hc HTTPConfig, loopback bool, version string, logger *slog.Logger) (*HTTPServer, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration: %w", err)
	}
	h := &HTTPServer{logger: logger}
	fail := func(err error) (*HTTPServer, error) {
		_ = h.Close()
		return nil, err
	}
	authn, err := h.authenticator(hc, loopback)
	if err != nil {
		return fail(err)
	}
	var stores scenes.StoreFunc
	var renderDir string
	if !cfg.DisableFileTransfer {
		us, err := newUserStores(cfg, logger)
		if err != nil {
			return fail(err)
		}
		h.closers = append(h.closers, us.Close)
		stores, renderDir = us.Get, us.dir
	}
	var bucket *s3Renders
	if hc.S3Bucket != "" || hc.S3Endpoint != "" {
		if stores == nil {
			return fail(errors.New("GOXEL_S3_BUCKET is set but file transfer is disabled (GOXEL_DISABLE_FILE_TRANSFER): unset one"))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		b, err := s3.Open(ctx, s3.Options{
			Endpoint: hc.S3Endpoint, Bucket: hc.S3Bucket, AccessKey: hc.S3AccessKey, SecretKey: hc.S3SecretKey, Region: hc.S3Region,
			TTL: cfg.RenderTTL, MaxUserBytes: cfg.RenderMaxSize, SweepInterval: cfg.CleanupInterval, Logger: logger,
		})
		cancel()
		if err != nil {
			return fail(err)
		}
		h.closers = append(h.closers, b.Close)
		bucket = &s3Renders{bucket: b, stores: stores}
		logger.Info("renders in S3", "endpoint", hc.S3Endpoint, "bucket", hc.S3Bucket, "ttl", cfg.RenderTTL, "max_bytes_per_user", cfg.RenderMaxSize)
	}
	if hc.DatabaseURL != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		pg, err := postgres.Open(ctx, postgres.Options{URL: hc.DatabaseURL, Stores: stores, MaxVoxels: cfg.Limits.MaxSceneVoxels, Logger: logger})
		cancel()
		if err != nil {
			return fail(err)
		}
		h.closers = append(h.closers, pg.Close)
		h.Projects, h.ping = pg, pg.Ping
		logger.Info("projects in PostgreSQL: several instances may serve them")
		if stores != nil && bucket == nil {
			logger.Warn("no bucket (GOXEL_S3_BUCKET): renders are kept in this instance's render directory, readable only through this instance", "render_dir", renderDir)
		}
	} else {
		h.Projects = scenes.NewMemory(stores)
		if bucket == nil {
			logger.Warn("HTTP mode without a database and a bucket: projects are kept in memory and renders in the local render directory; run one instance only (a restart loses the projects)", "render_dir", renderDir)
		} else {
			logger.Warn("HTTP mode without a database (GOXEL_DATABASE_URL): projects are kept in memory; run one instance only (a restart loses the projects)")
		}
	}
	mem := h.Projects
	d := tools.Deps{
		Projects: mem, Limits: cfg.Limits, Logger: logger, Version: version,
		Renderer:    renderer.NewRenderer(),
		Inline:      tools.NewInlineCache(8 << 20),
		RenderSlots: make(chan struct{}, runtime.GOMAXPROCS(0)+1),
		Render: tools.RenderSettings{
			MaxImageSize: cfg.MaxImageSize, MaxInlineBytes: cfg.MaxInlineBytes, DisableFiles: cfg.DisableFileTransfer,
		},
		// No Roots: files on the server are nobody's to read or write.
	}
	opts := []mcpserver.ServerOption{
		mcpserver.WithInstructions(Instructions + HTTPInstructions),
		mcpserver.WithToolCapabilities(false),
		mcpserver.WithResourceCapabilities(false, false),
		mcpserver.WithRecovery(),
		mcpserver.WithResourceRecovery(),
		mcpserver.WithLogger(logger),
	}
	limits := newLimiter(hc.Users)
	opts = append(opts, mcpserver.WithToolHandlerMiddleware(limits.rendersMiddleware))
	if bucket != nil {
		opts = append(opts, mcpserver.WithToolHandlerMiddleware(bucket.middleware))
	}
	h.MCP = mcpserver.NewMCPServer(Name, version, opts...)
	h.MCP.AddTools(tools.All(d)...)
	tmpl, _ := tools.RenderTemplate(tools.Deps{})
	h.MCP.AddResourceTemplate(tmpl, func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		if bucket != nil {
			return bucket.read(ctx, req)
		}
		st, err := mem.Store(ctx)
		if err != nil {
			return nil, err
		}
		_, read := tools.RenderTemplate(tools.Deps{Store: st})
		return read(ctx, req)
	})
	streamable := mcpserver.NewStreamableHTTPServer(h.MCP,
		mcpserver.WithStateLess(true),
		mcpserver.WithEndpointPath(MCPPath),
		mcpserver.WithStreamableHTTPLogger(logger),
	)
	mux := http.NewServeMux()
	var mcpHandler http.Handler = limits.wrap(streamable)
	if authn != nil {
		mcpHandler = auth.Middleware{Auth: authn}.Wrap(mcpHandler)
	} else {
		mcpHandler = auth.Anonymous(LocalUser, mcpHandler)
	}
	mux.Handle(MCPPath, limitBody(mcpHandler))
	mux.HandleFunc(HealthPath, h.health)
	meta := metadataHandler(hc)
	mux.Handle(auth.MetadataPath, meta)
	mux.Handle(auth.MetadataPath+MCPPath, meta)
	h.handler = mux
	return h, nil
}

// authenticator builds the token check from the configuration: nil means
// no authentication (loopback only, one user).
func (h *HTTPServer) authenticator(hc HTTPConfig, loopback bool) (auth.Authenticator, error) {
	var chain auth.Chain
	if hc.TokensFile != "" {
		t, err := auth.LoadTokens(hc.TokensFile)
		if err != nil {
			return nil, err
		}
		chain = append(chain, t)
		h.logger.Info("auth: bearer tokens", "file", hc.TokensFile)
	}
	if hc.JWKSURL != "" {
		j, err := auth.NewJWKS(hc.JWKSURL, hc.Audience)
		if err != nil {
			return nil, err
		}
		chain = append(chain, j)
		h.logger.Info("auth: JWT access tokens", "jwks", hc.JWKSURL, "audience", hc.Audience)
	}
	if len(chain) == 0 {
		if !loopback {
			return nil, errors.New("HTTP mode on a non-loopback address needs authentication: set GOXEL_AUTH_TOKENS_FILE (lines `USER sha256:HEX`) or GOXEL_AUTH_JWKS_URL, or listen on 127.0.0.1")
		}
		h.logger.Warn("auth: none (loopback only): every request is the one user " + LocalUser)
		return nil, nil
	}
	return chain, nil
}

// Handler is the HTTP handler: /mcp, /healthz and the metadata.
func (h *HTTPServer) Handler() http.Handler { return h.handler }

// Serve serves on ln until ctx is cancelled, then shuts down gracefully.
func (h *HTTPServer) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: h.handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	go warmUp()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}

// Close releases what the server holds.
func (h *HTTPServer) Close() error {
	var errs []error
	for i := len(h.closers) - 1; i >= 0; i-- {
		errs = append(errs, h.closers[i]())
	}
	h.closers = nil
	return errors.Join(errs...)
}

func (h *HTTPServer) health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if h.ping != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := h.ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(map[string]any{"status": "unavailable", "database": err.Error()})
			return
		}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "ok"})
}

func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
		}
		next.ServeHTTP(w, r)
	})
}

// metadataHandler serves the RFC 9728 protected-resource metadata, with the
// resource named by the host the client used.
func metadataHandler(hc HTTPConfig) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD, OPTIONS")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		m := map[string]any{
			"resource":                 auth.BaseURL(r) + MCPPath,
			"bearer_methods_supported": []string{"header"},
			"resource_name":            Name,
		}
		if hc.Audience != "" {
			m["resource"] = hc.Audience
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(m)
	})
}

// userStores gives each user a render store of their own: a directory
// under the render directory named by a hash of the user, with the
// configured TTL and caps, so no user can read or fill another's.
type userStores struct {
	cfg    Config
	dir    string
	logger *slog.Logger
	mu     sync.Mutex
	stores map[string]*storage.Store
}

func newUserStores(cfg Config, logger *slog.Logger) (*userStores, error) {
	dir := cfg.RenderDir
	if dir == "" {
		var err error
		if dir, err = storage.DefaultDir(); err != nil {
			return nil, fmt.Errorf("failed to find a render directory (set GOXEL_RENDER_DIR): %w", err)
		}
	}
	return &userStores{cfg: cfg, dir: dir, logger: logger, stores: map[string]*storage.Store{}}, nil
}

// Get returns user's store, opening it on first use.
func (u *userStores) Get(_ context.Context, user string) (*storage.Store, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if st := u.stores[user]; st != nil {
		return st, nil
	}
	sum := sha256.Sum256([]byte(user))
	c := u.cfg
	c.RenderDir = filepath.Join(u.dir, "users", hex.EncodeToString(sum[:12]))
	st, err := OpenStore(c, u.logger)
	if err != nil {
		return nil, fmt.Errorf("render store: %w", err)
	}
	u.stores[user] = st
	return st, nil
}

// Close closes every store.
func (u *userStores) Close() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	var errs []error
	for _, st := range u.stores {
		errs = append(errs, st.Close())
	}
	u.stores = map[string]*storage.Store{}
	return errors.Join(errs...)
}
