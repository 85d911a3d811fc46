// Package testmodels finds the shared sample models (real files written by
// MagicaVoxel, Goxel and vengi) that live beside the checkout in
// ../shared/models, so tests can read them without copying them in.
package testmodels

import (
	"os"
	"path/filepath"
	"testing"
)

// Lookup returns the path of a shared sample model and whether it exists,
// without skipping: for seeding fuzz targets, which must run without them.
func Lookup(name string) (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "models", filepath.FromSlash(name))
	if _, err := os.Stat(p); err != nil {
		return "", false
	}
	return p, true
}

// Dir returns the shared models folder: the directory holding go.mod, found
// by walking up from the working directory, then ../shared/models. It skips
// the test when the folder is absent.
func Dir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Skipf("shared sample models unavailable: cannot get working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("shared sample models unavailable: no go.mod above the working directory")
		}
		dir = parent
	}
	models := filepath.Join(dir, "..", "shared", "models")
	if fi, err := os.Stat(models); err != nil || !fi.IsDir() {
		t.Skipf("shared sample models unavailable: %s is not a directory", models)
	}
	return models
}

// Path returns the path of one shared sample model, such as "vengi/rgb.vox",
// and skips the test when the file is absent.
func Path(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(Dir(t), filepath.FromSlash(name))
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared sample model %s unavailable: %v", name, err)
	}
	return p
}
