package postgres

import (
	"reflect"
	"testing"
)

func TestNextHistory(t *testing.T) {
	e := &entry{stateRev: 5, undo: []ref{{2, "a"}, {3, "b"}, {4, "c"}}}
	// An edit at revision 6: state 5 is pushed, redo cleared.
	h := e.next(3, 0, 4, 0, 6, "fill_shape")
	want := history{stateRev: 6, undo: []ref{{2, "a"}, {3, "b"}, {4, "c"}, {5, "fill_shape"}}}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("edit: %+v, want %+v", h, want)
	}
	// Undo 2 from state 5: current becomes 3; redo goes to 4 (by c's
	// label... the edit from 3 to 4 is "b"), then 5 ("c").
	h = e.next(3, 0, 1, 2, 6, "undo")
	want = history{stateRev: 3, undo: []ref{{2, "a"}}, redo: []ref{{4, "b"}, {5, "c"}}}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("undo 2: %+v, want %+v", h, want)
	}
	// Redo 1 from there: back to 4, with 3 pushed under "b".
	e2 := &entry{stateRev: h.stateRev, undo: h.undo, redo: h.redo}
	h = e2.next(1, 2, 2, 1, 7, "redo")
	want = history{stateRev: 4, undo: []ref{{2, "a"}, {3, "b"}}, redo: []ref{{5, "c"}}}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("redo 1: %+v, want %+v", h, want)
	}
	// The scene dropped its oldest step (history bound): so does the store.
	h = e.next(3, 0, 3, 0, 6, "add_voxels")
	if len(h.undo) != 3 || h.undo[0].Rev != 3 {
		t.Fatalf("trimmed: %+v", h)
	}
	// A new scene (open_project) has no history.
	h = e.next(3, 0, 0, 0, 6, "open_project")
	if h.stateRev != 6 || len(h.undo)+len(h.redo) != 0 {
		t.Fatalf("replaced: %+v", h)
	}
	if got := h.revs(); !reflect.DeepEqual(got, []int64{6}) {
		t.Fatalf("revs %v", got)
	}
}
