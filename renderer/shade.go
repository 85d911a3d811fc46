package renderer

import (
	"math"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Lighting, in linear light (colours are decoded from sRGB, lit, and encoded again). A sun at azimuth
// 210° (compass: clockwise from +Y, so the front-left, mostly front) and elevation 50° lights the
// front (-Y) most after the top, the left (-X) less, and casts voxel-exact shadows towards the
// back-right; a weak fill from the back-right and a sky term lift the faces the sun misses. Light
// never exceeds 1 (the sunlit top), so saturated colours keep their hue instead of clipping.
const (
	sunAzimuth, sunElevation   = 210.0, 50.0
	fillAzimuth, fillElevation = 60.0, 25.0
	ambient                    = 0.26 // every face, times its occlusion
	sky                        = 0.08 // times the normal's Z, times occlusion
	sunStrength                = 0.70 // times the cosine, where the sun is not blocked
	fillStrength               = 0.12
	wideAOStrength             = 0.55 // share of the ambient removed by a fully occupied wide window
)

// shadeOne is 1.0 in the fixed-point shade scale used by the rasteriser.
const shadeOne = 256

func lightDir(az, el float64) [3]float64 {
	a, e := az*math.Pi/180, el*math.Pi/180
	return [3]float64{math.Sin(a) * math.Cos(e), math.Cos(a) * math.Cos(e), math.Sin(e)}
}

// sunDir points from the scene towards the sun.
var sunDir = lightDir(sunAzimuth, sunElevation)

// cornerCode describes one face corner's light: bits 0-1 the contact occlusion level (0 dark to 3
// open), bits 2-4 the wide occlusion (0 open to 7 full), bit 5 set when the sun is blocked.
type cornerCode = uint8

const (
	codeOpen   cornerCode = 3 // open, lit
	codeShadow cornerCode = 1 << 5
	wideLevels            = 8
	wideShift             = 2
	codeLimit             = 64
)

// lightTable holds the shade of every corner code per face direction, for one choice of AO and
// cast-shadow switches.
type lightTable [6][codeLimit]uint16

// lightTables are indexed by ao + 2·shadow.
var lightTables = func() [4]lightTable {
	sun, fill := sunDir, lightDir(fillAzimuth, fillElevation)
	top := ambient + sky + sunStrength*sun[2] // the brightest face: scaled to 1
	var out [4]lightTable
	for variant := range 4 {
		ao, shadow := variant&1 != 0, variant&2 != 0
		for dir := range 6 {
			var n [3]float64
			n[dir>>1] = 1
			if dir&1 == 1 {
				n[dir>>1] = -1
			}
			dot := func(l [3]float64) float64 { return max(0, n[0]*l[0]+n[1]*l[1]+n[2]*l[2]) }
			for code := range codeLimit {
				level, wide, blocked := code&3, code>>wideShift&7, code&int(codeShadow) != 0
				occ := 1.0
				if ao {
					occ = float64(aoFactor[level]) / shadeOne * (1 - wideAOStrength*float64(wide)/(wideLevels-1))
				}
				amb := (ambient + sky*n[2]) * occ
				direct := sunStrength * dot(sun)
				if shadow && blocked {
					direct = 0
				}
				if ao {
					direct *= 0.6 + 0.4*float64(aoFactor[level])/shadeOne
				}
				l := (amb + direct + fillStrength*dot(fill)*occ) / top
				out[variant][dir][code] = uint16(math.Round(min(1, max(0, l)) * shadeOne))
			}
		}
	}
	return out
}()

// dirShade is each face direction's light with no occlusion and no shadow (the shade a lone voxel
// gets), in the fixed-point scale.
var dirShade = func() [6]int32 {
	var out [6]int32
	for dir := range 6 {
		out[dir] = int32(lightTables[0][dir][codeOpen])
	}
	return out
}()

// aoFactor is the ambient light kept at a face corner for contact occlusion level 0 (both sides
// occluded) to 3 (open), in the fixed-point scale.
var aoFactor = [4]int32{120, 170, 215, 256}

// outlineFactor darkens outline pixels (fixed-point scale, applied in linear light).
const outlineFactor = 150

// shadeQuant keeps the low bits of a pixel's shade at zero, so a model with a few colours renders with
// at most a few hundred distinct colours and pngx can write a paletted PNG (7× faster, 7× smaller).
// Shaded gradients are dithered (bayer4) before quantizing, so the 1/32 steps do not band.
const shadeQuant = ^int32(7)

// maxShade bounds every pixel shade.
const maxShade = shadeOne

// shadeLUT holds one colour at every quantized shade level (shade >> 3).
type shadeLUT [48]uint32

func newShadeLUT(c uint32) *shadeLUT {
	var l shadeLUT
	for i := range l {
		l[i] = shadeColour(c, int32(i)<<3)
	}
	return &l
}

// shadeColour scales packed colour c (R | G<<8 | B<<16) by s/256 in linear light and returns an
// opaque packed pixel.
func shadeColour(c uint32, s int32) uint32 {
	s = min(s&shadeQuant, shadeOne)
	var out uint32
	for sh := uint32(0); sh < 24; sh += 8 {
		l := uint32(srgbToLin[c>>sh&0xff]) * uint32(s) >> 8 // 0..65535
		out |= uint32(linToSRGB[l>>4]) << sh
	}
	return out | 0xff<<24
}

// bayer4 is a 4×4 ordered-dither matrix, 0 to 15.
var bayer4 = [4][4]int32{{0, 8, 2, 10}, {12, 4, 14, 6}, {3, 11, 1, 9}, {15, 7, 13, 5}}

// shadowMap is a soft contact shadow on the ground plane under the model (the plane at the bottom of
// its lowest voxels): each column darkens the ground in proportion to how close its lowest voxels are
// to the ground, blurred. It does not depend on the camera. Values are 0 (none) to 255 (full).
type shadowMap struct {
	x0, y0 int32 // map cell (0,0) in model coordinates (box minimum = 0)
	w, h   int
	v      []uint8
	fall   int32 // height over which a voxel's contribution fades to nothing
}

// shadowMargin is how far, in voxels, the blurred shadow reaches beyond the footprint.
const shadowMargin = 4

// maxShadowCells bounds the ground shadow map (1 MB); a larger footprint gets no ground shadow.
const maxShadowCells = 1 << 20

func newShadowMap(b voxel.Box) *shadowMap {
	s := b.Size()
	// Cast shadows fall away from the sun, up to the model's height times the sun's slope.
	reachX := int(math.Ceil(float64(s.Z) * math.Max(0, -sunDir[0]) / sunDir[2]))
	reachY := int(math.Ceil(float64(s.Z) * math.Max(0, -sunDir[1]) / sunDir[2]))
	m := &shadowMap{x0: -shadowMargin, y0: -shadowMargin, w: s.X + 2*shadowMargin + reachX, h: s.Y + 2*shadowMargin + reachY}
	m.fall = int32(max(6, min(s.Z, 24)))
	if int64(m.w)*int64(m.h) > maxShadowCells {
		// A huge footprint: no shadow rather than a big allocation.
		return &shadowMap{}
	}
	m.v = make([]uint8, m.w*m.h)
	return m
}

// add records a voxel at model position (x, y, z).
func (m *shadowMap) add(x, y, z int32) {
	if m.v == nil || z >= m.fall {
		return
	}
	i := int(y-m.y0)*m.w + int(x-m.x0)
	d := uint8(255 - 255*z/m.fall)
	if d > m.v[i] {
		m.v[i] = d
	}
}

// any reports whether any cell in [x0, x1) × [y0, y1), clipped to the map, is non-zero.
func (m *shadowMap) any(x0, y0, x1, y1 int) bool {
	x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, m.w), min(y1, m.h)
	for y := y0; y < y1; y++ {
		for _, v := range m.v[y*m.w+x0 : y*m.w+x1] {
			if v != 0 {
				return true
			}
		}
	}
	return false
}

// finish blurs the map with three 1-2-1 passes in each direction (close to a Gaussian).
func (m *shadowMap) finish() {
	if m.v == nil {
		return
	}
	tmp := make([]uint8, len(m.v))
	for range 3 {
		blur(tmp, m.v, m.w, m.h, 1, m.w)
		blur(m.v, tmp, m.h, m.w, m.w, 1)
	}
}

// blur writes a radius-1 box blur of src along lines of n cells into dst; step is the distance between
// neighbours along a line and lines are stride apart.
func blur(dst, src []uint8, n, lines, step, stride int) {
	for l := range lines {
		base := l * stride
		for i := range n {
			// Weights 1,2,1; cells beyond the map count as zero.
			sum := int(src[base+i*step]) * 2
			if i > 0 {
				sum += int(src[base+(i-1)*step])
			}
			if i < n-1 {
				sum += int(src[base+(i+1)*step])
			}
			dst[base+i*step] = uint8(sum / 4)
		}
	}
}

// shadowStrength is the darkening of the ground under a full shadow cell (fixed point, 256 = black).
const shadowStrength = 110

// shadowSampler darkens ground pixels by the bilinearly sampled shadow map. s runs along the map's
// X cells and t along its Y cells, unless swapped to keep the ground quad positively oriented.
type shadowSampler struct {
	m        *shadowMap
	swapped  bool
	bg       uint32
	bgShaded [16]uint32 // bg darkened by each level
}

// bayer is a 4×4 ordered-dither matrix scaled to one shadow level (2048).
var bayer = [4][4]int64{
	{0, 1024, 256, 1280},
	{1536, 512, 1792, 768},
	{384, 1408, 128, 1152},
	{1920, 896, 1664, 640},
}

func (sh *shadowSampler) span(line []uint32, x0, row int, tile [4]int32, s, t, ds, dt int32) {
	m := sh.m
	if sh.swapped {
		s, t, ds, dt = t, s, dt, ds
	}
	w, h := int64(m.w), int64(m.h)
	tx, ty, tw, th := int64(tile[0])<<8-128, int64(tile[1])<<8-128, int64(tile[2]), int64(tile[3])
	v := m.v
	// The four cells around the last sample, reloaded only when the sample moves to another cell
	// (cells span many pixels).
	cx, cy := int64(-1<<40), int64(0)
	var c00, c10, c01, c11 int64
	for i := 0; i < len(line); i++ {
		// The ground is drawn after the model but only where the background still shows, which is what
		// drawing it first would give (it lies behind everything), without shading hidden ground.
		if line[i] != sh.bg {
			// Skip the run of model pixels at once (about half of the pixels of a shadow tile).
			j := i + 1
			for j < len(line) && line[j] != sh.bg {
				j++
			}
			s += ds * int32(j-i)
			t += dt * int32(j-i)
			i = j - 1
			continue
		}
		// Map position in 24.8 with cell centres at .5; cells -1 and w (or h) are outside and read 0.
		mx := min(max(tx+(int64(s)*tw)>>8, -256), w<<8-1)
		my := min(max(ty+(int64(t)*th)>>8, -256), h<<8-1)
		s += ds
		t += dt
		cellX, cellY := mx>>8, my>>8
		if cellX != cx || cellY != cy {
			cx, cy = cellX, cellY
			c00, c10, c01, c11 = 0, 0, 0, 0
			if cellY >= 0 {
				r := cellY * w
				if cellX >= 0 {
					c00 = int64(v[r+cellX])
				}
				if cellX+1 < w {
					c10 = int64(v[r+cellX+1])
				}
			}
			if cellY+1 < h {
				r := (cellY + 1) * w
				if cellX >= 0 {
					c01 = int64(v[r+cellX])
				}
				if cellX+1 < w {
					c11 = int64(v[r+cellX+1])
				}
			}
		}
		if c00|c10|c01|c11 == 0 {
			continue
		}
		fx, fy := mx&255, my&255
		top := c00*(256-fx) + c10*fx
		bot := c01*(256-fx) + c11*fx
		d := (top*(256-fy) + bot*fy) >> 16
		// Quantized to 1/32 steps like face shades, to keep palettes small, with a 4×4 ordered dither so
		// the steps do not show as rings on a plain background.
		level := (d*shadowStrength + bayer[row&3][(x0+i)&3]) >> 11
		line[i] = sh.bgShaded[level]
	}
}

// darken scales p's colour by 1 - level·8/256, keeping its alpha.
func darken(p uint32, level int64) uint32 {
	k := 256 - level<<3
	r := (int64(p&0xff) * k) >> 8
	g := (int64(p>>8&0xff) * k) >> 8
	b := (int64(p>>16&0xff) * k) >> 8
	return uint32(r) | uint32(g)<<8 | uint32(b)<<16 | p&0xff000000
}

// newShadowSampler prepares a sampler over m for a background bg.
func newShadowSampler(m *shadowMap, bg uint32) *shadowSampler {
	sh := &shadowSampler{m: m, bg: bg}
	for i := range sh.bgShaded {
		sh.bgShaded[i] = darken(bg, int64(i))
	}
	return sh
}
