package pngx

import (
	"bufio"
	"bytes"
	"errors"
	"hash/adler32"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// roundTrip encodes img, decodes it with image/png and checks every pixel is unchanged.
func roundTrip(t testing.TB, img *image.NRGBA, opt *Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Encode(&buf, img, opt))
	dec, err := png.Decode(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	b := img.Rect
	require.Equal(t, b.Dx(), dec.Bounds().Dx())
	require.Equal(t, b.Dy(), dec.Bounds().Dy())
	for y := range b.Dy() {
		for x := range b.Dx() {
			want := img.NRGBAAt(b.Min.X+x, b.Min.Y+y)
			got := color.NRGBAModel.Convert(dec.At(x, y)).(color.NRGBA)
			if want.A == 0 && got.A == 0 {
				// RGBA and paletted keep the colour of transparent pixels; RGB never sees alpha 0.
				if _, rgba := dec.(*image.NRGBA); !rgba {
					if _, pal := dec.(*image.Paletted); !pal {
						continue
					}
				}
			}
			if want != got {
				t.Fatalf("pixel (%d,%d): got %v, want %v", x, y, got, want)
			}
		}
	}
	return buf.Bytes()
}

func randomImage(r *rand.Rand, w, h, colours int, alpha bool) *image.NRGBA {
	pal := make([]color.NRGBA, colours)
	for i := range pal {
		a := uint8(255)
		if alpha {
			a = uint8(r.IntN(256))
		}
		pal[i] = color.NRGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), a}
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, pal[r.IntN(colours)])
		}
	}
	return img
}

func colourType(t *testing.T, data []byte) (ctype, depth byte) {
	t.Helper()
	require.Greater(t, len(data), 33)
	require.Equal(t, "IHDR", string(data[12:16]))
	return data[25], data[24]
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name          string
		w, h, colours int
		alpha         bool
		ctype, depth  byte
	}{
		{"1x1", 1, 1, 1, false, ctPaletted, 1},
		{"1x1 transparent", 1, 1, 1, true, ctPaletted, 1},
		{"2 colours", 17, 5, 2, false, ctPaletted, 1},
		{"4 colours", 13, 7, 4, true, ctPaletted, 2},
		{"16 colours", 31, 9, 16, false, ctPaletted, 4},
		{"200 colours", 40, 30, 200, true, ctPaletted, 8},
		{"256 colours", 64, 64, 256, false, ctPaletted, 8},
		{"opaque many colours", 100, 50, 5000, false, ctRGB, 8},
		{"alpha many colours", 100, 50, 5000, true, ctRGBA, 8},
		{"tall thin", 1, 300, 3000, true, ctRGBA, 8},
		{"wide thin", 3000, 1, 3000, false, ctRGB, 8},
		{"strips RGBA", 700, 800, 1000, true, ctRGBA, 8},
		{"strips RGB", 900, 700, 1000, false, ctRGB, 8},
		{"strips paletted", 2000, 1200, 100, true, ctPaletted, 8},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img := randomImage(r, c.w, c.h, c.colours, c.alpha)
			data := roundTrip(t, img, nil)
			ct, d := colourType(t, data)
			if c.colours > 256 {
				// a random image this size almost surely uses more than 256 of its colours
				assert.Equal(t, c.ctype, ct)
			} else {
				assert.Equal(t, byte(ctPaletted), ct)
				assert.LessOrEqual(t, d, c.depth)
			}
		})
	}
}

func TestTransparent(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for y := 10; y < 30; y++ {
		for x := 5; x < 40; x++ {
			img.SetNRGBA(x, y, color.NRGBA{200, 10, 10, 255})
		}
	}
	data := roundTrip(t, img, nil)
	ct, _ := colourType(t, data)
	assert.Equal(t, byte(ctPaletted), ct)
	assert.Contains(t, string(data), "tRNS")

	empty := image.NewNRGBA(image.Rect(0, 0, 33, 33))
	roundTrip(t, empty, nil)
}

func TestSubImage(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	img := randomImage(r, 50, 40, 3000, true)
	sub := img.SubImage(image.Rect(7, 5, 31, 29)).(*image.NRGBA)
	roundTrip(t, sub, nil)
}

func TestLevels(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	img := randomImage(r, 120, 90, 1000, true)
	for _, level := range []int{0, 1, 2, 5, 9, -2} {
		roundTrip(t, img, &Options{Level: level})
	}
	var buf bytes.Buffer
	assert.Error(t, Encode(&buf, img, &Options{Level: 10}))
	assert.Error(t, Encode(&buf, img, &Options{Level: -1}))
}

// TestDeterministic checks that the bytes do not depend on the worker count, for RGBA and paletted
// images large enough to be scanned and compressed in parallel strips.
func TestDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	for _, colours := range []int{4000, 200} {
		img := randomImage(r, 1000, 1100, colours, true)
		var first []byte
		for _, n := range []int{1, 2, 3, 8} {
			runtime.GOMAXPROCS(n)
			var buf bytes.Buffer
			require.NoError(t, Encode(&buf, img, nil))
			if first == nil {
				first = buf.Bytes()
				continue
			}
			assert.Equal(t, first, buf.Bytes(), "GOMAXPROCS %d, %d colours", n, colours)
		}
	}
}

func TestText(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	opt := &Options{Text: []TextChunk{
		{"Software", "goxel-mcp dev"},
		{"Comment", "vue de face – ünïcode"},
		{"Scene", "hash=0123456789abcdef"},
	}}
	data := roundTrip(t, img, opt)
	s := string(data)
	i1 := strings.Index(s, "tEXtSoftware\x00goxel-mcp dev")
	i2 := strings.Index(s, "iTXtComment\x00")
	i3 := strings.Index(s, "tEXtScene\x00hash=0123456789abcdef")
	idat := strings.Index(s, "IDAT")
	require.True(t, i1 > 0 && i2 > 0 && i3 > 0, "text chunks missing")
	assert.True(t, i1 < i2 && i2 < i3 && i3 < idat, "text chunks out of order or after IDAT")

	for _, bad := range []string{"", " lead", "trail ", "dou  ble", strings.Repeat("k", 80), "tab\tkey"} {
		var buf bytes.Buffer
		assert.Error(t, Encode(&buf, img, &Options{Text: []TextChunk{{bad, "v"}}}), "keyword %q", bad)
	}
}

func TestInvalid(t *testing.T) {
	var buf bytes.Buffer
	assert.Error(t, Encode(&buf, nil, nil))
	assert.Error(t, Encode(&buf, image.NewNRGBA(image.Rect(0, 0, 0, 5)), nil))
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	img := randomImage(r, 800, 800, 100000, true)
	for _, n := range []int{0, 100, 200000} {
		err := Encode(&failWriter{n: n}, img, nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "disk full")
	}
}

func TestAdler32Combine(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for range 200 {
		a := make([]byte, r.IntN(100000))
		b := make([]byte, r.IntN(100000))
		for i := range a {
			a[i] = byte(r.IntN(256))
		}
		for i := range b {
			b[i] = 255 - byte(r.IntN(3))
		}
		want := adler32.Checksum(append(append([]byte{}, a...), b...))
		assert.Equal(t, want, adler32Combine(adler32.Checksum(a), adler32.Checksum(b), int64(len(b))))
	}
}

// TestPythonZlib checks the stream with an independent zlib (Python's) when python3 is installed.
func TestPythonZlib(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	r := rand.New(rand.NewPCG(13, 14))
	img := randomImage(r, 900, 700, 3000, true)
	var buf bytes.Buffer
	require.NoError(t, Encode(&buf, img, nil))
	script := `
import sys, struct, zlib
d = sys.stdin.buffer.read()
assert d[:8] == b'\x89PNG\r\n\x1a\n'
i, idat = 8, b''
while i < len(d):
    n, = struct.unpack('>I', d[i:i+4]); typ = d[i+4:i+8]; body = d[i+8:i+8+n]
    crc, = struct.unpack('>I', d[i+8+n:i+12+n])
    assert zlib.crc32(typ + body) == crc, typ
    if typ == b'IDAT': idat += body
    i += 12 + n
raw = zlib.decompress(idat)
print(len(raw))
`
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = bytes.NewReader(buf.Bytes())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Equal(t, "2520700", strings.TrimSpace(string(out))) // 700 rows × (1 + 900×4)
}

func FuzzEncode(f *testing.F) {
	f.Add(uint16(1), uint16(1), []byte{1, 2, 3, 4})
	f.Add(uint16(7), uint16(3), []byte{0, 0, 0, 0, 255, 255, 255, 255})
	f.Add(uint16(40), uint16(2), bytes.Repeat([]byte{9, 8, 7, 255, 1, 2, 3, 0}, 50))
	f.Fuzz(func(t *testing.T, w, h uint16, data []byte) {
		w, h = w%300+1, h%300+1
		img := image.NewNRGBA(image.Rect(0, 0, int(w), int(h)))
		if len(data) > 0 {
			for i := range img.Pix {
				img.Pix[i] = data[i%len(data)] ^ byte(i/len(data))
			}
		}
		roundTrip(t, img, nil)
	})
}

func TestDownscale(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 400, 200))
	for y := range 200 {
		for x := range 400 {
			if x < 200 {
				img.SetNRGBA(x, y, color.NRGBA{255, 0, 0, 255})
			} // right half transparent
		}
	}
	small := Downscale(img, 100)
	require.Equal(t, image.Rect(0, 0, 100, 50), small.Rect)
	assert.Equal(t, color.NRGBA{255, 0, 0, 255}, small.NRGBAAt(10, 10))
	assert.Equal(t, color.NRGBA{}, small.NRGBAAt(90, 10))
	assert.Same(t, img, Downscale(img, 400))

	// Half-covered box keeps the colour, halves the alpha (no dark fringe).
	edge := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	edge.SetNRGBA(0, 0, color.NRGBA{0, 255, 0, 255})
	edge.SetNRGBA(0, 1, color.NRGBA{0, 255, 0, 255})
	assert.Equal(t, color.NRGBA{0, 255, 0, 128}, Downscale(edge, 1).NRGBAAt(0, 0))

	tall := Downscale(image.NewNRGBA(image.Rect(0, 0, 10, 1000)), 100)
	assert.Equal(t, image.Rect(0, 0, 1, 100), tall.Rect)
}

// TestDownscaleTemp checks that the temporary downscale has Downscale's pixels (its buffer, reused
// and not zeroed, is written whole), that free hands it back, and that an image that fits is returned
// as it is.
func TestDownscaleTemp(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	img := image.NewNRGBA(image.Rect(0, 0, 1600, 900))
	for i := range img.Pix {
		img.Pix[i] = byte(r.Uint32())
	}
	want := Downscale(img, 1024)
	before := ReadBigStats()
	for range 3 { // the second and third take the buffer the first gave back, full of its pixels
		small, free := DownscaleTemp(img, 1024)
		require.Equal(t, want.Rect, small.Rect)
		require.Equal(t, want.Stride, small.Stride)
		require.True(t, bytes.Equal(want.Pix, small.Pix), "DownscaleTemp's pixels differ from Downscale's")
		for i := range small.Pix {
			small.Pix[i] = 0xAB // a stale image for the next round to overwrite
		}
		free()
	}
	after := ReadBigStats()
	assert.Equal(t, before.Live, after.Live, "every buffer handed back")
	if mmapSupported {
		assert.GreaterOrEqual(t, after.Reused-before.Reused, 2, "the freed buffer is reused")
	}
	same, free := DownscaleTemp(img, 2000)
	assert.Same(t, img, same)
	free()
	assert.Len(t, img.Pix, 1600*900*4, "free of an image that fitted leaves it alone")
}

// TestRuns round-trips images made of runs of every short length, the case the scanner speeds up.
func TestRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, w := range []int{1, 2, 3, 4, 5, 7, 8, 9, 31, 64, 257} {
		img := image.NewNRGBA(image.Rect(0, 0, w, 40))
		colours := []color.NRGBA{{1, 2, 3, 255}, {9, 9, 9, 0}, {200, 0, 0, 255}, {0, 0, 0, 0}}
		x, y, c := 0, 0, 0
		for y < 40 {
			n := 1 + r.IntN(12)
			if r.IntN(3) == 0 {
				c = r.IntN(len(colours))
			}
			for range n {
				img.SetNRGBA(x, y, colours[c])
				if x++; x == w {
					x, y = 0, y+1
				}
			}
		}
		roundTrip(t, img, nil)
	}
}

// TestPanicBecomesError: a panic in one of the encoder's goroutines fails that call with an error,
// and the next encode works.
func TestPanicBecomesError(t *testing.T) {
	img := randomImage(rand.New(rand.NewPCG(1, 2)), 640, 480, 4000, false)
	for _, where := range []string{"scan", "deflate"} {
		testPanic = func(w string) {
			if w == where {
				panic("forced " + w)
			}
		}
		err := Encode(io.Discard, img, nil)
		testPanic = nil
		require.Error(t, err, where)
		require.Contains(t, err.Error(), "forced "+where)
		require.NoError(t, Encode(io.Discard, img, nil))
	}
}

// Encodes running at once share pooled buffers (IDAT chunks, output, strips): each must still write
// exactly the bytes it writes alone. Run under -race, this also catches a buffer handed on while its
// last user still touches it.
func TestConcurrentEncodes(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	imgs := []*image.NRGBA{
		randomImage(r, 300, 300, 40, false),    // paletted, one stream
		randomImage(r, 700, 500, 3000, false),  // RGB, parallel strips, several IDAT chunks
		randomImage(r, 90, 1300, 200, true),    // paletted with alpha
		randomImage(r, 1000, 1000, 5000, true), // RGBA, many chunks
	}
	want := make([][]byte, len(imgs))
	for i, img := range imgs {
		var buf bytes.Buffer
		require.NoError(t, Encode(&buf, img, nil))
		want[i] = buf.Bytes()
	}
	const workers, rounds = 6, 8
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for k := range rounds {
				i := (w + k) % len(imgs)
				var buf bytes.Buffer
				if err := Encode(&buf, imgs[i], nil); err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(buf.Bytes(), want[i]) {
					errs <- errors.New("an encode running beside others wrote other bytes than alone")
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		require.NoError(t, <-errs)
	}
}

// Encode pools its own output buffer: a caller's *bufio.Writer, however large, stays the caller's
// and keeps working after the encode.
func TestEncodeIntoCallersBufferedWriter(t *testing.T) {
	img := randomImage(rand.New(rand.NewPCG(3, 4)), 64, 48, 30, false)
	want, err := png.Decode(bytes.NewReader(roundTrip(t, img, nil)))
	require.NoError(t, err)
	for i := range 3 {
		if i == 0 {
			runtime.GC() // two collections empty sync.Pools: the first encode makes its writer
			runtime.GC()
		}
		var out bytes.Buffer
		bw := bufio.NewWriterSize(&out, 1<<20)
		require.NoError(t, Encode(bw, img, nil))
		_, err := bw.WriteString("after")
		require.NoError(t, err)
		require.NoError(t, bw.Flush())
		b := out.Bytes()
		require.True(t, bytes.HasSuffix(b, []byte("IEND\xaeB`\x82after")), "the PNG then the caller's own bytes")
		got, err := png.Decode(bytes.NewReader(b))
		require.NoError(t, err)
		require.Equal(t, want.Bounds(), got.Bounds())
	}
}

// indexedOf describes img in strips starting at the given rows, each strip's palette in a shuffled
// order with unused colours added (both allowed), as a renderer that counted the colours would.
func indexedOf(img *image.NRGBA, starts []int, r *rand.Rand) *Indexed {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	x := &Indexed{Start: starts}
	for i, y0 := range starts {
		y1 := h
		if i+1 < len(starts) {
			y1 = starts[i+1]
		}
		var pal []uint32
		at := map[uint32]int{}
		for y := y0; y < y1; y++ {
			for xx := range w {
				c := pixel(img.Pix, y*img.Stride+4*xx)
				if _, ok := at[c]; !ok {
					at[c] = len(pal)
					pal = append(pal, c)
				}
			}
		}
		if len(pal) > 16 && len(pal) < 250 { // not where it would change the bit depth
			pal = append(pal, 0x12345678, 0xff0000ff) // unused (or already there: a second copy would be invalid)
			if _, dup := at[0xff0000ff]; dup {
				pal = pal[:len(pal)-1]
			}
		}
		r.Shuffle(len(pal), func(a, b int) { pal[a], pal[b] = pal[b], pal[a] })
		for k, c := range pal {
			at[c] = k
		}
		idx := make([]byte, 0, (y1-y0)*w)
		for y := y0; y < y1; y++ {
			for xx := range w {
				idx = append(idx, byte(at[pixel(img.Pix, y*img.Stride+4*xx)]))
			}
		}
		x.Palettes, x.Idx = append(x.Palettes, pal), append(x.Idx, idx)
	}
	return x
}

// TestEncodeIndexed: an image described by Options.Indexed encodes to the same pixels as one
// scanned, paletted at the depth its colours need; an Indexed of the wrong shape is ignored.
func TestEncodeIndexed(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, c := range []struct {
		name    string
		w, h    int
		colours int
		starts  []int
	}{
		{"one strip, 2 colours", 37, 20, 2, []int{0}},
		{"bands, 12 colours", 400, 130, 12, []int{0, 64, 128}},
		{"uneven strips, 200 colours", 333, 99, 200, []int{0, 1, 50, 98}},
		{"transparent colours", 64, 64, 40, []int{0, 32}},
	} {
		t.Run(c.name, func(t *testing.T) {
			img := image.NewNRGBA(image.Rect(0, 0, c.w, c.h))
			cols := make([]color.NRGBA, c.colours)
			for i := range cols {
				cols[i] = color.NRGBA{uint8(r.Uint32()), uint8(i), uint8(r.Uint32()), 255}
				if strings.HasPrefix(c.name, "transparent") && i%3 == 0 {
					cols[i].A = uint8(i)
				}
			}
			for y := range c.h {
				for x := range c.w {
					// Runs and noise, as renders have.
					k := (x/7 + y/5) % c.colours
					if r.IntN(4) == 0 {
						k = r.IntN(c.colours)
					}
					img.SetNRGBA(x, y, cols[k])
				}
			}
			ix := indexedOf(img, c.starts, r)
			before := &Indexed{Start: slices.Clone(ix.Start)}
			for i := range ix.Start {
				before.Palettes = append(before.Palettes, slices.Clone(ix.Palettes[i]))
				before.Idx = append(before.Idx, slices.Clone(ix.Idx[i]))
			}
			got := roundTrip(t, img, &Options{Indexed: ix})
			plain := roundTrip(t, img, nil)
			assert.Equal(t, plain[24:26], got[24:26], "same bit depth and colour type")
			assert.Equal(t, before, ix, "Encode only reads the strips")
		})
	}
	// Strips of 200 colours each, 400 in all: too many for a palette, so RGB.
	many := image.NewNRGBA(image.Rect(0, 0, 20, 20))
	for i := range 400 {
		many.SetNRGBA(i%20, i/20, color.NRGBA{uint8(i), uint8(i >> 8), 7, 255})
	}
	got := roundTrip(t, many, &Options{Indexed: indexedOf(many, []int{0, 10}, r)})
	assert.Equal(t, byte(ctRGB), got[25], "colour type")

	img := image.NewNRGBA(image.Rect(0, 0, 10, 10))
	for _, bad := range []*Indexed{
		{Start: []int{0}, Palettes: [][]uint32{{0}}, Idx: [][]byte{make([]byte, 99)}}, // too few indices
		{Start: []int{1}, Palettes: [][]uint32{{0}}, Idx: [][]byte{make([]byte, 90)}}, // not from row 0
		{Start: []int{0, 0}, Palettes: [][]uint32{{0}, {0}}, Idx: [][]byte{nil, make([]byte, 100)}},
		{},
	} {
		roundTrip(t, img, &Options{Indexed: bad}) // scanned instead: still the right pixels
	}
}
