package script

import "math"

// Noise is seeded 3D value noise in [0, 1): random values on the integer
// lattice, blended with a quintic fade, so it varies smoothly between
// integer points and repeats nowhere. Octaves above 1 add finer layers at
// double the frequency and half the amplitude (fractal noise), normalised
// back to [0, 1). The same arguments give the same value on every machine.
func Noise(x, y, z float64, seed int64, octaves int) float64 {
	if octaves < 1 {
		octaves = 1
	}
	sum, amp, norm, freq := 0.0, 1.0, 0.0, 1.0
	for o := range octaves {
		sum += amp * valueNoise(x*freq, y*freq, z*freq, seed+int64(o)*1013)
		norm += amp
		amp /= 2
		freq *= 2
	}
	v := sum / norm
	if v >= 1 {
		v = math.Nextafter(1, 0)
	}
	if v < 0 || math.IsNaN(v) {
		v = 0
	}
	return v
}

func valueNoise(x, y, z float64, seed int64) float64 {
	fx, fy, fz := math.Floor(x), math.Floor(y), math.Floor(z)
	ix, iy, iz := int64(fx), int64(fy), int64(fz)
	tx, ty, tz := fade(x-fx), fade(y-fy), fade(z-fz)
	lerp := func(a, b, t float64) float64 { return a + (b-a)*t }
	c := func(dx, dy, dz int64) float64 { return lattice(ix+dx, iy+dy, iz+dz, seed) }
	x00 := lerp(c(0, 0, 0), c(1, 0, 0), tx)
	x10 := lerp(c(0, 1, 0), c(1, 1, 0), tx)
	x01 := lerp(c(0, 0, 1), c(1, 0, 1), tx)
	x11 := lerp(c(0, 1, 1), c(1, 1, 1), tx)
	return lerp(lerp(x00, x10, ty), lerp(x01, x11, ty), tz)
}

func fade(t float64) float64 { return t * t * t * (t*(t*6-15) + 10) }

// lattice hashes a lattice point and a seed to a value in [0, 1).
func lattice(x, y, z, seed int64) float64 {
	h := uint64(x)*0x9E3779B97F4A7C15 ^ uint64(y)*0xC2B2AE3D27D4EB4F ^ uint64(z)*0x165667B19E3779F9 ^ uint64(seed)*0xD6E8FEB86659FD93
	h ^= h >> 31
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 29
	h *= 0x94D049BB133111EB
	h ^= h >> 32
	return float64(h>>11) / (1 << 53)
}
