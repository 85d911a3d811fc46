// Package auth authenticates HTTP requests by bearer token for goxel-mcp's
// HTTP mode, as an OAuth 2.1 resource server: tokens from a tokens file or
// JWTs checked against a JWKS; a request without a valid token gets 401
// with a WWW-Authenticate header naming the protected-resource metadata
// (RFC 9728). The authenticated user travels in the request's context.
package auth

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"unicode"
)

// MetadataPath is where the protected-resource metadata is served.
const MetadataPath = "/.well-known/oauth-protected-resource"

// ErrInvalidToken is returned for a token that is unknown, malformed,
// expired or meant for another audience.
var ErrInvalidToken = errors.New("invalid token")

type userKey struct{}

// WithUser returns ctx carrying the authenticated user.
func WithUser(ctx context.Context, user string) context.Context {
	return context.WithValue(ctx, userKey{}, user)
}

// User returns the authenticated user of ctx, if any.
func User(ctx context.Context) (string, bool) {
	u, ok := ctx.Value(userKey{}).(string)
	return u, ok && u != ""
}

// Authenticator maps a bearer token to its user.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (user string, err error)
}

// Tokens authenticates against a tokens file: lines "USER sha256:HEX",
// HEX the SHA-256 of the token; blank lines and lines starting with # are
// ignored.
type Tokens struct {
	entries []tokenEntry
}

type tokenEntry struct {
	user string
	hash [sha256.Size]byte
}

// LoadTokens reads a tokens file.
func LoadTokens(path string) (*Tokens, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tokens file: %w", err)
	}
	defer f.Close()
	t := &Tokens{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		e, err := parseTokenLine(line)
		if err != nil {
			return nil, fmt.Errorf("tokens file %s line %d: %w", path, n, err)
		}
		t.entries = append(t.entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("tokens file %s: %w", path, err)
	}
	if len(t.entries) == 0 {
		return nil, fmt.Errorf("tokens file %s has no tokens (lines `USER sha256:HEX`)", path)
	}
	return t, nil
}

func parseTokenLine(line string) (tokenEntry, error) {
	f := strings.Fields(line)
	if len(f) != 2 {
		return tokenEntry{}, errors.New("want `USER sha256:HEX` (two fields)")
	}
	user, h := f[0], f[1]
	if strings.IndexFunc(user, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return tokenEntry{}, fmt.Errorf("user %q has unprintable characters", user)
	}
	hexs, ok := strings.CutPrefix(h, "sha256:")
	if !ok {
		return tokenEntry{}, fmt.Errorf("hash %q must start with sha256:", h)
	}
	b, err := hex.DecodeString(hexs)
	if err != nil || len(b) != sha256.Size {
		return tokenEntry{}, fmt.Errorf("sha256:%s is not 64 hex digits", hexs)
	}
	e := tokenEntry{user: user}
	copy(e.hash[:], b)
	return e, nil
}

// HashToken returns the tokens-file form of token's hash: "sha256:HEX".
func HashToken(token string) string {
	s := sha256.Sum256([]byte(token))
	return "sha256:" + hex.EncodeToString(s[:])
}

// Authenticate finds the token's user, comparing hashes in constant time.
func (t *Tokens) Authenticate(_ context.Context, token string) (string, error) {
	h := sha256.Sum256([]byte(token))
	user := ""
	for _, e := range t.entries {
		if subtle.ConstantTimeCompare(h[:], e.hash[:]) == 1 {
			user = e.user
		}
	}
	if user == "" {
		return "", ErrInvalidToken
	}
	return user, nil
}

// Chain tries each Authenticator in turn; the first that accepts wins.
type Chain []Authenticator

// Authenticate implements Authenticator.
func (c Chain) Authenticate(ctx context.Context, token string) (string, error) {
	err := ErrInvalidToken
	for _, a := range c {
		u, e := a.Authenticate(ctx, token)
		if e == nil {
			return u, nil
		}
		err = e
	}
	return "", err
}

// Middleware requires a valid bearer token on every request it wraps.
type Middleware struct {
	Auth Authenticator
	// Metadata returns the absolute URL of the protected-resource metadata
	// for r; default MetadataURL.
	Metadata func(r *http.Request) string
}

// BaseURL is the scheme and host the client used to reach r.
func BaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	host := r.Host
	if h := r.Header.Get("X-Forwarded-Host"); h != "" && !strings.ContainsAny(h, " \"\\,") {
		host = h
	}
	return scheme + "://" + host
}

// MetadataURL is the metadata URL on the host r was sent to.
func MetadataURL(r *http.Request) string { return BaseURL(r) + MetadataPath }

// Wrap returns h behind the token check.
func (m Middleware) Wrap(h http.Handler) http.Handler {
	meta := m.Metadata
	if meta == nil {
		meta = MetadataURL
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		if !ok {
			challenge(w, meta(r), "", "a bearer token is required (Authorization: Bearer TOKEN)")
			return
		}
		user, err := m.Auth.Authenticate(r.Context(), token)
		if err != nil {
			challenge(w, meta(r), "invalid_token", "the bearer token is not valid: "+err.Error())
			return
		}
		h.ServeHTTP(w, r.WithContext(WithUser(r.Context(), user)))
	})
}

// Anonymous serves every request it wraps as user.
func Anonymous(user string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(WithUser(r.Context(), user)))
	})
}

func bearer(r *http.Request) (string, bool) {
	v := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(v, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// challenge writes 401 with the RFC 6750/9728 WWW-Authenticate header.
func challenge(w http.ResponseWriter, metadataURL, code, msg string) {
	v := fmt.Sprintf(`Bearer resource_metadata=%q`, metadataURL)
	if code != "" {
		v += fmt.Sprintf(`, error=%q, error_description=%q`, code, strings.ReplaceAll(msg, `"`, "'"))
	}
	w.Header().Set("WWW-Authenticate", v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprintf(w, "{\"error\":%q,\"error_description\":%q}\n", orDefault(code, "unauthorized"), msg)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
