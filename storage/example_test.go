package storage_test

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"

	"github.com/goxel-mcp/goxel-mcp/storage"
)

// The render_scene flow: reuse a render with the same content, else stream a new PNG into a
// Pending and publish it; on any error fall back to an inline image.
func Example() {
	tmp, err := os.MkdirTemp("", "storage-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(tmp)

	st, err := storage.Open(storage.Options{Dir: filepath.Join(tmp, "renders")})
	if err != nil {
		panic(err) // e.g. a *storage.DirError: tell the user what to fix
	}
	defer st.Close()

	render := func(key string) (storage.Record, error) {
		if rec, ok := st.Lookup(key); ok {
			return rec, nil
		}
		p, err := st.Create()
		if err != nil {
			return storage.Record{}, err
		}
		defer p.Abort() // removes the temp file unless Publish succeeded
		if err := png.Encode(p, image.NewNRGBA(image.Rect(0, 0, 80, 60))); err != nil {
			return storage.Record{}, err
		}
		return p.Publish(storage.Meta{Width: 80, Height: 60, CacheKey: key})
	}

	first, err := render("scene-1/isometric/80x60")
	if err != nil {
		panic(err)
	}
	again, err := render("scene-1/isometric/80x60")
	if err != nil {
		panic(err)
	}
	fmt.Println(storage.ValidID(first.ID), first.ID == again.ID, first.Format, first.Width, first.Height)
	fmt.Println(first.ExpiresAt.Sub(first.CreatedAt), len(st.List()), st.Stats().CacheHits)
	// Output:
	// true true png 80 60
	// 1h0m0s 1 1
}
