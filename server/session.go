package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// session is the one client of a stdio transport, as mcp-go sees it: its
// identity, capabilities and negotiated version, its notification channel,
// and the requests the server sends it (roots/list, sampling, elicitation).
type session struct {
	t             *transport
	id            string
	notifications chan mcp.JSONRPCNotification
	initialized   atomic.Bool
	logLevel      atomic.Value // mcp.LoggingLevel
	clientInfo    atomic.Value // mcp.Implementation
	clientCaps    atomic.Value // mcp.ClientCapabilities
	version       atomic.Value // string

	nextID  atomic.Int64
	mu      sync.Mutex
	pending map[int64]chan rpcReply
}

// rpcReply is the client's answer to one of our requests.
type rpcReply struct {
	result json.RawMessage
	err    json.RawMessage
}

var (
	_ mcpserver.ClientSession              = (*session)(nil)
	_ mcpserver.SessionWithLogging         = (*session)(nil)
	_ mcpserver.SessionWithClientInfo      = (*session)(nil)
	_ mcpserver.SessionWithProtocolVersion = (*session)(nil)
	_ mcpserver.SessionWithRoots           = (*session)(nil)
	_ mcpserver.SessionWithSampling        = (*session)(nil)
	_ mcpserver.SessionWithElicitation     = (*session)(nil)
)

func newSession(t *transport) *session {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return &session{t: t, id: "stdio-" + hex.EncodeToString(b),
		notifications: make(chan mcp.JSONRPCNotification, 100), pending: map[int64]chan rpcReply{}}
}

// SessionID implements mcpserver.ClientSession.
func (s *session) SessionID() string { return s.id }

// NotificationChannel implements mcpserver.ClientSession.
func (s *session) NotificationChannel() chan<- mcp.JSONRPCNotification { return s.notifications }

// Initialize implements mcpserver.ClientSession.
func (s *session) Initialize() {
	if s.logLevel.Load() == nil {
		s.logLevel.Store(mcp.LoggingLevelError)
	}
	s.initialized.Store(true)
}

// Initialized implements mcpserver.ClientSession.
func (s *session) Initialized() bool { return s.initialized.Load() }

// SetLogLevel implements mcpserver.SessionWithLogging.
func (s *session) SetLogLevel(level mcp.LoggingLevel) { s.logLevel.Store(level) }

// GetLogLevel implements mcpserver.SessionWithLogging.
func (s *session) GetLogLevel() mcp.LoggingLevel {
	if l, ok := s.logLevel.Load().(mcp.LoggingLevel); ok {
		return l
	}
	return mcp.LoggingLevelError
}

// GetClientInfo implements mcpserver.SessionWithClientInfo.
func (s *session) GetClientInfo() mcp.Implementation {
	v, _ := s.clientInfo.Load().(mcp.Implementation)
	return v
}

// SetClientInfo implements mcpserver.SessionWithClientInfo.
func (s *session) SetClientInfo(ci mcp.Implementation) { s.clientInfo.Store(ci) }

// GetClientCapabilities implements mcpserver.SessionWithClientInfo.
func (s *session) GetClientCapabilities() mcp.ClientCapabilities {
	v, _ := s.clientCaps.Load().(mcp.ClientCapabilities)
	return v
}

// SetClientCapabilities implements mcpserver.SessionWithClientInfo.
func (s *session) SetClientCapabilities(c mcp.ClientCapabilities) { s.clientCaps.Store(c) }

// ProtocolVersion is the version negotiated by initialize, or "".
func (s *session) ProtocolVersion() string {
	v, _ := s.version.Load().(string)
	return v
}

// SetProtocolVersion records the negotiated version (mcp-go calls it from
// initialize).
func (s *session) SetProtocolVersion(v string) { s.version.Store(v) }

// ListRoots implements mcpserver.SessionWithRoots.
func (s *session) ListRoots(ctx context.Context, _ mcp.ListRootsRequest) (*mcp.ListRootsResult, error) {
	var res mcp.ListRootsResult
	if err := s.request(ctx, string(mcp.MethodListRoots), nil, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// RequestSampling implements mcpserver.SessionWithSampling.
func (s *session) RequestSampling(ctx context.Context, req mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
	var res mcp.CreateMessageResult
	if err := s.request(ctx, string(mcp.MethodSamplingCreateMessage), req.CreateMessageParams, &res); err != nil {
		return nil, err
	}
	content, err := mcp.ParseSamplingContent(res.Content)
	if err != nil {
		return nil, fmt.Errorf("failed to parse the sampling answer: %w", err)
	}
	res.Content = content
	return &res, nil
}

// RequestElicitation implements mcpserver.SessionWithElicitation.
func (s *session) RequestElicitation(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	var res mcp.ElicitationResult
	if err := s.request(ctx, string(mcp.MethodElicitationCreate), req.Params, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// request sends a request to the client and waits for its answer or ctx.
func (s *session) request(ctx context.Context, method string, params any, result any) error {
	id := s.nextID.Add(1)
	ch := make(chan rpcReply, 1)
	s.mu.Lock()
	s.pending[id] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.pending, id)
		s.mu.Unlock()
	}()
	msg := map[string]any{"jsonrpc": mcp.JSONRPC_VERSION, "id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("failed to encode %s: %w", method, err)
	}
	s.t.send(b)
	select {
	case r := <-ch:
		if r.err != nil {
			var e struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			}
			_ = json.Unmarshal(r.err, &e) // a malformed error still fails the request
			return fmt.Errorf("the client answered %s with error %d: %s", method, e.Code, e.Message)
		}
		if err := json.Unmarshal(r.result, result); err != nil {
			return fmt.Errorf("failed to decode the client's answer to %s: %w", method, err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// reply routes a response from the client to the request of ours it
// answers. Responses to anything else are dropped: a response is never
// answered.
func (s *session) reply(id, result, rpcErr json.RawMessage) {
	n, err := strconv.ParseInt(string(id), 10, 64)
	s.mu.Lock()
	ch, ok := s.pending[n]
	s.mu.Unlock()
	if err != nil || !ok {
		s.t.log.Debug("dropped a response to no request of ours", "id", string(id))
		return
	}
	select {
	case ch <- rpcReply{result: result, err: rpcErr}:
	default: // answered twice: the first answer counts
	}
}
