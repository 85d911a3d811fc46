package hot

import (
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every index is called exactly once, whatever n and GOMAXPROCS.
func TestRunCallsEachIndexOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 2, 3, 7, 64, 1000} {
			calls := make([]atomic.Int32, n)
			require.NoError(t, Run(n, func(i int) {
				calls[i].Add(1)
				if i%3 == 0 {
					spin(2000) // uneven work, so helpers and caller interleave
				}
			}))
			for i := range calls {
				require.EqualValues(t, 1, calls[i].Load(), "GOMAXPROCS %d, n %d: index %d", procs, n, i)
			}
		}
	}
}

// Run returns only once every call has returned, including calls running on helpers.
func TestRunWaitsForHelpers(t *testing.T) {
	for range 200 {
		var done atomic.Int32
		require.NoError(t, Run(4, func(i int) {
			spin(5000 * (i + 1))
			done.Add(1)
		}))
		require.EqualValues(t, 4, done.Load())
	}
}

// A panic in one call becomes Run's error; calls not yet started are skipped; the next Run works.
// The calls after the panicking one wait until the loop has recorded the panic, so however the
// goroutines are scheduled, each can have held at most one index past it: a bound, not a timing.
func TestPanicBecomesError(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		var after atomic.Int32
		var l *loop
		l = &loop{n: 10000, fn: func(i int) {
			switch {
			case i == 5:
				panic("forced")
			case i > 5:
				after.Add(1)
				assert.True(t, eventually(l.failed.Load), "the panic was never recorded")
			}
		}}
		err := run(l)
		require.Error(t, err)
		assert.True(t, strings.Contains(err.Error(), "internal error: forced"), err.Error())
		// The caller and every helper the process has (a helper of an earlier loop may still join) each
		// held at most one index; the one that panicked held index 5.
		theTeam.mu.Lock()
		goroutines := 1 + len(theTeam.helpers)
		theTeam.mu.Unlock()
		assert.LessOrEqual(t, int(after.Load()), goroutines-1, "GOMAXPROCS %d: calls after the panic should be skipped", procs)

		calls := make([]atomic.Int32, 100)
		require.NoError(t, Run(100, func(i int) { calls[i].Add(1) }))
		for i := range calls {
			require.EqualValues(t, 1, calls[i].Load())
		}
	}
}

// Many callers at once, some nesting a Run inside a call: all indices of all loops are called once
// and nothing deadlocks. Run under -race this also checks the hand-over of loops to helpers.
func TestConcurrentAndNestedRuns(t *testing.T) {
	var wg sync.WaitGroup
	var total atomic.Int64
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 50 {
				n := 1 + (g*7+k)%13
				err := Run(n, func(i int) {
					if (i+k)%5 == 0 {
						assert.NoError(t, Run(3, func(int) { total.Add(1) }))
					}
					total.Add(1)
				})
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	var want int64
	for g := range 8 {
		for k := range 50 {
			n := 1 + (g*7+k)%13
			for i := range n {
				want++
				if (i+k)%5 == 0 {
					want += 3
				}
			}
		}
	}
	assert.Equal(t, want, total.Load())
}

// spinningHelpers counts the helpers not parked.
func spinningHelpers() int {
	theTeam.mu.Lock()
	defer theTeam.mu.Unlock()
	n := 0
	for _, h := range theTeam.helpers {
		if !h.parked.Load() {
			n++
		}
	}
	return n
}

// eventually waits, up to ten seconds (liveness, not timing), for cond to hold once. It does not
// ask again after that: a helper woken by a token left from an earlier wake unparks for a moment,
// finds no work and parks again, so a second look at "none spinning" can be false for no fault.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(10 * time.Second)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
}

// Outside a burst helpers park as soon as a loop is done; in one they keep spinning until it ends; a
// burst never ended stops spinning on its own. Parked helpers wake for the next Run.
func TestHelpersPark(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("helpers need GOMAXPROCS ≥ 2")
	}
	require.NoError(t, Run(8, func(int) { spin(1000) }))
	assert.True(t, eventually(func() bool { return spinningHelpers() == 0 }), "helpers still awake after a loop outside a burst")

	end := Warm()
	// Each Run refreshes the burst, so a test goroutine held up on a busy machine still finds them awake.
	assert.True(t, eventually(func() bool {
		require.NoError(t, Run(8, func(int) { spin(1000) }))
		return spinningHelpers() > 0
	}), "no helper spinning in a burst")
	end()
	end() // a second call does nothing
	assert.True(t, eventually(func() bool { return spinningHelpers() == 0 }), "helpers still spinning after the burst ended")
	assert.Zero(t, theTeam.bursts.Load())

	leaked := Warm()
	assert.True(t, eventually(func() bool { return spinningHelpers() == 0 }), "a burst never ended keeps helpers spinning")
	leaked()

	calls := make([]atomic.Int32, 16)
	require.NoError(t, Run(16, func(i int) { calls[i].Add(1) }))
	for i := range calls {
		require.EqualValues(t, 1, calls[i].Load())
	}
}
