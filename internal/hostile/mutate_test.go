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
// decode-render-export pipeline, no panic, no case over 2 s or 512 MB.
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

// TestMutatedRealFiles runs GOXEL_FUZZ_N (default 40) mutations of the
// shared sample models through the pipeline with the limits open_project
// uses. A panic fails it; the slowest and the most allocating case are
// reported with the count over the Done-when's bounds (not asserted: a
// timed assert fails on a loaded machine, so CI reads the report).
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
		overTime, overMem, overOpen  int
		opened                       int
		total                        time.Duration
	)
	for i := range n {
		k := rng.IntN(len(inputs))
		data := mutate(rng, inputs[k])
		label := fmt.Sprintf("case %d (seed %d) from %s, %d bytes", i, seed, names[k], len(data))
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		r, err := func() (r result, err error) {
			defer func() {
				if p := recover(); p != nil {
					path := fmt.Sprintf("%s/panic-%d-%d%s", t.TempDir(), seed, i, exts[k])
					_ = os.WriteFile(path, data, 0o600)
					t.Fatalf("%s panicked: %v (input kept in %s)", label, p, path)
				}
			}()
			return pipeline(ctx, data, exts[k], lim)
		}()
		cancel()
		if err != nil {
			path := fmt.Sprintf("%s/fail-%d-%d%s", t.TempDir(), seed, i, exts[k])
			_ = os.WriteFile(path, data, 0o600)
			t.Errorf("%s: %v (input kept in %s)", label, err, path)
			continue
		}
		total += r.took
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
		if r.opened > caseTime {
			overOpen++
		}
		if r.peakHeap > caseBytes {
			overMem++
		}
	}
	t.Logf("%d mutated files (%d opened), %v in all", n, opened, total.Round(time.Millisecond))
	t.Logf("slowest: %v, %s (%d voxels)", slowest.took.Round(time.Microsecond), slowCase, slowest.voxels)
	t.Logf("slowest to open and render: %v, %s (%d voxels)", slowOpen.opened.Round(time.Microsecond), openCase, slowOpen.voxels)
	t.Logf("largest heap: %d MiB live at peak (%d MiB allocated), %s (%d voxels)", hungriest.peakHeap>>20, hungriest.allocated>>20, hungCase, hungriest.voxels)
	t.Logf("over %v: %d (%d to open and render); over %d MiB of heap: %d", caseTime, overTime, overOpen, caseBytes>>20, overMem)
}
