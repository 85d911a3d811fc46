package s3

import (
	"strings"
	"testing"
)

func TestParseEndpoint(t *testing.T) {
	for in, want := range map[string]struct {
		host   string
		secure bool
	}{
		"https://s3.example.com":   {"s3.example.com", true},
		"http://127.0.0.1:9000":    {"127.0.0.1:9000", false},
		"http://127.0.0.1:9000/":   {"127.0.0.1:9000", false},
		"s3.eu-west-1.example.com": {"s3.eu-west-1.example.com", true},
	} {
		h, sec, err := parseEndpoint(in)
		if err != nil || h != want.host || sec != want.secure {
			t.Errorf("%q: %q %v %v", in, h, sec, err)
		}
	}
	for _, bad := range []string{"", "ftp://x", "http://", "https://x/bucket"} {
		if _, _, err := parseEndpoint(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestKeysSeparateUsers(t *testing.T) {
	a, b := Key("alice", "render_1_x_y"), Key("bob", "render_1_x_y")
	if a == b || !strings.HasPrefix(a, root) || strings.Contains(a, "alice") {
		t.Fatalf("keys %q %q", a, b)
	}
	if !strings.HasPrefix(a, prefix("alice")) || strings.HasPrefix(b, prefix("alice")) {
		t.Fatal("a user's prefix holds another's key")
	}
}
