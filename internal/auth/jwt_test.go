package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func enc(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func sign(t *testing.T, alg, kid string, key crypto.Signer, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(map[string]any{"alg": alg, "kid": kid, "typ": "JWT"})
	c, _ := json.Marshal(claims)
	in := enc(h) + "." + enc(c)
	d := sha256.Sum256([]byte(in))
	var sig []byte
	switch k := key.(type) {
	case *rsa.PrivateKey:
		var err error
		if sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, d[:]); err != nil {
			t.Fatal(err)
		}
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, d[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	}
	return in + "." + enc(sig)
}

func TestJWKS(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	fetches := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches++
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []any{
			map[string]any{"kty": "RSA", "kid": "r1", "use": "sig", "n": enc(rk.N.Bytes()), "e": enc(big.NewInt(int64(rk.E)).Bytes())},
			map[string]any{"kty": "EC", "kid": "e1", "crv": "P-256", "x": enc(ek.X.FillBytes(make([]byte, 32))), "y": enc(ek.Y.FillBytes(make([]byte, 32)))},
		}})
	}))
	defer srv.Close()
	j, err := NewJWKS(srv.URL, "https://mcp.example/mcp")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(2_000_000_000, 0)
	j.Now = func() time.Time { return now }
	good := map[string]any{"sub": "alice", "aud": "https://mcp.example/mcp", "exp": now.Add(time.Hour).Unix()}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for a, b := range good {
			m[a] = b
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	ctx := context.Background()
	for name, tok := range map[string]string{
		"RS256":     sign(t, "RS256", "r1", rk, good),
		"ES256":     sign(t, "ES256", "e1", ek, good),
		"aud array": sign(t, "ES256", "e1", ek, with("aud", []string{"x", "https://mcp.example/mcp"})),
	} {
		if u, err := j.Authenticate(ctx, tok); err != nil || u != "alice" {
			t.Errorf("%s: %q, %v", name, u, err)
		}
	}
	for name, tok := range map[string]string{
		"expired":       sign(t, "RS256", "r1", rk, with("exp", now.Add(-time.Hour).Unix())),
		"no exp":        sign(t, "RS256", "r1", rk, with("exp", nil)),
		"not yet":       sign(t, "RS256", "r1", rk, with("nbf", now.Add(time.Hour).Unix())),
		"other aud":     sign(t, "RS256", "r1", rk, with("aud", "https://elsewhere")),
		"no sub":        sign(t, "RS256", "r1", rk, with("sub", nil)),
		"wrong key":     sign(t, "ES256", "e1", other, good),
		"alg mismatch":  sign(t, "RS256", "e1", rk, good),
		"unknown kid":   sign(t, "ES256", "nope", ek, good),
		"not a jwt":     "abc",
		"tampered body": strings.Replace(sign(t, "RS256", "r1", rk, good), ".", ".e30", 1),
	} {
		if u, err := j.Authenticate(ctx, tok); err == nil {
			t.Errorf("%s accepted as %q", name, u)
		}
	}
	if fetches > 2 {
		t.Errorf("%d JWKS fetches: an unknown kid refetches at most every MinRefresh", fetches)
	}
	if _, err := NewJWKS(srv.URL, ""); err == nil {
		t.Error("no audience accepted")
	}
}
