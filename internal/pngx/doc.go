// Package pngx is a fast PNG writer for rendered voxel images.
//
// It writes IHDR, optional tEXt/iTXt, PLTE and tRNS (paletted only), IDAT and IEND, with no row filter
// (filter type 0) and github.com/klauspost/compress/flate at level 1 by default inside our own zlib framing
// (RFC 1950: 0x78 0x01 header, adler32 trailer). Measured on this project's renders, "no filter" compresses
// flat voxel art about as well as Up and is the fastest; image/png tries all five filters on every row, which
// costs 3–10× more (docs/benchmarks.md, notes/renderer-measurements.md §2).
//
// Colour type is chosen from the pixels:
//   - at most 256 distinct colours: paletted (colour type 3) with bit depth 1, 2, 4 or 8 and a tRNS chunk
//     when any entry is not opaque. The scan (row strips in parallel, runs of equal pixels compared
//     eight or sixteen bytes at a time) stops at the 257th colour and keeps each pixel's index, so
//     pixels are looked up once, when a strip's indices fit in 2 MiB (a 1080p frame on 2 cores);
//     larger strips (4K) keep none and their rows are looked up again as they are written (about a
//     quarter more encode time, for no buffer of a quarter of the frame). Palette order is order of
//     first appearance in raster order, so the output is deterministic and the same either way.
//     Options.Indexed skips the scan: a maker that has already met every pixel's colour (the
//     renderer's anti-aliasing pass) gives each strip's colours and indices, and the palette is those
//     strips' colours merged in strip order.
//   - otherwise RGB 8-bit (colour type 2) when every alpha is 255, else RGBA 8-bit (colour type 6, straight
//     alpha: the NRGBA bytes are written as they are, including the colour of fully transparent pixels).
//
// Images of under 128 KB of raw rows are compressed as one stream, straight through a 32 KB buffered
// writer into IDAT chunks of at most 64 KB. Larger ones (a 400×400 paletted render already) are
// compressed in parallel row strips of about 64 KB raw, at most 16 (as pigz does; +0.8 % bytes at
// 400×400 for a third less time on 2 cores):
// each strip is an independent deflate stream ended with a sync flush, the strips are written in order
// once all are done, and their adler32 sums are combined. Both parallel passes run on internal/hot's
// helpers, which a render keeps awake from one stage to the next. The output is identical for any GOMAXPROCS: the strip
// count depends only on the image size. Encode is safe for concurrent use.
//
// Every output decodes with image/png to the same pixels; the tests and FuzzEncode check that round trip.
//
// AllocBig and FreeBig hand out large buffers off the Go heap (the renderer's frames over 2 MiB).
//
// Downscale is a box-filter (area average) reducer for previews; it weights colour by alpha so transparent
// pixels do not darken edges.
package pngx
