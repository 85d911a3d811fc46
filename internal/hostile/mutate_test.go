package hostile

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/goxel-mcp/goxel-mcp/voxel/formats"
)

// The Done-when of issue 13: 100,000 mutated real files through the
// decode-render-export pipeline, no panic, no case over 2 s or 512 MB
// (memory asserted, time reported).
const (
	caseTime  = 2 * time.Second
	caseBytes = 512 << 20
)

// interesting are values a mutation writes over 32-bit fields: sizes,
// counts and coordinates at the edges that break naive readers.
var interesting = []uint32{0, 1, 0xff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff0, 1 << 20, 1<<20 + 1, 1 << 24, 1 << 31 >> 4, 4096, 65536}

// mutate returns a copy of data with 1 to 4 random mutations: flipped
// bits, bytes set to edge values, 32-bit fields set to interesting values,
// truncation, a duplicated or deleted range, inserted random bytes.
func mutate(rng *rand.Rand, data []byte) []byte {
	out := slices.Clone(data)
	for range 1 + rng.IntN(4) {
		if len(out) == 0 {
			out = append(out, byte(rng.IntN(256)))
			continue
		}
		i := rng.IntN(len(out))
		switch op := rng.IntN(16); {
		case op < 5:
			out[i] ^= 1 << rng.IntN(8)
		case op < 7:
			out[i] = []byte{0, 0xff, 0x7f, 0x80, '0', '9', '-', ' ', '\n'}[rng.IntN(9)]
		case op < 12:
			if i+4 <= len(out) {
				binary.LittleEndian.PutUint32(out[i:], interesting[rng.IntN(len(interesting))])
			}
		case op < 13:
			out = out[:i]
		case op < 14:
			j := min(len(out), i+1+rng.IntN(64))
			out = slices.Insert(out, j, slices.Clone(out[i:j])...)
		case op < 15:
			j := min(len(out), i+1+rng.IntN(64))
			out = slices.Delete(out, i, j)
		default:
			extra := make([]byte, 1+rng.IntN(16))
			for k := range extra {
				extra[k] = byte(rng.IntN(256))
			}
			out = slices.Insert(out, i, extra...)
		}
	}
	return out
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// quantile returns the q-th per-mille quantile (0 to 1000) of sorted xs.
func quantile[T any](xs []T, q int) T {
	return xs[min(len(xs)-1, len(xs)*q/1000)]
}

// TestMutatedRealFiles runs GOXEL_FUZZ_N (default 40) mutations of the
// shared sample models through the pipeline with the limits open_project
// uses. A panic, a pipeline error or a case whose live heap peaks over
// 512 MiB (sampled every millisecond through runtime/metrics) fails it.
// Time is recorded, not asserted (a timed assert fails on a loaded
// machine): the log gives the distribution of per-case time and peak heap,
// the slowest and the hungriest case, and how many cases took over 2 s.
// GOXEL_FUZZ_SEED picks another sequence; a case is reproduced by its seed
// and index.
func TestMutatedRealFiles(t *testing.T) {
	files := realFiles(t)
	var names []string
	var inputs [][]byte
	var exts []string
	for _, ext := range formats.Readable() {
		for i, data := range files[ext] {
			names = append(names, fmt.Sprintf("%s#%d", ext, i))
			inputs = append(inputs, data)
			exts = append(exts, ext)
		}
	}
	if len(inputs) == 0 {
		t.Skip("shared sample models unavailable (../shared/models)")
	}
	n := envInt("GOXEL_FUZZ_N", 40)
	seed := uint64(envInt("GOXEL_FUZZ_SEED", 1))
	rng := rand.New(rand.NewPCG(seed, 13))
	lim := formats.DefaultLimits
	var (
		slowest, hungriest, slowOpen result
		slowCase, hungCase, openCase string
		overTime, overOpen           int
		opened                       int
		total                        time.Duration
		times                        []time.Duration
		heaps                        []uint64
	)
	keep := func(kind string, i, k int, data []byte) string {
		path := fmt.Sprintf("%s/%s-%d-%d%s", t.TempDir(), kind, seed, i, exts[k])
		_ = os.WriteFile(path, data, 0o600)
		return path
	}
	for i := range n {
		k := rng.IntN(len(inputs))
		data := mutate(rng, inputs[k])
		label := fmt.Sprintf("case %d (seed %d) from %s, %d bytes", i, seed, names[k], len(data))
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		r, err := func() (r result, err error) {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("%s panicked: %v (input kept in %s)", label, p, keep("panic", i, k, data))
				}
			}()
			return pipeline(ctx, data, exts[k], lim)
		}()
		cancel()
		if err != nil {
			t.Errorf("%s: %v (input kept in %s)", label, err, keep("fail", i, k, data))
			continue
		}
		if r.peakHeap > caseBytes {
			t.Errorf("%s: the live heap peaked at %d MiB, over the %d MiB bound (input kept in %s)",
				label, r.peakHeap>>20, caseBytes>>20, keep("heap", i, k, data))
		}
		total += r.took
		times = append(times, r.took)
		heaps = append(heaps, r.peakHeap)
		if r.decodeErr == nil {
			opened++
		}
		if r.took > slowest.took {
			slowest, slowCase = r, label
		}
		if r.opened > slowOpen.opened {
			slowOpen, openCase = r, label
		}
		if r.peakHeap > hungriest.peakHeap {
			hungriest, hungCase = r, label
		}
		if r.took > caseTime {
			overTime++
		}
		if (i+1)%progressEvery == 0 {
			// Streamed with -v, so a long run shows how far it got.
			t.Logf("progress: %d of %d cases, slowest so far %v (%s), largest heap so far %.1f MiB, %d over %v",
				i+1, n, slowest.took.Round(time.Millisecond), slowCase, mib(hungriest.peakHeap), overTime, caseTime)
		}
		if r.opened > caseTime {
			overOpen++
		}
	}
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	slices.Sort(heaps)
	t.Logf("%d mutated files (%d opened), %v in all", n, opened, total.Round(time.Millisecond))
	t.Logf("time per case (decode, two renders, every export): median %v, p90 %v, p99 %v, p99.9 %v, max %v",
		quantile(times, 500).Round(time.Microsecond), quantile(times, 900).Round(time.Microsecond),
		quantile(times, 990).Round(time.Microsecond), quantile(times, 999).Round(time.Microsecond), times[len(times)-1].Round(time.Microsecond))
	t.Logf("peak live heap per case: median %.1f MiB, p90 %.1f MiB, p99 %.1f MiB, max %.1f MiB",
		mib(quantile(heaps, 500)), mib(quantile(heaps, 900)), mib(quantile(heaps, 990)), mib(heaps[len(heaps)-1]))
	t.Logf("slowest: %v, %s (%d voxels)", slowest.took.Round(time.Microsecond), slowCase, slowest.voxels)
	t.Logf("slowest to open and render: %v, %s (%d voxels)", slowOpen.opened.Round(time.Microsecond), openCase, slowOpen.voxels)
	t.Logf("largest heap: %.1f MiB live at peak (%d MiB allocated), %s (%d voxels)", mib(hungriest.peakHeap), hungriest.allocated>>20, hungCase, hungriest.voxels)
	t.Logf("over %v: %d (%d to open and render); over %d MiB of heap: none (asserted)", caseTime, overTime, overOpen, caseBytes>>20)
}

// progressEvery is how often a long run logs how far it got.
const progressEvery = 1000

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
