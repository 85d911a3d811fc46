package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// argMoves are misplacements common and unambiguous enough to accept: the
// argument is moved into the object where it belongs (tool → argument →
// object property). A model that writes render_scene {"return_mode":
// "file_path"} means options.return_mode; nothing else can be meant.
var argMoves = map[string]map[string]string{
	"render_scene": {"return_mode": "options", "output_dir": "options"},
}

// argAliases are names models use for an argument that exists under
// another name; they are suggested, never accepted.
var argAliases = map[string][]string{
	"colour":      {"color"},
	"rgb":         {"color"},
	"pos":         {"position", "center"},
	"coords":      {"position"},
	"point":       {"position", "center"},
	"centre":      {"center"},
	"start":       {"from", "position"},
	"end":         {"to"},
	"layer_id":    {"layer", "id"},
	"file":        {"path"},
	"filename":    {"path"},
	"count":       {"steps", "limit"},
	"n":           {"steps", "limit"},
	"times":       {"steps"},
	"r":           {"radius"},
	"size":        {"radius", "width"},
	"camera":      {"view"},
	"angle":       {"yaw"},
	"mode":        {"options.return_mode"},
	"output":      {"output_path"},
	"output_file": {"output_path"},
}

// checkArgs refuses arguments the tool's input schema does not declare, at
// the top level and inside object properties whose schema lists its
// properties, naming the nearest valid argument. It runs before anything
// else, so a refused call changes nothing and waits for nothing. Apply it
// last, after every wrapper that adds properties (guard's
// expected_revision).
func checkArgs(st mcpserver.ServerTool) mcpserver.ServerTool {
	name := st.Tool.Name
	props, open := inputProperties(st.Tool)
	if open {
		return st
	}
	moves := argMoves[name]
	next := st.Handler
	st.Handler = func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		a, ok := req.Params.Arguments.(map[string]any)
		if !ok || len(a) == 0 {
			return next(ctx, req)
		}
		if len(moves) > 0 {
			moved, err := moveArgs(a, props, moves)
			if err != nil {
				return mcp.NewToolResultError(err.Error()), nil
			}
			a = moved
			req.Params.Arguments = moved
		}
		if msg := unknownArgs(a, props, props, ""); msg != "" {
			return mcp.NewToolResultError(fmt.Sprintf("%s; %s takes %s. Nothing was done.", msg, name, strings.Join(sortedKeys(props), ", "))), nil
		}
		return next(ctx, req)
	}
	return st
}

// inputProperties returns the top-level properties of the tool's input
// schema, and whether the schema allows any other argument.
func inputProperties(t mcp.Tool) (props map[string]any, open bool) {
	if t.RawInputSchema != nil {
		var s map[string]any
		if json.Unmarshal(t.RawInputSchema, &s) != nil {
			return nil, true
		}
		p, _ := s["properties"].(map[string]any)
		return p, s["additionalProperties"] != nil && s["additionalProperties"] != false
	}
	ap := t.InputSchema.AdditionalProperties
	return t.InputSchema.Properties, ap != nil && ap != false
}

// moveArgs returns a copy of a with the misplaced arguments moved into
// their object; the caller's map is never changed.
func moveArgs(a, props map[string]any, moves map[string]string) (map[string]any, error) {
	var out map[string]any
	for _, k := range sortedKeys(a) {
		into, ok := moves[k]
		if !ok || props[k] != nil || a[k] == nil {
			continue
		}
		if out == nil {
			out = maps.Clone(a)
		}
		obj := map[string]any{}
		switch v := out[into].(type) {
		case nil:
		case map[string]any:
			obj = maps.Clone(v)
		default:
			return nil, fmt.Errorf("%s must be an object such as {%q: …}, got %s", into, k, describe(v))
		}
		if old, ok := obj[k]; ok && old != nil && fmt.Sprint(old) != fmt.Sprint(out[k]) {
			return nil, fmt.Errorf("%s is given twice, as %s and %s.%s = %s: keep %s.%s only", k, describe(out[k]), into, k, describe(old), into, k)
		}
		obj[k] = out[k]
		delete(out, k)
		out[into] = obj
	}
	if out == nil {
		return a, nil
	}
	return out, nil
}

// unknownArgs describes the arguments of a (at path prefix) that props does
// not declare, and recurses into declared objects and arrays of objects.
func unknownArgs(a, props, top map[string]any, prefix string) string {
	var msgs []string
	for _, k := range sortedKeys(a) {
		p, ok := props[k]
		if !ok {
			msg := fmt.Sprintf("unknown argument `%s%s`", prefix, k)
			if s := suggest(k, props, top, prefix); s != "" {
				msg += "; did you mean " + s + "?"
			}
			msgs = append(msgs, msg)
			continue
		}
		schema, _ := p.(map[string]any)
		switch v := a[k].(type) {
		case map[string]any:
			if sub, ok := objectProps(schema); ok {
				if m := unknownArgs(v, sub, top, prefix+k+"."); m != "" {
					msgs = append(msgs, m)
				}
			}
		case []any:
			items, _ := schema["items"].(map[string]any)
			sub, ok := objectProps(items)
			if !ok {
				continue
			}
			for i, item := range v {
				if m, isObj := item.(map[string]any); isObj {
					if msg := unknownArgs(m, sub, top, fmt.Sprintf("%s%s[%d].", prefix, k, i)); msg != "" {
						msgs = append(msgs, msg)
						break // one bad item says enough
					}
				}
			}
		}
	}
	return strings.Join(msgs, "; ")
}

// objectProps returns the declared properties of an object schema (or of
// the one object branch of a oneOf/anyOf), unless it allows others.
func objectProps(schema map[string]any) (map[string]any, bool) {
	if schema == nil {
		return nil, false
	}
	if p, ok := schema["properties"].(map[string]any); ok {
		if ap, set := schema["additionalProperties"]; set && ap != false {
			return nil, false
		}
		return p, true
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		branches, _ := schema[key].([]any)
		var found map[string]any
		n := 0
		for _, b := range branches {
			if bm, ok := b.(map[string]any); ok {
				if p, ok := objectProps(bm); ok {
					found = p
					n++
				}
			}
		}
		if n == 1 {
			return found, true
		}
	}
	return nil, false
}

// suggest names (in backticks) the valid argument an unknown one most likely meant: a
// property of a nested object with that name, the same name at the top
// level, a known alias, or the nearest name by edit distance.
func suggest(k string, props, top map[string]any, prefix string) string {
	for _, name := range sortedKeys(props) {
		schema, _ := props[name].(map[string]any)
		if sub, ok := objectProps(schema); ok {
			if _, ok := sub[k]; ok {
				return "`" + prefix + name + "." + k + "`"
			}
		}
	}
	if prefix != "" {
		if _, ok := top[k]; ok {
			return "`" + k + "` at the top level, not inside `" + strings.TrimSuffix(prefix, ".") + "`"
		}
	}
	lk := strings.ToLower(k)
	for _, alias := range argAliases[lk] {
		if head, tail, nested := strings.Cut(alias, "."); nested {
			if schema, ok := props[head].(map[string]any); ok {
				if sub, ok := objectProps(schema); ok && sub[tail] != nil {
					return "`" + prefix + alias + "`"
				}
			}
		} else if _, ok := props[alias]; ok {
			return "`" + prefix + alias + "`"
		}
	}
	// The nearest name here, or inside a nested object (a tie goes to the
	// name at this level).
	best, bestD := "", 1<<30
	consider := func(path, leaf string, penalty int) {
		ll := strings.ToLower(leaf)
		d := editDistance(lk, ll)
		if len(lk) >= 3 && len(ll) >= 3 && (strings.Contains(lk, ll) || strings.Contains(ll, lk)) {
			d = min(d, 2)
		}
		if d <= max(2, len(k)/3) && d < len(k) && d+penalty < bestD {
			best, bestD = path, d+penalty
		}
	}
	for _, name := range sortedKeys(props) {
		consider(name, name, 0)
	}
	for _, name := range sortedKeys(props) {
		schema, _ := props[name].(map[string]any)
		if sub, ok := objectProps(schema); ok {
			for _, leaf := range sortedKeys(sub) {
				consider(name+"."+leaf, leaf, 1)
			}
		}
	}
	if best != "" {
		return "`" + prefix + best + "`"
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
