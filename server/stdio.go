package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/tools"
)

// goxel-mcp's own stdio transport. mcp-go's StdioServer hands tools/call to
// a worker pool and loses the order in which calls arrived, answers
// cancelled requests, reads lines of any size and serves requests before
// initialize. This one reads and writes newline-delimited JSON-RPC itself
// and hands each message to MCPServer.HandleMessage:
//
//   - one reader: every tools/call takes a scene ticket (tools.Sequencer)
//     when its line is read, so calls touch the scene in arrival order;
//     calls go FIFO to a pool of workers, so the earliest ticket is always
//     running and later ones wait for it, never the other way round;
//   - lines longer than the maximum are skipped as they stream past (never
//     held whole) and answered with an error carrying their id;
//   - notifications/cancelled cancels the call's context and its response is
//     not written (MCP: a receiver of a cancellation should not respond);
//   - before initialize only initialize, ping and the stateless 2026-07-28
//     requests (which carry their version in _meta) are served;
//   - responses from the client go to the server→client request that asked
//     (roots/list, …) and are never answered;
//   - one writer, which sends queued notifications before each response so
//     that a call's progress never arrives after its result.

const (
	// callQueue is how many tools/call may wait for a worker; the reader
	// stops reading when it is full, which backs up into the client.
	callQueue = 4096
	// otherRequests bounds the other requests served at once.
	otherRequests = 64
	// bigMessage is the size above which the heap is handed back to the
	// OS once the message is handled: one 70 MB add_voxels call should not
	// leave the process at hundreds of MB for minutes.
	bigMessage = 8 << 20
	// eofGrace is how long calls in flight may finish after stdin ends,
	// cancelGrace how long cancelled handlers get before Serve returns
	// anyway; both together stay well under the 2 s a host waits.
	eofGrace    = 300 * time.Millisecond
	cancelGrace = 250 * time.Millisecond
	// flushWait bounds the final flush of queued output.
	flushWait = 150 * time.Millisecond
)

// Error codes of JSON-RPC and MCP used by the transport.
const (
	codeParseError     = -32700
	codeInvalidRequest = -32600
	codeInternalError  = -32603
)

// transport serves one MCP connection over a pair of byte streams.
type transport struct {
	mcp        *mcpserver.MCPServer
	seq        *tools.Sequencer
	log        *slog.Logger
	maxMessage int
	workers    int
	sess       *session

	base      context.Context // parent of every request's context
	cancelAll context.CancelFunc

	out      chan []byte   // encoded messages for the writer
	stopOut  chan struct{} // closed to stop the writer
	doneOut  chan struct{} // closed when the writer has stopped
	calls    chan *call    // tools/call in arrival order
	others   chan struct{} // tokens for other requests
	stopWork chan struct{} // closed to stop the workers
	running  sync.WaitGroup

	mu       sync.Mutex
	inflight map[string]*call // requests by canonical id
	ready    atomic.Bool      // the initialize handshake succeeded
}

// call is one request being served.
type call struct {
	id        json.RawMessage
	key       string
	method    string
	raw       []byte
	ctx       context.Context
	cancel    context.CancelFunc
	ticket    *tools.Ticket
	notes     *requestNotes
	cancelled atomic.Bool
}

// requestNotes is what the layers below tell the transport about one
// request, through its context.
type requestNotes struct {
	mu       sync.Mutex
	notFound int    // an error code to answer instead of -32603, when a resource was not found
	missing  string // the message for it
}

type notesKey struct{}

func notesFrom(ctx context.Context) *requestNotes {
	n, _ := ctx.Value(notesKey{}).(*requestNotes)
	return n
}

func newTransport(m *mcpserver.MCPServer, seq *tools.Sequencer, maxMessage, workers int, log *slog.Logger) *transport {
	t := &transport{
		mcp: m, seq: seq, log: log, maxMessage: maxMessage, workers: workers,
		out: make(chan []byte, 256), stopOut: make(chan struct{}), doneOut: make(chan struct{}),
		calls: make(chan *call, callQueue), others: make(chan struct{}, otherRequests),
		stopWork: make(chan struct{}), inflight: map[string]*call{},
	}
	t.sess = newSession(t)
	return t
}

// Serve reads requests from in and writes responses to w until in ends or
// ctx is cancelled. When in ends, calls in flight get a short grace period
// to finish; then (or at once when ctx is cancelled) every request's
// context is cancelled, and Serve returns within cancelGrace even if a
// handler does not return.
func (t *transport) Serve(ctx context.Context, in io.Reader, w io.Writer) error {
	if err := t.mcp.RegisterSession(ctx, t.sess); err != nil {
		return fmt.Errorf("failed to register the stdio session: %w", err)
	}
	defer t.mcp.UnregisterSession(context.Background(), t.sess.SessionID())
	base, cancelAll := context.WithCancel(context.WithoutCancel(ctx))
	t.base, t.cancelAll = t.mcp.WithContext(base, t.sess), cancelAll
	defer cancelAll()

	go t.write(w)
	for range t.workers {
		go t.work()
	}
	readErr := make(chan error, 1)
	go func() { readErr <- t.read(in) }()

	var err error
	select {
	case err = <-readErr:
		if errors.Is(err, io.EOF) {
			err = nil
		}
		if !t.wait(eofGrace) {
			t.log.Warn("stdin closed with calls still running: cancelling them")
		}
	case <-ctx.Done():
		t.log.Info("shutting down: cancelling calls in flight")
	}
	cancelAll()
	if !t.wait(cancelGrace) {
		t.log.Warn("a handler did not return after its context was cancelled; exiting anyway")
	}
	close(t.stopWork)
	close(t.stopOut)
	select {
	case <-t.doneOut:
	case <-time.After(flushWait):
	}
	return err
}

// wait reports whether every request finished within d.
func (t *transport) wait(d time.Duration) bool {
	done := make(chan struct{})
	go func() { t.running.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// read reads messages until in ends; it returns io.EOF at the end.
func (t *transport) read(in io.Reader) error {
	br := bufio.NewReaderSize(in, 64<<10)
	for {
		line, over, err := readLine(br, t.maxMessage)
		if over != nil {
			t.oversized(over)
		} else if len(line) > 0 {
			t.dispatch(line)
		}
		if err != nil {
			return err
		}
	}
}

// readLine returns the next line without its end, or, for a line longer
// than max bytes, the scanner that watched it stream past. At the end of
// the input it returns io.EOF with the last, unterminated line if any.
// A long line is kept as the reader's chunks and joined once, so reading
// it costs its size twice at most, never the doublings of a growing slice;
// once it is over max the chunks are dropped and the memory handed back.
func readLine(br *bufio.Reader, max int) ([]byte, *idScanner, error) {
	var chunks [][]byte
	var over *idScanner
	n := 0
	for {
		chunk, err := br.ReadSlice('\n')
		size := n + len(chunk)
		if err == nil {
			size-- // the line ends with this chunk's '\n'
		}
		if over == nil && size > max {
			over = &idScanner{}
			for _, c := range chunks {
				over.feed(c)
			}
			over.size, chunks = n, nil
			if n >= bigMessage {
				debug.FreeOSMemory()
			}
		}
		n += len(chunk)
		switch {
		case over != nil:
			over.feed(chunk)
			over.size += len(chunk)
		case err == nil && chunks == nil:
			return bytes.TrimSpace(bytes.Clone(chunk)), nil, nil // the common case: one chunk
		default:
			chunks = append(chunks, bytes.Clone(chunk))
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil && !errors.Is(err, io.EOF):
			return nil, nil, fmt.Errorf("failed to read stdin: %w", err)
		}
		if over != nil {
			return nil, over, err
		}
		return bytes.TrimSpace(bytes.Join(chunks, nil)), nil, err
	}
}

// oversized answers a message that was longer than the maximum.
func (t *transport) oversized(s *idScanner) {
	id := s.found()
	t.log.Warn("message over the size limit skipped", "bytes", s.size, "limit", t.maxMessage, "id", string(id))
	if id == nil {
		id = json.RawMessage("null")
	}
	t.send(errorMessage(id, codeInvalidRequest, fmt.Sprintf(
		"message of %d bytes is over the limit of %d bytes and was skipped: send less per call (add_voxels takes compact \"runs\" and \"data\" text; split big batches), or raise GOXEL_MAX_MESSAGE_BYTES / --max-message-size",
		s.size, t.maxMessage)))
}

// envelope is the part of a message the transport routes by.
type envelope struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Result  json.RawMessage `json:"result"`
	Error   json.RawMessage `json:"error"`
	Params  struct {
		Meta      map[string]json.RawMessage `json:"_meta"`
		RequestID json.RawMessage            `json:"requestId"`
	} `json:"params"`
}

// dispatch routes one message; it runs on the reader, in arrival order.
func (t *transport) dispatch(line []byte) {
	var env envelope
	if line[0] != '{' || json.Unmarshal(line, &env) != nil {
		if line[0] == '[' {
			t.send(errorMessage(json.RawMessage("null"), codeInvalidRequest, "JSON-RPC batches are not supported: send one message per line"))
			return
		}
		t.send(errorMessage(json.RawMessage("null"), codeParseError, "parse error: each line must be one JSON-RPC message"))
		return
	}
	hasID := len(env.ID) > 0 && string(env.ID) != "null"
	switch {
	case env.Method == "" && hasID && (env.Result != nil || env.Error != nil):
		t.sess.reply(env.ID, env.Result, env.Error)
		return
	case env.Method == "":
		if hasID {
			t.send(errorMessage(env.ID, codeInvalidRequest, "invalid request: no method"))
		}
		return // a malformed response or notification: nothing to answer
	case !hasID:
		t.notify(env, line)
		return
	}
	key := string(env.ID)
	modern := isModern(env.Params.Meta)
	if !modern && !t.ready.Load() && env.Method != string(mcp.MethodInitialize) &&
		env.Method != string(mcp.MethodPing) && env.Method != string(mcp.MethodServerDiscover) {
		t.send(errorMessage(env.ID, codeInvalidRequest, fmt.Sprintf("%s before initialize: the session is not initialized; send initialize first (only ping may come before it)", env.Method)))
		return
	}
	c := &call{id: env.ID, key: key, method: env.Method, raw: line, notes: &requestNotes{}}
	c.ctx, c.cancel = context.WithCancel(context.WithValue(t.base, notesKey{}, c.notes))
	if env.Method == string(mcp.MethodToolsCall) {
		c.ticket = t.seq.Take()
		c.ctx = tools.WithTicket(c.ctx, c.ticket)
	}
	t.mu.Lock()
	if _, dup := t.inflight[key]; dup {
		t.mu.Unlock()
		c.cancel()
		c.ticket.Release()
		t.send(errorMessage(env.ID, codeInvalidRequest, fmt.Sprintf("request id %s is already in use by a request in flight", key)))
		return
	}
	t.inflight[key] = c
	t.mu.Unlock()
	t.running.Add(1)
	switch env.Method {
	case string(mcp.MethodInitialize):
		// Served on the reader, so that requests pipelined after it see
		// the session initialized.
		t.serve(c)
	case string(mcp.MethodToolsCall):
		t.calls <- c
	default:
		t.others <- struct{}{}
		go func() {
			defer func() { <-t.others }()
			t.serve(c)
		}()
	}
}

// notify handles a notification from the client.
func (t *transport) notify(env envelope, line []byte) {
	if env.Method == string(mcp.MethodNotificationCancelled) {
		t.mu.Lock()
		c := t.inflight[string(env.Params.RequestID)]
		t.mu.Unlock()
		if c != nil && c.method != string(mcp.MethodInitialize) {
			c.cancelled.Store(true)
			c.cancel()
			t.log.Info("request cancelled by the client", "id", c.key, "method", c.method)
		}
		return
	}
	if resp := t.handle(t.base, nil, line); resp != nil {
		t.log.Warn("a notification got a response; dropped", "method", env.Method)
	}
}

// work serves tools/call in the order the reader queued them.
func (t *transport) work() {
	for {
		select {
		case c := <-t.calls:
			t.serve(c)
		case <-t.stopWork:
			return
		}
	}
}

// serve handles one request and writes its response unless it was
// cancelled.
func (t *transport) serve(c *call) {
	defer t.running.Done()
	if len(c.raw) >= bigMessage {
		defer debug.FreeOSMemory()
	}
	if c.ctx.Err() != nil {
		t.forget(c)
		return // cancelled (or shutting down) before it started: no response
	}
	resp := t.handle(c.ctx, c.id, c.raw)
	// Done before the response goes out: the client may reuse the id as
	// soon as it has the answer.
	t.forget(c)
	if resp == nil || c.cancelled.Load() {
		return
	}
	if e, ok := resp.(mcp.JSONRPCError); ok {
		c.notes.mu.Lock()
		if c.notes.notFound != 0 {
			e.Error.Code, e.Error.Message = c.notes.notFound, c.notes.missing
		}
		c.notes.mu.Unlock()
		resp = e
	}
	if c.method == string(mcp.MethodInitialize) {
		if _, failed := resp.(mcp.JSONRPCError); !failed {
			t.ready.Store(true)
		}
	}
	b, err := json.Marshal(resp)
	if err != nil {
		t.log.Error("failed to encode a response", "id", c.key, "method", c.method, "err", err)
		b = errorMessage(c.id, codeInternalError, fmt.Sprintf("failed to encode the response: %v", err))
	}
	t.send(b)
}

// forget ends a request: later calls may touch the scene, its id is free.
func (t *transport) forget(c *call) {
	c.ticket.Release()
	c.cancel()
	c.raw = nil
	t.mu.Lock()
	delete(t.inflight, c.key)
	t.mu.Unlock()
}

// handle runs HandleMessage; a panic becomes an internal error for this
// request only.
func (t *transport) handle(ctx context.Context, id json.RawMessage, raw []byte) (resp mcp.JSONRPCMessage) {
	defer func() {
		if r := recover(); r != nil {
			t.log.Error("panic while handling a message", "panic", r, "stack", string(debug.Stack()))
			if id != nil {
				resp = json.RawMessage(errorMessage(id, codeInternalError, fmt.Sprintf("internal error: %v", r)))
			}
		}
	}()
	return t.mcp.HandleMessage(ctx, raw)
}

// send queues an encoded message for the writer.
func (t *transport) send(b []byte) {
	select {
	case t.out <- b:
	case <-t.stopOut:
	}
}

// write is the only goroutine that writes to w. Before each response it
// writes the notifications already queued, so progress that a handler sent
// before returning goes out before its result.
func (t *transport) write(w io.Writer) {
	defer close(t.doneOut)
	bw := bufio.NewWriterSize(w, 64<<10)
	broken := false
	put := func(b []byte) {
		if broken {
			return
		}
		_, err := bw.Write(b)
		if err == nil {
			err = bw.WriteByte('\n')
		}
		if err == nil && len(t.out) == 0 && len(t.sess.notifications) == 0 {
			err = bw.Flush()
		}
		if err != nil {
			broken = true // the client is gone; keep draining so senders never block
			t.log.Warn("failed to write to stdout", "err", err)
		}
	}
	note := func(n mcp.JSONRPCNotification) {
		b, err := json.Marshal(n)
		if err != nil {
			t.log.Error("failed to encode a notification", "method", n.Method, "err", err)
			return
		}
		put(b)
	}
	for {
		select {
		case n := <-t.sess.notifications:
			note(n)
		case b := <-t.out:
			for drained := false; !drained; {
				select {
				case n := <-t.sess.notifications:
					note(n)
				default:
					drained = true
				}
			}
			put(b)
		case <-t.stopOut:
			for {
				select {
				case b := <-t.out:
					put(b)
				default:
					if !broken {
						_ = bw.Flush() // best effort at exit
					}
					return
				}
			}
		}
	}
}

// errorMessage encodes a JSON-RPC error response with the id as sent.
func errorMessage(id json.RawMessage, code int, msg string) []byte {
	b, _ := json.Marshal(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}{JSONRPC: mcp.JSONRPC_VERSION, ID: id, Error: struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{code, msg}})
	return b
}

// isModern reports whether a request's _meta declares the stateless
// protocol (2026-07-28 and later), which has no initialize handshake.
func isModern(meta map[string]json.RawMessage) bool {
	var v string
	if raw, ok := meta[mcp.MetaKeyProtocolVersion]; !ok || json.Unmarshal(raw, &v) != nil {
		return false
	}
	return mcp.IsModernProtocol(v)
}
