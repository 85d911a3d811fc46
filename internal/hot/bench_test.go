package hot

import (
	"sync"
	"testing"
)

var sink int

// spin is n units of ALU work that touches no memory (about 0.85 ns a unit here).
func spin(n int) int {
	s := 0
	for i := range n {
		s += i*i ^ (s >> 3)
	}
	return s
}

// stages is a render's shape: a few short parallel stages of `work` units in `parts` parts each,
// with a little serial work between them.
func stages(b *testing.B, parallel func(n int, fn func(int)), work int, burst ...bool) {
	const parts, nstages = 8, 5
	var res [parts]int
	for range b.N {
		end := func() {}
		if len(burst) > 0 {
			end = Warm() // as render_scene does
		}
		for range nstages {
			parallel(parts, func(i int) { res[i] = spin(work / parts) })
			sink += spin(work/50) + res[0]
		}
		end()
	}
}

func goroutines(n int, fn func(int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(i)
		}()
	}
	wg.Wait()
}

// BenchmarkStages compares Run, alone and inside a burst (Warm), with a goroutine per part and with no
// parallelism, on five stages of about 85 µs, 345 µs and 1.4 ms of work each (on this project's 2-core
// machines; serial shows it).
func BenchmarkStages(b *testing.B) {
	for _, c := range []struct {
		name string
		work int
	}{{"85us", 100_000}, {"345us", 400_000}, {"1.4ms", 1_600_000}} {
		b.Run(c.name+"/serial", func(b *testing.B) {
			stages(b, func(n int, fn func(int)) {
				for i := range n {
					fn(i)
				}
			}, c.work)
		})
		b.Run(c.name+"/goroutines", func(b *testing.B) { stages(b, goroutines, c.work) })
		hot := func(n int, fn func(int)) {
			if err := Run(n, fn); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(c.name+"/hot", func(b *testing.B) { stages(b, hot, c.work) })
		b.Run(c.name+"/hot-burst", func(b *testing.B) { stages(b, hot, c.work, true) })
	}
}
