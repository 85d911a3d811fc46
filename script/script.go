// Package script runs Starlark programs against a voxel scene: the
// sandbox behind the run_script tool.
//
// A program sees only the built-ins of this package (voxels, shapes,
// region transforms, layers, queries, noise, seeded randomness, colours,
// print) and the modules "math" and "json"; it has no file, network,
// clock or environment access, and load() of anything else fails.
// Every run is bounded by Limits: execution steps, wall time, voxels
// changed, scene size, shape size and bytes printed. A limit or a script
// error ends the run with an *Error naming the limit and the line.
//
// Run changes the scene in place and does not undo anything itself: run it
// inside an edit (Begin, then Commit or Rollback) so that a failed script
// changes nothing and a successful one is one undo step.
package script

import (
	"context"
	"errors"
	"fmt"
	"runtime/metrics"
	"strings"
	"sync"
	"time"

	"go.starlark.net/lib/math"
	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkjson"
	"go.starlark.net/syntax"

	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/ops"
)

// Limits bounds one run. A zero field takes its value from DefaultLimits.
type Limits struct {
	MaxSteps       uint64        // Starlark execution steps (about one per bytecode instruction)
	MaxDuration    time.Duration // wall time
	MaxChanges     int           // voxel positions changed (counted per write)
	MaxOutput      int           // bytes of print output
	MaxSceneVoxels int           // voxels in the scene, all layers
	MaxShapeVolume int64         // bounding-box volume of one shape or region
	// MaxMemory bounds how far the process's heap may grow while the
	// script runs (Starlark values such as list(range(10**8)) cost no
	// steps). Checked every 20 ms, so it is approximate, and it counts
	// whatever else the process allocates meanwhile.
	MaxMemory uint64
}

// DefaultLimits allow a few seconds of work and 16 million voxel changes.
var DefaultLimits = Limits{
	MaxSteps:       200_000_000,
	MaxDuration:    10 * time.Second,
	MaxChanges:     1 << 24,
	MaxOutput:      64 << 10,
	MaxSceneVoxels: 32 << 20,
	MaxShapeVolume: 1 << 25,
	MaxMemory:      1 << 30,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxSteps == 0 {
		l.MaxSteps = d.MaxSteps
	}
	if l.MaxDuration == 0 {
		l.MaxDuration = d.MaxDuration
	}
	if l.MaxChanges == 0 {
		l.MaxChanges = d.MaxChanges
	}
	if l.MaxOutput == 0 {
		l.MaxOutput = d.MaxOutput
	}
	if l.MaxSceneVoxels == 0 {
		l.MaxSceneVoxels = d.MaxSceneVoxels
	}
	if l.MaxShapeVolume == 0 {
		l.MaxShapeVolume = d.MaxShapeVolume
	}
	if l.MaxMemory == 0 {
		l.MaxMemory = d.MaxMemory
	}
	return l
}

// Names of the limits, as errors and the tool's documentation give them.
const (
	LimitSteps       = "max_steps"
	LimitDuration    = "max_duration"
	LimitChanges     = "max_changes"
	LimitOutput      = "max_output"
	LimitSceneVoxels = "max_scene_voxels"
	LimitShapeVolume = "max_shape_volume"
	LimitMemory      = "max_memory"
)

// Options configure one run.
type Options struct {
	Limits Limits
	// Args is visible to the program as the global "args": JSON-like
	// values (maps, slices, strings, float64, bool, nil) become dicts,
	// lists, strings, ints or floats, bools and None.
	Args map[string]any
	// Progress, when set, is called once as the program starts and then
	// about every 250 ms while it runs (from another goroutine), with the
	// time elapsed and the time limit.
	Progress func(elapsed, limit time.Duration)
}

// Result is what a successful run did.
type Result struct {
	Changes ops.Result // net change over the whole run
	Output  string     // what the program printed
	Steps   uint64     // execution steps used
	Box     voxel.Box  // bounding box of the scene afterwards
}

// ErrCancelled is wrapped by the error of a run whose context ended.
var ErrCancelled = errors.New("the script was cancelled")

// Error is a script failure: a limit reached, a runtime error or a syntax
// error, with where the program was.
type Error struct {
	Limit  string // one of the Limit* names, or "" for an error of the program itself
	Line   int    // 1-based; 0 when unknown
	Col    int
	Source string // the text of that line
	Msg    string
	Output string // what the program printed before it stopped
	cause  error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("script ")
	if e.Limit != "" {
		b.WriteString("stopped by limit " + e.Limit)
	} else {
		b.WriteString("error")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, " at line %d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ", column %d", e.Col)
		}
	}
	b.WriteString(": " + e.Msg)
	if e.Source != "" {
		fmt.Fprintf(&b, "\n  %d | %s", e.Line, e.Source)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.cause }

// limitError is returned by built-ins that hit a limit.
type limitError struct {
	limit string
	msg   string
}

func (e *limitError) Error() string { return e.msg }

const fileName = "script.star"

// fileOptions allow the Python habits the language can afford: while
// loops, top-level control flow and reassigned globals. Recursion stays
// off (the resolver refuses it), so the Go stack is bounded.
var fileOptions = &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true}

// Modules are the only names load() accepts.
var modules = map[string]starlark.StringDict{
	"math": withSelf("math", math.Module.Members, math.Module),
	"json": withSelf("json", starlarkjson.Module.Members, starlarkjson.Module),
}

func withSelf(name string, members starlark.StringDict, self starlark.Value) starlark.StringDict {
	d := starlark.StringDict{name: self}
	for k, v := range members {
		d[k] = v
	}
	return d
}

// forbidden names get a hint when a program uses them.
var forbidden = []string{"open", "exec", "eval", "input", "__import__", "import", "os", "sys", "time", "file", "subprocess", "socket"}

// Run executes code against the scene s. See the package documentation for
// what the program may do; the result counts its net change.
func Run(ctx context.Context, s *voxel.Scene, code string, opt Options) (*Result, error) {
	lim := opt.Limits.withDefaults()
	lines := strings.Split(code, "\n")
	r := &runner{ctx: ctx, s: s, lim: lim}
	args, err := toStarlark(opt.Args, 0)
	if err != nil {
		return nil, &Error{Msg: "args: " + err.Error()}
	}
	predeclared := r.builtins()
	predeclared["args"] = args
	predeclared["math"] = math.Module
	predeclared["json"] = starlarkjson.Module

	thread := &starlark.Thread{
		Name: "run_script",
		Print: func(th *starlark.Thread, msg string) {
			if r.out.Len()+len(msg)+1 > lim.MaxOutput {
				r.fail(th, &limitError{LimitOutput, fmt.Sprintf("print output would exceed %d bytes (limit %s): print less, or summarise", lim.MaxOutput, LimitOutput)})
				return
			}
			r.out.WriteString(msg)
			r.out.WriteByte('\n')
		},
		Load: func(_ *starlark.Thread, module string) (starlark.StringDict, error) {
			if m, ok := modules[module]; ok {
				return m, nil
			}
			return nil, fmt.Errorf("module %q is not available: scripts may load only \"math\" and \"json\" (both are also predeclared); there is no file, network, clock or environment access", module)
		},
	}
	thread.SetMaxExecutionSteps(lim.MaxSteps)
	thread.OnMaxSteps = func(th *starlark.Thread) {
		r.fail(th, &limitError{LimitSteps, fmt.Sprintf("the script ran %d execution steps (limit %s): an endless loop? Use box()/sphere() for solid shapes instead of per-voxel loops, or do less per call", lim.MaxSteps, LimitSteps)})
	}
	r.thread = thread

	before := ops.Capture(s)
	start := time.Now()
	if opt.Progress != nil {
		opt.Progress(0, lim.MaxDuration)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		timer := time.NewTimer(lim.MaxDuration)
		defer timer.Stop()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		base := heapBytes()
		lastProgress := start
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				r.fail(thread, ctx.Err())
				return
			case <-timer.C:
				r.fail(thread, &limitError{LimitDuration, fmt.Sprintf("the script ran longer than %v (limit %s): do less per call, or use box()/sphere() instead of per-voxel loops", lim.MaxDuration, LimitDuration)})
				return
			case now := <-tick.C:
				if heap := heapBytes(); heap > base && heap-base > lim.MaxMemory {
					r.fail(thread, &limitError{LimitMemory, fmt.Sprintf("the script's values took more than %d MiB of memory (limit %s): build voxels with the built-ins instead of big lists", lim.MaxMemory>>20, LimitMemory)})
					return
				}
				if opt.Progress != nil && now.Sub(lastProgress) >= 250*time.Millisecond {
					lastProgress = now
					opt.Progress(now.Sub(start), lim.MaxDuration)
				}
			}
		}
	}()
	_, err = starlark.ExecFileOptions(fileOptions, thread, fileName, code, predeclared)
	close(done)
	wg.Wait()
	if err == nil {
		err = r.checkScene()
	}
	if err != nil {
		e := r.explain(err, lines)
		e.Output = r.out.String()
		return nil, e
	}
	return &Result{
		Changes: ops.Diff(before, ops.Capture(s)),
		Output:  r.out.String(),
		Steps:   thread.ExecutionSteps(),
		Box:     s.Box(),
	}, nil
}

// heapBytes is the live heap as of the last garbage collection: garbage
// does not count, and a script that keeps allocating triggers collections.
func heapBytes() uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}

// fail stops the program with err as the reason, keeping the first.
func (r *runner) fail(th *starlark.Thread, err error) {
	r.mu.Lock()
	if r.stopErr == nil {
		r.stopErr = err
	}
	r.mu.Unlock()
	r.stopped.Store(true)
	th.Cancel(err.Error())
}

func (r *runner) stopReason() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopErr
}

// explain turns any error of a run into an *Error with a position.
func (r *runner) explain(err error, lines []string) *Error {
	e := &Error{Msg: err.Error(), cause: err}
	var pos syntax.Position
	var evalErr *starlark.EvalError
	var syntaxErr syntax.Error
	var resolveErrs resolve.ErrorList
	switch {
	case errors.As(err, &evalErr):
		for i := len(evalErr.CallStack) - 1; i >= 0; i-- {
			if p := evalErr.CallStack[i].Pos; p.IsValid() && p.Filename() == fileName {
				pos = p
				break
			}
		}
		e.Msg = evalErr.Msg
		if c := errors.Unwrap(evalErr); c != nil {
			e.Msg = c.Error()
		}
	case errors.As(err, &syntaxErr):
		pos, e.Msg = syntaxErr.Pos, "syntax: "+syntaxErr.Msg
	case errors.As(err, &resolveErrs):
		pos, e.Msg = resolveErrs[0].Pos, resolveErrs[0].Msg
	}
	if stop := r.stopReason(); stop != nil {
		e.cause = stop
		e.Msg = stop.Error()
		if errors.Is(stop, context.Canceled) || errors.Is(stop, context.DeadlineExceeded) {
			e.Msg = fmt.Sprintf("%v (%v)", ErrCancelled, stop)
			e.cause = errors.Join(ErrCancelled, stop)
		}
	}
	var le *limitError
	if errors.As(e.cause, &le) {
		e.Limit = le.limit
	}
	if e.Limit == "" && strings.Contains(e.Msg, "undefined: ") {
		for _, name := range forbidden {
			if strings.Contains(e.Msg, "undefined: "+name) {
				e.Msg += " (scripts have no file, network, clock or environment access; the API is in docs/scripting.md)"
				break
			}
		}
	}
	if pos.IsValid() {
		e.Line, e.Col = int(pos.Line), int(pos.Col)
		if e.Line >= 1 && e.Line <= len(lines) {
			e.Source = strings.TrimSpace(lines[e.Line-1])
			if len(e.Source) > 120 {
				e.Source = e.Source[:120] + "…"
			}
		}
	}
	return e
}
