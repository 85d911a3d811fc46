// Package hot runs short parallel loops on helper goroutines that stay awake between loops.
//
// A render is a chain of short parallel stages (project faces, raster bands, anti-aliasing, the PNG's
// colour scan and deflate strips), most of them 0.1 to 1 ms at 400×400. Started with `go` for each
// stage, the helper goroutine runs on a thread the kernel has to wake first, and on the 2-core virtual
// machines this project is measured on that wake takes about 90 µs (docs/benchmarks.md): a stage of
// 150 µs of work split in two took 130 µs instead of 75. Run instead hands the loop to helpers that
// spin (yielding to any other goroutine, runtime.Gosched) for a short while after each loop and after
// Warm, and park only when nothing came for Linger: the first stage of a render pays the wake once,
// overlapped with the work before it, and the later stages start on the other core at once. OpenMP
// runtimes do the same (KMP_BLOCKTIME, 200 ms by default); Linger here is a fraction of a millisecond,
// so an idle server spins for nothing: only up to Linger after each burst of work.
//
// The caller always works on its own loop too, so Run never waits for a helper to arrive: with no helper
// free (GOMAXPROCS 1, or helpers busy with other callers' loops) it runs the loop alone.
package hot

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Linger is how long helpers keep spinning for a new loop after the last one (or after Warm).
const Linger = 300 * time.Microsecond

// maxHelpers bounds the helper goroutines whatever GOMAXPROCS says.
const maxHelpers = 63

// loop is one Run call: indices [0, n) handed out one at a time.
type loop struct {
	n      int32
	next   atomic.Int32 // next index to hand out
	inside atomic.Int32 // helpers working on this loop
	failed atomic.Bool
	fn     func(int)
	mu     sync.Mutex
	errs   []error
}

// work runs indices of l until there are none left or one panicked.
func (l *loop) work() {
	defer func() {
		if v := recover(); v != nil {
			l.failed.Store(true)
			l.mu.Lock()
			l.errs = append(l.errs, fmt.Errorf("internal error: %v", v))
			l.mu.Unlock()
		}
	}()
	for !l.failed.Load() {
		i := l.next.Add(1) - 1
		if i >= l.n {
			return
		}
		l.fn(int(i))
	}
}

// team is the process's helpers.
type team struct {
	current  atomic.Pointer[loop] // the loop helpers join; the latest Run's
	deadline atomic.Int64         // unix nanoseconds until which helpers spin
	mu       sync.Mutex
	helpers  []*helper
}

type helper struct {
	wake   chan struct{} // buffered 1: a token wakes a parked helper
	parked atomic.Bool
}

var theTeam team

// Warm wakes up to GOMAXPROCS−1 helpers and keeps them spinning for Linger, so that a Run that follows
// soon starts on every core at once. Call it when parallel work is about to come (a render request).
func Warm() { theTeam.warm(runtime.GOMAXPROCS(0) - 1) }

func (t *team) warm(want int) {
	want = min(want, maxHelpers)
	if want <= 0 {
		return
	}
	t.deadline.Store(time.Now().Add(Linger).UnixNano())
	t.mu.Lock()
	for len(t.helpers) < want {
		h := &helper{wake: make(chan struct{}, 1)}
		h.parked.Store(true)
		t.helpers = append(t.helpers, h)
		go t.run(h)
	}
	hs := t.helpers[:want]
	t.mu.Unlock()
	for _, h := range hs {
		if h.parked.Load() {
			select {
			case h.wake <- struct{}{}:
			default:
			}
		}
	}
}

// Cool ends the spinning that Warm and Run started: helpers park within a microsecond or so instead of
// after Linger. Call it when the parallel work of a request is over, before answering: a helper still
// spinning then would hold a core the client's process is about to wake on (measured: a 2 ms Linger
// made the 400×400 render answer 17 % slower end to end, the server's own time unchanged).
func Cool() { theTeam.deadline.Store(0) }

// run is a helper's life: park until woken, then spin on loops until Linger passes without one.
func (t *team) run(h *helper) {
	for range h.wake {
		h.parked.Store(false)
		for spins := 0; ; spins++ {
			if l := t.current.Load(); l != nil && l.next.Load() < l.n {
				l.inside.Add(1)
				l.work()
				l.inside.Add(-1)
				// Linger from the end of this loop: its caller's next stage is near.
				t.deadline.Store(time.Now().Add(Linger).UnixNano())
				spins = 0
				continue
			}
			// Yield between looks, so that goroutines queued on this helper's P run at once; the clock
			// is read every 64 rounds (a round is well under a microsecond). A plain spin without the
			// yields measured slower end to end (docs/benchmarks.md).
			if spins&63 == 63 && time.Now().UnixNano() > t.deadline.Load() {
				break
			}
			runtime.Gosched()
		}
		h.parked.Store(true)
		// A Warm or Run between the deadline check and parked=true may have seen this helper
		// spinning and sent no token: look once more before parking.
		if time.Now().UnixNano() <= t.deadline.Load() {
			select {
			case h.wake <- struct{}{}:
			default:
			}
		}
	}
}

// Run calls fn(0) … fn(n−1), each once, on the calling goroutine and on up to GOMAXPROCS−1 helpers,
// and returns when all calls have returned. A panic in fn stops the calls not yet started and is
// returned as an error ("internal error: …"), so that a bug fails one request and the process keeps serving.
// fn must be safe to call from several goroutines at once; the order of the calls is not defined.
func Run(n int, fn func(int)) error {
	if n <= 0 {
		return nil
	}
	if n > 1<<30 {
		return errors.New("hot.Run: too many indices")
	}
	l := &loop{n: int32(n), fn: fn}
	shared := n > 1 && runtime.GOMAXPROCS(0) > 1
	if shared {
		theTeam.current.Store(l)
		theTeam.warm(min(runtime.GOMAXPROCS(0)-1, n-1))
	}
	l.work()
	if shared {
		theTeam.current.CompareAndSwap(l, nil)
		// The helpers linger from the end of this loop: the next stage of the same work is near.
		theTeam.deadline.Store(time.Now().Add(Linger).UnixNano())
	}
	// Helpers that joined finish the index they hold; none can join with work left (next ≥ n).
	for l.inside.Load() != 0 {
		runtime.Gosched()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return errors.Join(l.errs...)
}
