package autosave

import (
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// FuzzLoad feeds arbitrary manifests and packs to the restore. It must
// never panic; a state it accepts is within the scene budget, and the
// server can go on saving and restoring after it.
func FuzzLoad(f *testing.F) {
	// A real state: one layer with one block, written by Save.
	seedDir := f.TempDir()
	sv, err := Open(seedDir, nil)
	if err != nil {
		f.Fatal(err)
	}
	s := voxel.New()
	s.Set(1, voxel.Pos{X: -3, Y: 17, Z: 5}, color.NRGBA{1, 2, 3, 255})
	s.AddLayer("top")
	s.Set(2, voxel.Pos{}, color.NRGBA{9, 9, 9, 128})
	if err := sv.Save(s.Freeze(), Meta{Current: 2, Dirty: true}); err != nil {
		f.Fatal(err)
	}
	manifest, _ := os.ReadFile(filepath.Join(seedDir, manifestName))
	packs, _ := os.ReadDir(filepath.Join(seedDir, packsDir))
	var pack []byte
	if len(packs) == 1 {
		pack, _ = os.ReadFile(filepath.Join(seedDir, packsDir, packs[0].Name()))
	}
	sv.Close()
	f.Add(manifest, pack)
	f.Add([]byte(`{"format":"goxel-mcp-autosave/2","layers":[{"id":1,"name":"a","visible":true,"blocks":[[0,0,0,0,0,10,1]]}]}`), []byte("x"))
	f.Add([]byte(`{"format":"goxel-mcp-autosave/2","layers":[{"id":-1},{"id":1},{"id":1}]}`), []byte{})
	f.Fuzz(func(t *testing.T, manifest, pack []byte) {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, packsDir), 0o700); err != nil {
			t.Fatal(err)
		}
		// The pack is named after the first pack the seed manifest uses.
		for _, name := range []string{"0", "1"} {
			if err := os.WriteFile(filepath.Join(dir, packsDir, name), pack, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, manifestName), manifest, 0o600); err != nil {
			t.Fatal(err)
		}
		sv, err := Open(dir, nil)
		if err != nil {
			t.Fatal(err) // Open tolerates any manifest
		}
		defer sv.Close()
		s, _, ok, err := sv.Load()
		if err != nil {
			if _, err := sv.SetAside(err); err != nil {
				t.Fatalf("set aside: %v", err)
			}
			s, ok = voxel.New(), true
		}
		if !ok {
			return
		}
		b := s.Budget()
		if len(s.Layers()) > b.MaxLayers || s.Blocks() > b.MaxBlocks || s.Count() > b.MaxVoxels || b.CheckBox(s.Box()) != nil {
			t.Fatalf("restored a scene beyond the budget: %d layers, %d blocks, %d voxels, box %v", len(s.Layers()), s.Blocks(), s.Count(), s.Box())
		}
		// Saving what was restored works, and restores the same.
		if err := sv.Save(s.Freeze(), Meta{Current: s.Current()}); err != nil {
			t.Fatalf("save after restore: %v", err)
		}
		back, _, ok, err := sv.Load()
		if err != nil || !ok {
			t.Fatalf("reload after save: %v", err)
		}
		if back.Count() != s.Count() || len(back.Layers()) != len(s.Layers()) {
			t.Fatalf("reload gives %d voxels in %d layers, want %d in %d", back.Count(), len(back.Layers()), s.Count(), len(s.Layers()))
		}
	})
}
