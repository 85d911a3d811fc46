package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTokens(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTokensFile(t *testing.T) {
	p := writeTokens(t, "# users\n\nalice "+HashToken("s3cret")+"\nbob   "+HashToken("hunter2")+"\n")
	tok, err := LoadTokens(p)
	if err != nil {
		t.Fatal(err)
	}
	for token, want := range map[string]string{"s3cret": "alice", "hunter2": "bob"} {
		if u, err := tok.Authenticate(context.Background(), token); err != nil || u != want {
			t.Errorf("token %q: got %q, %v; want %q", token, u, err, want)
		}
	}
	for _, bad := range []string{"", "s3cret ", "S3CRET", HashToken("s3cret")} {
		if u, err := tok.Authenticate(context.Background(), bad); err == nil {
			t.Errorf("token %q accepted as %q", bad, u)
		}
	}
}

func TestTokensFileErrors(t *testing.T) {
	for body, want := range map[string]string{
		"":                               "no tokens",
		"alice\n":                        "two fields",
		"alice md5:abcd\n":               "sha256:",
		"alice sha256:xyz\n":             "64 hex digits",
		"alice sha256:abcd\n":            "64 hex digits",
		"alice " + HashToken("x") + " x": "two fields",
	} {
		_, err := LoadTokens(writeTokens(t, body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to mention %q", body, err, want)
		}
	}
	if _, err := LoadTokens(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("a missing file is accepted")
	}
}

func TestMiddleware(t *testing.T) {
	tok, err := LoadTokens(writeTokens(t, "alice "+HashToken("s3cret")+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	h := Middleware{Auth: tok}.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := User(r.Context())
		_, _ = w.Write([]byte(u))
	}))
	for _, tc := range []struct {
		header, want string
		code         int
	}{
		{"", "", 401},
		{"Bearer s3cret", "alice", 200},
		{"bearer s3cret", "alice", 200},
		{"Bearer wrong", "", 401},
		{"Basic s3cret", "", 401},
	} {
		r := httptest.NewRequest("POST", "http://mcp.example:8080/mcp", nil)
		if tc.header != "" {
			r.Header.Set("Authorization", tc.header)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.code {
			t.Errorf("%q: status %d, want %d", tc.header, w.Code, tc.code)
		}
		if tc.code == 200 && w.Body.String() != tc.want {
			t.Errorf("%q: user %q, want %q", tc.header, w.Body.String(), tc.want)
		}
		if tc.code == 401 {
			www := w.Header().Get("WWW-Authenticate")
			if !strings.Contains(www, `resource_metadata="http://mcp.example:8080/.well-known/oauth-protected-resource"`) {
				t.Errorf("%q: WWW-Authenticate %q", tc.header, www)
			}
		}
	}
	r := httptest.NewRequest("POST", "http://internal/mcp", nil)
	r.Header.Set("X-Forwarded-Proto", "https")
	r.Header.Set("X-Forwarded-Host", "mcp.example.com")
	if got := MetadataURL(r); got != "https://mcp.example.com/.well-known/oauth-protected-resource" {
		t.Errorf("behind a proxy: %s", got)
	}
}
