package tools

import (
	"encoding/json"
	"image/color"
	"strings"
	"testing"
)

// FuzzParseColor feeds ParseColor strings and JSON values: it never panics,
// and every colour it accepts formats as "#RRGGBBAA" and parses back to
// itself, from the string and from the [r,g,b,a] form.
func FuzzParseColor(f *testing.F) {
	for _, s := range []string{`"#FF8000"`, `"#ff800080"`, `"0080FF"`, `" #00000000 "`, `[255,128,0]`, `[1,2,3,4]`,
		`["12","0","255"]`, `[1.5,0,0]`, `[256,0,0]`, `[-1,0,0]`, `"#12"`, `"#GG0000"`, `null`, `{}`, `[1e400,0,0]`, `"＃FF0000"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var v any
		if json.Unmarshal([]byte(in), &v) != nil {
			v = in // also try the raw text as a string argument
		}
		c, err := ParseColor("color", v)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "color") {
				t.Fatalf("error does not name the argument: %v", err)
			}
			return
		}
		s := FormatColor(c)
		if len(s) != 9 || s[0] != '#' || strings.ToUpper(s) != s {
			t.Fatalf("FormatColor(%v) = %q, want #RRGGBBAA", c, s)
		}
		again, err := ParseColor("color", s)
		if err != nil || again != c {
			t.Fatalf("%q → %v → %q → %v, %v", in, c, s, again, err)
		}
		arr, err := ParseColor("color", []any{float64(c.R), float64(c.G), float64(c.B), float64(c.A)})
		if err != nil || arr != c {
			t.Fatalf("[r,g,b,a] of %v parsed as %v, %v", c, arr, err)
		}
	})
}

// FuzzParseData feeds parseData arbitrary "data" text: no panic, never more
// items than the limit, coordinates within ±maxCoord, and with a default
// colour every item has a colour (given or the default).
func FuzzParseData(f *testing.F) {
	for _, s := range []string{"0 0 0 FF0000\n1 2 3 #00FF0080", "1,2,3;4,5,6", "# comment\n\n-1\t-2\t-3 ABCDEF", "1 2", "1 2 3 4 5 6",
		"1048576 0 0", "1048577 0 0", "0 0 0 GGGGGG", "0 0 0 #", "0 0 0\r\n", "9999999999999999999999 0 0", strings.Repeat("0 0 0\n", 20)} {
		f.Add(s, true, 8)
	}
	def := color.NRGBA{1, 2, 3, 255}
	f.Fuzz(func(t *testing.T, text string, withColor bool, limit int) {
		limit = 1 + (limit&0xFF+0xFF)%256
		for _, c := range []struct {
			d    *color.NRGBA
			runs bool
		}{{nil, false}, {&def, false}, {nil, true}, {&def, true}} {
			d := c.d
			items, err := parseData(text, withColor, d, limit, c.runs)
			if err != nil {
				if items != nil {
					t.Fatalf("error %v with %d items", err, len(items))
				}
				continue
			}
			if len(items) > limit {
				t.Fatalf("%d items, limit %d", len(items), limit)
			}
			for _, it := range items {
				for _, v := range []int{it.pos.X, it.pos.Y, it.pos.Z} {
					if v < -maxCoord || v > maxCoord {
						t.Fatalf("coordinate %d outside ±%d", v, maxCoord)
					}
				}
				if withColor && d == nil && it.color == (color.NRGBA{}) && !strings.Contains(strings.ToUpper(text), "00000000") {
					t.Fatalf("item %v has no colour though no default was given", it)
				}
				if !withColor && it.color != (color.NRGBA{}) {
					t.Fatalf("colour %v read when none was wanted", it.color)
				}
			}
		}
	})
}

// FuzzVoxelItem decodes arbitrary JSON into any and hands it to voxelItemOf,
// as a tool call's "voxels" item arrives: no panic, errors name the item,
// accepted positions are in range and accepted colours round-trip.
func FuzzVoxelItem(f *testing.F) {
	for _, s := range []string{`[0,0,0]`, `[1,2,3,"#FF0000"]`, `[1,2,3,255,0,0]`, `[1,2,3,255,0,0,128]`, `{"x":1,"y":2,"z":3,"color":"#00FF00"}`,
		`{"position":[1,2,3]}`, `{"pos":{"x":1,"y":2,"z":3}}`, `[1,2]`, `[1,2,3,4,5]`, `["1","2","3"]`, `[1.5,0,0]`, `[1e999,0,0]`,
		`[2000000,0,0]`, `{"x":null,"y":0,"z":0}`, `"0 0 0"`, `null`, `[[0,0,0]]`, `{"position":[0,0,0],"color":[1,2]}`} {
		f.Add(s, true)
	}
	def := color.NRGBA{9, 9, 9, 255}
	f.Fuzz(func(t *testing.T, in string, withColor bool) {
		var v any
		if json.Unmarshal([]byte(in), &v) != nil {
			return
		}
		for _, d := range []*color.NRGBA{nil, &def} {
			it, err := voxelItemOf("voxels[0]", v, withColor, d)
			if err != nil {
				if !strings.HasPrefix(err.Error(), "voxels[0]") {
					t.Fatalf("error does not name the item: %v", err)
				}
				continue
			}
			for _, c := range []int{it.pos.X, it.pos.Y, it.pos.Z} {
				if c < -maxCoord || c > maxCoord {
					t.Fatalf("coordinate %d outside ±%d", c, maxCoord)
				}
			}
			if !withColor {
				continue
			}
			again, err := ParseColor("c", FormatColor(it.color))
			if err != nil || again != it.color {
				t.Fatalf("colour %v does not round-trip: %v, %v", it.color, again, err)
			}
		}
	})
}
