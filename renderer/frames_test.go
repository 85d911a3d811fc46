package renderer

import (
	"context"
	"image"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// registered reports whether the off-heap frame with pixels at p is still live (not freed).
func registered(p uintptr) bool {
	bigFrames.mu.Lock()
	defer bigFrames.mu.Unlock()
	for k := range bigFrames.m {
		if uintptr(unsafe.Pointer(k)) == p {
			return true
		}
	}
	return false
}

func pixAddr(img *image.NRGBA) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(img.Pix))) }

// Frames over maxPooledFrame live off the Go heap: Release frees them at once, a second Release does
// nothing, a reused (dirty) buffer renders the same image, and a frame dropped without Release is
// freed once unreachable.
func TestLargeFramesOffHeap(t *testing.T) {
	r := NewRenderer()
	snap := referenceScene()
	opt := DefaultOptions()
	opt.Width, opt.Height = 1600, 1200 // 7.7 MB
	img, err := r.Render(context.Background(), snap, opt)
	require.NoError(t, err)
	want := append([]byte(nil), img.Pix...)
	p := pixAddr(img)
	assert.True(t, registered(p), "the frame is off the heap")
	Release(img)
	assert.Nil(t, img.Pix, "Release drops the pixels")
	assert.False(t, registered(p), "Release frees the frame")
	Release(img)

	img, err = r.Render(context.Background(), snap, opt)
	require.NoError(t, err)
	assert.Equal(t, want, img.Pix, "a reused buffer renders the same image")
	Release(img)

	img, err = r.Render(context.Background(), snap, opt)
	require.NoError(t, err)
	p = pixAddr(img)
	require.True(t, registered(p))
	img = nil
	_ = img
	deadline := time.Now().Add(10 * time.Second)
	for registered(p) && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	assert.False(t, registered(p), "an unreleased frame is freed by its cleanup")
}
