package tools

import (
	"context"
	"sync"
)

// Sequencer hands out tickets in the order calls arrive and lets each call
// touch the scene only when every earlier ticket is done, so a render
// pipelined right after an edit on one connection always sees that edit.
// A ticket is done when it is released; a call may release early (a render
// once it has its snapshot), so renders still run in parallel.
type Sequencer struct {
	mu       sync.Mutex
	next     uint64          // the number the next ticket gets
	head     uint64          // the lowest ticket not yet released
	released map[uint64]bool // released tickets above head
	moved    chan struct{}   // closed and replaced whenever head moves
}

// NewSequencer returns a sequencer whose first ticket may go at once.
func NewSequencer() *Sequencer {
	return &Sequencer{released: map[uint64]bool{}, moved: make(chan struct{})}
}

// Ticket is one call's place in the order.
type Ticket struct {
	q    *Sequencer
	n    uint64
	once sync.Once
}

// Take returns the next ticket. Take tickets in arrival order (the stdio
// reader does, one per tools/call) and release every one, or later calls
// wait for ever.
func (q *Sequencer) Take() *Ticket {
	q.mu.Lock()
	defer q.mu.Unlock()
	t := &Ticket{q: q, n: q.next}
	q.next++
	return t
}

// Wait blocks until every earlier ticket is released or ctx ends.
func (t *Ticket) Wait(ctx context.Context) error {
	if t == nil {
		return nil
	}
	for {
		t.q.mu.Lock()
		head, moved := t.q.head, t.q.moved
		t.q.mu.Unlock()
		if head >= t.n {
			return nil
		}
		select {
		case <-moved:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Release marks the ticket done; later calls may go. Releasing twice is a
// no-op.
func (t *Ticket) Release() {
	if t == nil {
		return
	}
	t.once.Do(func() {
		q := t.q
		q.mu.Lock()
		defer q.mu.Unlock()
		q.released[t.n] = true
		advanced := false
		for q.released[q.head] {
			delete(q.released, q.head)
			q.head++
			advanced = true
		}
		if advanced {
			close(q.moved)
			q.moved = make(chan struct{})
		}
	})
}

type ticketKey struct{}

// WithTicket returns ctx carrying t, for the transport that takes tickets
// in arrival order; a call without one takes its own when it starts.
func WithTicket(ctx context.Context, t *Ticket) context.Context {
	return context.WithValue(ctx, ticketKey{}, t)
}

func ticketFrom(ctx context.Context) *Ticket {
	t, _ := ctx.Value(ticketKey{}).(*Ticket)
	return t
}

// releaseTurn lets later calls touch the scene before this one ends (a
// render after its snapshot). Safe without a ticket.
func releaseTurn(ctx context.Context) { ticketFrom(ctx).Release() }
