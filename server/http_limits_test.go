package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/goxel-mcp/goxel-mcp/internal/auth"
)

func TestRequestsPerMinute(t *testing.T) {
	x := newLimiter(UserLimits{RequestsPerMinute: 3})
	now := time.Unix(1000, 0)
	x.now = func() time.Time { return now }
	h := x.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	do := func(user string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/mcp", nil).WithContext(auth.WithUser(context.Background(), user))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for i := range 3 {
		if c := do("a").Code; c != 200 {
			t.Fatalf("request %d: %d", i, c)
		}
	}
	w := do("a")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "20" {
		t.Fatalf("4th request: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	if c := do("b").Code; c != 200 {
		t.Fatalf("another user is limited too: %d", c)
	}
	now = now.Add(20 * time.Second)
	if c := do("a").Code; c != 200 {
		t.Fatalf("after 20 s: %d", c)
	}
}

func TestRendersInFlight(t *testing.T) {
	x := newLimiter(UserLimits{RendersInFlight: 1})
	release := make(chan struct{})
	started := make(chan struct{})
	h := x.rendersMiddleware(func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		close(started)
		<-release
		return mcp.NewToolResultText("ok"), nil
	})
	req := mcp.CallToolRequest{}
	req.Params.Name = "render_scene"
	ctx := auth.WithUser(context.Background(), "a")
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _, _ = h(ctx, req) }()
	<-started
	res, _ := h(ctx, req)
	if !res.IsError {
		t.Fatal("a second render in flight was allowed")
	}
	close(release)
	wg.Wait()
	other := x.rendersMiddleware(func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText("ok"), nil
	})
	if res, _ := other(ctx, req); res.IsError {
		t.Fatal("the slot was not given back")
	}
	if _, err := loadUserLimits(func(k string) string { return "-1" }); err == nil {
		t.Fatal("a negative limit is accepted")
	}
}
