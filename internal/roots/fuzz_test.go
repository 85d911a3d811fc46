package roots

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzResolve throws arbitrary paths, absolute or relative to an allowed
// root (joined as text, so ".." and odd separators reach Resolve as
// given), at Resolve and Open. It must never panic; what it accepts lies
// inside the root, and Open never hands out the file outside it, which a
// symlink in the root points at.
func FuzzResolve(f *testing.F) {
	base, err := filepath.EvalSymlinks(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	root, outside := filepath.Join(base, "root"), filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(root, "sub"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			f.Fatal(err)
		}
	}
	secret := filepath.Join(outside, "secret.txt")
	for _, p := range []string{secret, filepath.Join(root, "in.txt"), filepath.Join(root, "sub", "deep.txt")} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	for name, target := range map[string]string{"out": outside, "secret.txt": secret, "loop": filepath.Join(root, "loop"), "sub/up": ".."} {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			f.Fatal(err)
		}
	}
	secretInfo, err := os.Stat(secret)
	if err != nil {
		f.Fatal(err)
	}
	r, err := New(root)
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range []string{"in.txt", "../outside/secret.txt", "out/secret.txt", "secret.txt", "sub/up/../outside/secret.txt", "sub/../in.txt",
		"loop/x", "./sub//deep.txt", "", "\x00", strings.Repeat("a/", 3000), "..", "/etc/passwd", root + "/../outside"} {
		f.Add(p, true)
		f.Add(p, false)
	}
	f.Fuzz(func(t *testing.T, p string, rooted bool) {
		if rooted {
			p = root + string(filepath.Separator) + p
		}
		real, err := r.Resolve(p)
		if err == nil && real != root && !strings.HasPrefix(real, root+string(filepath.Separator)) {
			t.Fatalf("Resolve(%q) = %q, outside %s", p, real, root)
		}
		file, err := r.Open(p)
		if err != nil {
			return
		}
		defer file.Close()
		fi, err := file.Stat()
		if err != nil {
			t.Fatal(err)
		}
		if os.SameFile(fi, secretInfo) {
			t.Fatalf("Open(%q) opened the file outside the root", p)
		}
		if !fi.Mode().IsRegular() {
			t.Fatalf("Open(%q) opened a %v", p, fi.Mode())
		}
	})
}
