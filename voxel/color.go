package voxel

import "image/color"

// ParseHex reads a colour written "RRGGBB" or "RRGGBBAA" in hexadecimal,
// with or without a leading '#'. Six digits give an opaque colour.
func ParseHex[T string | []byte](s T) (color.NRGBA, bool) {
	if len(s) > 0 && s[0] == '#' {
		s = s[1:]
	}
	if len(s) != 6 && len(s) != 8 {
		return color.NRGBA{}, false
	}
	b := [4]uint8{3: 255}
	for i := 0; i < len(s); i += 2 {
		hi, ok1 := hexDigit(s[i])
		lo, ok2 := hexDigit(s[i+1])
		if !ok1 || !ok2 {
			return color.NRGBA{}, false
		}
		b[i/2] = hi<<4 | lo
	}
	return color.NRGBA{R: b[0], G: b[1], B: b[2], A: b[3]}, true
}

func hexDigit(c byte) (uint8, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
