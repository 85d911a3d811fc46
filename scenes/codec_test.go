package scenes

import (
	"image/color"
	"testing"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

func voxels(s *voxel.Scene) map[[4]int]color.NRGBA {
	out := map[[4]int]color.NRGBA{}
	for _, l := range s.Layers() {
		s.Each(l.ID, func(p voxel.Pos, c color.NRGBA) bool {
			out[[4]int{l.ID, p.X, p.Y, p.Z}] = c
			return true
		})
	}
	return out
}

func encode(t *testing.T, s *voxel.Scene) []byte {
	t.Helper()
	b, err := EncodeScene(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func equalScenes(t *testing.T, what string, a, b *voxel.Scene) {
	t.Helper()
	va, vb := voxels(a), voxels(b)
	if len(va) != len(vb) {
		t.Fatalf("%s: %d voxels, want %d", what, len(vb), len(va))
	}
	for k, c := range va {
		if vb[k] != c {
			t.Fatalf("%s: voxel %v is %v, want %v", what, k, vb[k], c)
		}
	}
	la, lb := a.Layers(), b.Layers()
	if len(la) != len(lb) {
		t.Fatalf("%s: %d layers, want %d", what, len(lb), len(la))
	}
	for i := range la {
		if la[i].ID != lb[i].ID || la[i].Name != lb[i].Name || la[i].Visible != lb[i].Visible {
			t.Fatalf("%s: layer %d is %+v, want %+v", what, i, lb[i], la[i])
		}
	}
	if a.Current() != b.Current() {
		t.Fatalf("%s: current layer %d, want %d", what, b.Current(), a.Current())
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	s := voxel.New()
	s.Set(1, voxel.Pos{X: -3, Y: 4, Z: 0}, color.NRGBA{1, 2, 3, 255})
	id := s.AddLayer("roof")
	s.Set(id, voxel.Pos{X: 100000, Y: -7, Z: 2}, color.NRGBA{200, 100, 50, 128})
	if err := s.SetVisible(id, false); err != nil {
		t.Fatal(err)
	}
	if err := s.SelectLayer(1); err != nil {
		t.Fatal(err)
	}
	b := encode(t, s)
	st, err := DecodeState(b, 10)
	if err != nil {
		t.Fatal(err)
	}
	if st.Count() != 2 || len(st.Layers) != 2 || st.Current != 1 || st.Layers[1].Visible || st.Layers[1].Name != "roof" {
		t.Fatalf("decoded %+v", st)
	}
	if _, err := DecodeState(b, 1); err == nil {
		t.Fatal("a state over the voxel limit decodes")
	}
	for _, bad := range [][]byte{nil, []byte("GXS1"), b[:len(b)/2]} {
		if _, err := DecodeState(bad, 10); err == nil {
			t.Fatalf("%q decodes", bad)
		}
	}
	got, err := Rebuild(nil, b, nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	equalScenes(t, "rebuilt", s, got)
	if got.UndoSteps() != 0 || got.RedoSteps() != 0 {
		t.Fatalf("history %d/%d from a lone state", got.UndoSteps(), got.RedoSteps())
	}
}

// TestRebuildHistory stores every state of a scene's history and checks
// that the rebuilt scene undoes and redoes through the same states.
func TestRebuildHistory(t *testing.T) {
	s := voxel.New()
	var states [][]byte
	states = append(states, encode(t, s))
	edit := func(label string, fn func()) {
		s.Begin(label)
		fn()
		if !s.Commit() {
			t.Fatalf("%s changed nothing", label)
		}
		states = append(states, encode(t, s))
	}
	edit("red", func() { s.Set(1, voxel.Pos{}, color.NRGBA{255, 0, 0, 255}) })
	var layer int
	edit("layer", func() { layer = s.AddLayer("two") })
	edit("green", func() { s.Set(layer, voxel.Pos{X: 1}, color.NRGBA{0, 255, 0, 255}) })
	edit("recolour", func() { s.Set(1, voxel.Pos{}, color.NRGBA{0, 0, 255, 255}) })
	edit("delete", func() {
		if err := s.DeleteLayer(layer); err != nil {
			t.Fatal(err)
		}
	})
	// Two undone: current is states[3], redo holds states[4], states[5].
	undo := []Step{{"red", states[0]}, {"layer", states[1]}, {"green", states[2]}}
	redo := []Step{{"recolour", states[4]}, {"delete", states[5]}}
	got, err := Rebuild(undo, states[3], redo, 100)
	if err != nil {
		t.Fatal(err)
	}
	if got.UndoSteps() != 3 || got.RedoSteps() != 2 {
		t.Fatalf("history %d/%d, want 3/2", got.UndoSteps(), got.RedoSteps())
	}
	want := func(i int) *voxel.Scene {
		w, err := Rebuild(nil, states[i], nil, 100)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	equalScenes(t, "current", want(3), got)
	for i := 2; i >= 0; i-- {
		label, err := got.Undo()
		if err != nil {
			t.Fatal(err)
		}
		if label != undo[i].Label {
			t.Fatalf("undo label %q, want %q", label, undo[i].Label)
		}
		equalScenes(t, "after undo", want(i), got)
	}
	for i := 1; i <= 5; i++ {
		if _, err := got.Redo(); err != nil {
			t.Fatal(err)
		}
		equalScenes(t, "after redo", want(i), got)
	}
}
