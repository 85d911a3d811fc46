package vox

import (
	"cmp"
	"image/color"
	"slices"
)

type colorCount struct {
	c color.NRGBA
	n int
}

// buildPalette returns a palette (index 0 unused) and the palette index of
// every colour of hist. Up to 255 colours are kept exactly, in RGBA order;
// more are reduced by median cut and mapped to their nearest palette
// colour.
func buildPalette(hist map[color.NRGBA]int) ([paletteSize]color.NRGBA, map[color.NRGBA]uint8) {
	var pal [paletteSize]color.NRGBA
	index := make(map[color.NRGBA]uint8, len(hist))
	all := make([]colorCount, 0, len(hist))
	for c, n := range hist {
		all = append(all, colorCount{c, n})
	}
	slices.SortFunc(all, func(a, b colorCount) int { return cmp.Compare(packRGBA(a.c), packRGBA(b.c)) })
	if len(all) <= maxColors {
		for i, e := range all {
			pal[i+1] = e.c
			index[e.c] = uint8(i + 1)
		}
		return pal, index
	}
	boxes := medianCut(all, maxColors)
	for i, b := range boxes {
		pal[i+1] = mean(b)
	}
	for _, e := range all {
		best, bestD := 1, -1
		for i := 1; i <= len(boxes); i++ {
			d := dist(e.c, pal[i])
			if bestD < 0 || d < bestD {
				best, bestD = i, d
			}
			if d == 0 {
				break
			}
		}
		index[e.c] = uint8(best)
	}
	return pal, index
}

func packRGBA(c color.NRGBA) uint32 {
	return uint32(c.R)<<24 | uint32(c.G)<<16 | uint32(c.B)<<8 | uint32(c.A)
}

func channel(c color.NRGBA, ch int) uint8 {
	switch ch {
	case 0:
		return c.R
	case 1:
		return c.G
	case 2:
		return c.B
	}
	return c.A
}

// widest returns the channel with the largest range in b and that range.
func widest(b []colorCount) (int, int) {
	bestCh, bestR := 0, -1
	for ch := range 4 {
		lo, hi := 255, 0
		for _, e := range b {
			v := int(channel(e.c, ch))
			lo, hi = min(lo, v), max(hi, v)
		}
		if hi-lo > bestR {
			bestCh, bestR = ch, hi-lo
		}
	}
	return bestCh, bestR
}

// medianCut splits the colours into at most n boxes, each time halving (by
// voxel count) the box with the widest channel range along that channel.
func medianCut(all []colorCount, n int) [][]colorCount {
	boxes := [][]colorCount{all}
	for len(boxes) < n {
		bi, bch, br := -1, 0, 0
		for i, b := range boxes {
			if len(b) < 2 {
				continue
			}
			ch, r := widest(b)
			if r > br {
				bi, bch, br = i, ch, r
			}
		}
		if bi < 0 {
			break
		}
		b := boxes[bi]
		slices.SortStableFunc(b, func(x, y colorCount) int { return cmp.Compare(channel(x.c, bch), channel(y.c, bch)) })
		total := 0
		for _, e := range b {
			total += e.n
		}
		split, acc := 1, 0
		for i, e := range b[:len(b)-1] {
			acc += e.n
			split = i + 1
			if 2*acc >= total {
				break
			}
		}
		boxes[bi] = b[:split:split]
		boxes = append(boxes, b[split:])
	}
	return boxes
}

func mean(b []colorCount) color.NRGBA {
	var s [4]int
	total := 0
	for _, e := range b {
		s[0] += int(e.c.R) * e.n
		s[1] += int(e.c.G) * e.n
		s[2] += int(e.c.B) * e.n
		s[3] += int(e.c.A) * e.n
		total += e.n
	}
	return color.NRGBA{
		R: uint8((s[0] + total/2) / total), G: uint8((s[1] + total/2) / total),
		B: uint8((s[2] + total/2) / total), A: uint8((s[3] + total/2) / total),
	}
}

func dist(a, b color.NRGBA) int {
	dr, dg := int(a.R)-int(b.R), int(a.G)-int(b.G)
	db, da := int(a.B)-int(b.B), int(a.A)-int(b.A)
	return dr*dr + dg*dg + db*db + da*da
}
