package tools

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/script"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// maxScriptBytes bounds the program text of one run_script call.
const maxScriptBytes = 256 << 10

// scriptLimits are the sandbox's limits for this server: its own (zero
// fields take script.DefaultLimits) plus the scene and shape limits of
// every other tool.
func (d Deps) scriptLimits() script.Limits {
	l := d.Limits.Script
	l.MaxSceneVoxels = d.Limits.MaxSceneVoxels
	l.MaxShapeVolume = d.Limits.MaxShapeVolume
	return l
}

// RunScript returns the run_script tool.
func RunScript(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("run_script",
		mcp.WithDescription(`Run a Starlark (Python-like) program against the scene: the way to build big things in one call. The whole script is one undo step; if it fails, nothing changes and the error names the line. Z is up; corners a, b are inclusive [x,y,z]; colours "#RRGGBB", "#RRGGBBAA", [r,g,b(,a)]; None as a colour removes; drawing built-ins take layer=.
Built-ins: set(x,y,z,color), get(x,y,z) → "#RRGGBBAA" or None, remove(x,y,z), box(a,b,color,hollow=False), sphere(center,radius,color), cylinder(center,radius,height,color,axis="z"), cone(...same), line(a,b,color,radius=0), plane(a,b,color,axis="z"), copy_region(a,b,offset), move_region(a,b,offset), mirror_region(a,b,axis,at=None,keep_original=False), rotate_region(a,b,axis="z",turns=1,center=None), replace_color(old,new,a=None,b=None,tolerance=0), bounding_box(), count(), histogram(), layers(), create_layer(name), select_layer(id), noise(x,y,z=0,seed=0,octaves=1) → [0,1) smooth between integers (use x/20.0), random(seed) with .random() .randint(a,b) .choice(seq), color(c), rgb(r,g,b), mix(c1,c2,t), print(), math, args.
Limits: execution steps, 10 s, 16M voxels changed, 64 KB of print; no files, network, clock or environment. Prefer box() per column over per-voxel set() loops. Returns voxels added/removed/recolored, the bounding box and the printed output. Guide and examples: docs/scripting.md.
Example: {"code":"for x in range(-20, 21):\n    for y in range(-20, 21):\n        h = int(noise(x / 10.0, y / 10.0) * 8)\n        box([x, y, 0], [x, y, h], '#6A9A40')"}`),
		annotations(false, true, false),
		mcp.WithString("code", mcp.Required(), mcp.Description("The Starlark program.")),
		mcp.WithObject("args", mcp.AdditionalProperties(true), mcp.Description("Values the program reads as the dict args, e.g. {\"size\": 20}.")),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		code, err := a.requireString("code")
		if err != nil {
			return nil, err
		}
		if len(code) > maxScriptBytes {
			return nil, fmt.Errorf("code is %d bytes, more than the limit of %d: loop instead of listing voxels", len(code), maxScriptBytes)
		}
		var scriptArgs map[string]any
		if a.has("args") {
			m, ok := a["args"].(map[string]any)
			if !ok {
				return nil, fmt.Errorf("args must be an object, got %s", describe(a["args"]))
			}
			scriptArgs = m
		}
		opt := script.Options{Limits: d.scriptLimits(), Args: scriptArgs, Progress: scriptProgress(ctx, req)}
		var res *script.Result
		start := time.Now()
		_, err = d.Project.Edit("run_script", func(s *voxel.Scene) error {
			var err error
			res, err = script.Run(ctx, s, code, opt)
			return err
		})
		if err != nil {
			msg := err.Error() + "\nNothing was changed."
			var se *script.Error
			if errors.As(err, &se) && se.Output != "" {
				out := se.Output
				if len(out) > 2000 {
					out = out[:2000] + "…"
				}
				msg += "\nPrinted before it stopped:\n" + out
			}
			return nil, errors.New(msg)
		}
		d.logger().Info("run_script", "bytes", len(code), "steps", res.Steps, "added", res.Changes.Added,
			"removed", res.Changes.Removed, "recolored", res.Changes.Recolored, "duration", time.Since(start))
		var count int
		d.Project.Read(func(s *voxel.Scene) { count = s.Count() })
		out := struct {
			Added     int    `json:"added"`
			Removed   int    `json:"removed"`
			Recolored int    `json:"recolored"`
			Voxels    int    `json:"scene_voxels"`
			Box       *boxJS `json:"bounding_box,omitempty"`
			Output    string `json:"output"`
			Steps     uint64 `json:"steps"`
		}{res.Changes.Added, res.Changes.Removed, res.Changes.Recolored, count, boxJSON(res.Box), res.Output, res.Steps}
		msg := fmt.Sprintf("The script ran (%d steps): %s; the scene has %d voxels, bounding box %v.", res.Steps, res.Changes, count, res.Box)
		return structured(msg, out), nil
	})}
}

// scriptProgress reports a running script's elapsed time when the client
// asked for progress (the call's progressToken); nil otherwise.
func scriptProgress(ctx context.Context, req mcp.CallToolRequest) func(elapsed, limit time.Duration) {
	m := req.Params.Meta
	srv := mcpserver.ServerFromContext(ctx)
	if m == nil || m.ProgressToken == nil || srv == nil {
		return nil
	}
	tok := m.ProgressToken
	return func(elapsed, limit time.Duration) {
		// Dropped notifications are harmless: progress is advisory.
		_ = srv.SendNotificationToClient(ctx, "notifications/progress", map[string]any{
			"progressToken": tok, "progress": elapsed.Seconds(), "total": limit.Seconds(),
			"message": fmt.Sprintf("script running for %.1f s (time limit %v)", elapsed.Seconds(), limit),
		})
	}
}
