// Package hot runs short parallel loops on helper goroutines that stay awake between loops.
//
// A render is a chain of short parallel stages (project faces, raster bands, anti-aliasing, the PNG's
// colour scan and deflate strips), most of them 0.1 to 1 ms at 400×400. Started with `go` for each
// stage, the helper goroutine runs on a thread the kernel has to wake first, and on the 2-core virtual
// machines this project is measured on that wake takes about 90 µs (docs/benchmarks.md): 290 µs of work
// split in two took 255 µs instead of 145. Run hands a loop to helper goroutines instead.
// Between Warm and the function it returns (a burst: one render request), helpers that run out of work
// spin, yielding to any other goroutine (runtime.Gosched), so the next stage starts on every core at once;
// outside a burst they park as soon as they run out of work, and Run wakes them, which costs the same
// wake as `go` did. So only a request that asked for it spins, for its own length (and never more than
// burstIdle without a loop, should a burst not be ended): tests, fuzzers and the CLI never spin, and
// several processes on one machine do not take each other's cores for spinning. OpenMP runtimes do the
// same with KMP_BLOCKTIME.
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

// burstIdle is how long helpers spin in a burst without any loop before they park anyway (the serial
// parts of one render are far shorter).
const burstIdle = 20 * time.Millisecond

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
	bursts   atomic.Int32         // bursts open (Warm not yet ended)
	lastWork atomic.Int64         // unix nanoseconds of the last loop's start or end, or of Warm
	mu       sync.Mutex
	helpers  []*helper
}

type helper struct {
	wake   chan struct{} // buffered 1: a token wakes a parked helper
	parked atomic.Bool
}

var theTeam team

// Warm opens a burst of parallel work: it wakes up to GOMAXPROCS−1 helpers, which from then on spin
// between loops instead of parking, so that the Runs that follow start on every core at once. Call it when
// such work is about to come (a render request) and call the returned function, once, when it is over:
// before answering, since a helper still spinning then holds a core that the client's process is about to
// wake on (measured: helpers lingering 2 ms after each request made the 400×400 render answer 17 % slower
// end to end). Calling the function again does nothing.
func Warm() (end func()) {
	t := &theTeam
	t.bursts.Add(1)
	t.lastWork.Store(time.Now().UnixNano())
	t.wake(runtime.GOMAXPROCS(0) - 1)
	var ended atomic.Bool
	return func() {
		if ended.CompareAndSwap(false, true) {
			t.bursts.Add(-1)
		}
	}
}

// spinning reports whether helpers out of work should keep spinning.
func (t *team) spinning() bool {
	return t.bursts.Load() > 0 && time.Now().UnixNano()-t.lastWork.Load() < int64(burstIdle)
}

// wake starts or wakes up to want helpers.
func (t *team) wake(want int) {
	want = min(want, maxHelpers)
	if want <= 0 {
		return
	}
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

// run is a helper's life: park until woken, then work on loops, spinning between them while a burst is
// open.
func (t *team) run(h *helper) {
	for range h.wake {
		h.parked.Store(false)
		for spins := 0; ; spins++ {
			if l := t.current.Load(); l != nil && l.next.Load() < l.n {
				l.inside.Add(1)
				l.work()
				l.inside.Add(-1)
				t.lastWork.Store(time.Now().UnixNano())
				spins = 0
				continue
			}
			// Out of work: park at once outside a burst; in one, yield between looks (so that goroutines
			// queued on this helper's P run at once; a plain spin without the yields measured slower end
			// to end, docs/benchmarks.md) and read the clock every 64 rounds.
			if t.bursts.Load() == 0 || spins&63 == 63 && !t.spinning() {
				break
			}
			runtime.Gosched()
		}
		h.parked.Store(true)
		// A Warm or Run between the last look and parked=true may have seen this helper awake and sent
		// no token: look once more before parking.
		if l := t.current.Load(); t.spinning() || l != nil && l.next.Load() < l.n {
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
	return run(&loop{n: int32(n), fn: fn})
}

// run is Run on a loop already built (tests hold the loop to watch it stop).
func run(l *loop) error {
	n := int(l.n)
	t := &theTeam
	shared := n > 1 && runtime.GOMAXPROCS(0) > 1
	if shared {
		t.current.Store(l)
		t.lastWork.Store(time.Now().UnixNano())
		t.wake(min(runtime.GOMAXPROCS(0)-1, n-1))
	}
	l.work()
	if shared {
		t.current.CompareAndSwap(l, nil)
		t.lastWork.Store(time.Now().UnixNano())
	}
	// Helpers that joined finish the index they hold; none can join with work left (next ≥ n).
	for l.inside.Load() != 0 {
		runtime.Gosched()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return errors.Join(l.errs...)
}
