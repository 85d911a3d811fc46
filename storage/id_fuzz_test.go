package storage

import (
	"strings"
	"testing"
)

// FuzzParseID checks render-id parsing on arbitrary ids and file names: it
// never panics; an accepted id is short, a single plain path element that
// maps to its file name and back, with the time in it; a directory entry
// is taken for a render only when its name is exactly that of a valid id.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"render_1700000000_abc_0123456789abcdef", "render_0_a_0", "render_99999999999999999999_a_0",
		"render_1700000000_ABC_00", "render_1_a_0/../x", "render_1_a_0.png", "../render_1_a_0", "render_-1_a_0", "render_1_a_0\n",
		".tmp-0123456789abcdef", "render_" + strings.Repeat("1", 200) + "_a_0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		created, ok := ParseID(id)
		if ok != ValidID(id) {
			t.Fatalf("ParseID and ValidID disagree on %q", id)
		}
		if ok {
			if len(id) > maxIDLen || strings.ContainsAny(id, "/\\.\x00\n") || !strings.HasPrefix(id, renderPrefix) {
				t.Fatalf("accepted id %q", id)
			}
			if created.Unix() < 0 {
				t.Fatalf("id %q gives a time before 1970: %v", id, created)
			}
			if back, ok := idFromName(fileName(id)); !ok || back != id {
				t.Fatalf("file name of %q maps back to %q, %v", id, back, ok)
			}
			if isTempName(fileName(id)) {
				t.Fatalf("render %q looks like a temp file", id)
			}
		}
		if back, ok := idFromName(id); ok && fileName(back) != id {
			t.Fatalf("entry %q taken for render %q", id, back)
		}
	})
}
