package tools

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSequencerOrder(t *testing.T) {
	q := NewSequencer()
	const n = 50
	tickets := make([]*Ticket, n)
	for i := range tickets {
		tickets[i] = q.Take()
	}
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	// Start them in reverse: each must still run after all earlier ones.
	for i := n - 1; i >= 0; i-- {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			require.NoError(t, tickets[i].Wait(context.Background()))
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			tickets[i].Release()
		}(i)
	}
	wg.Wait()
	for i := range order {
		assert.Equal(t, i, order[i])
	}
}

func TestSequencerEarlyReleaseAndCancel(t *testing.T) {
	q := NewSequencer()
	a, b, c := q.Take(), q.Take(), q.Take()
	// b released before a (a render that skipped its turn): c still waits for a.
	b.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, c.Wait(ctx), context.DeadlineExceeded, "c must wait for a")
	a.Release()
	a.Release() // twice is harmless
	require.NoError(t, c.Wait(context.Background()))
	c.Release()
	var nilTicket *Ticket
	assert.NoError(t, nilTicket.Wait(context.Background()))
	nilTicket.Release()
}
