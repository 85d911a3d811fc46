package server

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/internal/auth"
)

// UserLimits bound what one user may use of an HTTP server.
type UserLimits struct {
	// RequestsPerMinute bounds the user's HTTP requests to /mcp (a token
	// bucket holding a minute's worth); 0: no bound.
	RequestsPerMinute int // GOXEL_USER_REQUESTS_PER_MINUTE, default 600
	// RendersInFlight bounds the user's renders running at once; 0: none.
	RendersInFlight int // GOXEL_USER_RENDERS_IN_FLIGHT, default 2
}

// DefaultUserLimits are used unless the environment says otherwise.
var DefaultUserLimits = UserLimits{RequestsPerMinute: 600, RendersInFlight: 2}

// loadUserLimits reads the limits from getenv.
func loadUserLimits(getenv func(string) string) (UserLimits, error) {
	l := DefaultUserLimits
	for _, v := range []struct {
		key string
		dst *int
	}{{"GOXEL_USER_REQUESTS_PER_MINUTE", &l.RequestsPerMinute}, {"GOXEL_USER_RENDERS_IN_FLIGHT", &l.RendersInFlight}} {
		s := getenv(v.key)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return l, fmt.Errorf("%s must be a whole number ≥ 0 (0: no limit), got %q", v.key, s)
		}
		*v.dst = n
	}
	return l, nil
}

// limiter applies UserLimits.
type limiter struct {
	lim     UserLimits
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*tokenBucket
	renders map[string]int
}

type tokenBucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(l UserLimits) *limiter {
	return &limiter{lim: l, now: time.Now, buckets: map[string]*tokenBucket{}, renders: map[string]int{}}
}

// allow takes one request token of user's; when there is none it says how
// long until there is.
func (x *limiter) allow(user string) (bool, time.Duration) {
	if x.lim.RequestsPerMinute <= 0 {
		return true, 0
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	now := x.now()
	rate := float64(x.lim.RequestsPerMinute) / 60 // per second
	b := x.buckets[user]
	if b == nil {
		b = &tokenBucket{tokens: float64(x.lim.RequestsPerMinute), last: now}
		x.buckets[user] = b
	}
	b.tokens = math.Min(float64(x.lim.RequestsPerMinute), b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / rate * float64(time.Second))
}

// wrap refuses a user's requests over the rate with 429 and Retry-After.
func (x *limiter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _ := auth.User(r.Context())
		if ok, wait := x.allow(user); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprintf(w, "{\"error\":\"rate_limited\",\"error_description\":\"more than %d requests a minute; retry after %.0f s\"}\n", x.lim.RequestsPerMinute, math.Ceil(wait.Seconds()))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// renders bounds the user's render_scene calls running at once.
func (x *limiter) rendersMiddleware(next mcpserver.ToolHandlerFunc) mcpserver.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if req.Params.Name != "render_scene" || x.lim.RendersInFlight <= 0 {
			return next(ctx, req)
		}
		user, _ := auth.User(ctx)
		x.mu.Lock()
		if x.renders[user] >= x.lim.RendersInFlight {
			n := x.renders[user]
			x.mu.Unlock()
			return mcp.NewToolResultError(fmt.Sprintf("render_scene: you have %d renders running, the most at once on this server; wait for one to finish and retry. Nothing was rendered.", n)), nil
		}
		x.renders[user]++
		x.mu.Unlock()
		defer func() {
			x.mu.Lock()
			if x.renders[user]--; x.renders[user] <= 0 {
				delete(x.renders, user)
			}
			x.mu.Unlock()
		}()
		return next(ctx, req)
	}
}
