package script

import (
	"fmt"
	"math/rand/v2"

	"go.starlark.net/starlark"
)

// rng is the object random(seed) returns: a deterministic generator (PCG)
// with a few methods of Python's random module.
type rng struct {
	seed int64
	r    *rand.Rand
}

func newRNG(seed int64) *rng {
	return &rng{seed: seed, r: rand.New(rand.NewPCG(uint64(seed), 0x676f78656c))}
}

func (g *rng) String() string        { return fmt.Sprintf("random(%d)", g.seed) }
func (g *rng) Type() string          { return "random" }
func (g *rng) Freeze()               {}
func (g *rng) Truth() starlark.Bool  { return true }
func (g *rng) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: random") }
func (g *rng) AttrNames() []string {
	return []string{"choice", "randint", "random", "shuffle", "uniform"}
}

func (g *rng) Attr(name string) (starlark.Value, error) {
	switch name {
	case "random":
		return starlark.NewBuiltin("random", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 0); err != nil {
				return nil, err
			}
			return starlark.Float(g.r.Float64()), nil
		}), nil
	case "uniform":
		return starlark.NewBuiltin("uniform", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var lo, hi starlark.Float
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 2, &lo, &hi); err != nil {
				return nil, err
			}
			return lo + (hi-lo)*starlark.Float(g.r.Float64()), nil
		}), nil
	case "randint":
		return starlark.NewBuiltin("randint", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var lo, hi int
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 2, &lo, &hi); err != nil {
				return nil, err
			}
			if hi < lo {
				return nil, fmt.Errorf("randint: b must be at least a, got a=%d b=%d", lo, hi)
			}
			return starlark.MakeInt64(int64(lo) + g.r.Int64N(int64(hi)-int64(lo)+1)), nil
		}), nil
	case "choice":
		return starlark.NewBuiltin("choice", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var seq starlark.Indexable
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 1, &seq); err != nil {
				return nil, err
			}
			if seq.Len() == 0 {
				return nil, fmt.Errorf("choice: the sequence is empty")
			}
			return seq.Index(g.r.IntN(seq.Len())), nil
		}), nil
	case "shuffle":
		return starlark.NewBuiltin("shuffle", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var l *starlark.List
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 1, &l); err != nil {
				return nil, err
			}
			var err error
			g.r.Shuffle(l.Len(), func(i, j int) {
				a, b := l.Index(i), l.Index(j)
				if e := l.SetIndex(i, b); e != nil {
					err = e
				}
				if e := l.SetIndex(j, a); e != nil {
					err = e
				}
			})
			return starlark.None, err
		}), nil
	}
	return nil, nil
}
