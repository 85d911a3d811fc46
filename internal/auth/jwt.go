package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"
)

// JWKS authenticates JWT access tokens (RS256 or ES256) signed by a key of
// a JSON Web Key Set: the signature, expiry (exp, nbf) and audience (aud)
// are checked, and the user is the subject (sub).
type JWKS struct {
	URL      string
	Audience string // required in aud
	Client   *http.Client
	Now      func() time.Time
	// Refresh is how long fetched keys are used before fetching again;
	// an unknown kid refetches at most every MinRefresh.
	Refresh, MinRefresh time.Duration

	mu      sync.Mutex
	keys    map[string]crypto.PublicKey
	fetched time.Time
}

// Leeway allows for clock skew in exp and nbf.
const Leeway = 30 * time.Second

// NewJWKS returns a JWKS authenticator for url and audience.
func NewJWKS(url, audience string) (*JWKS, error) {
	if audience == "" {
		return nil, errors.New("GOXEL_AUTH_JWKS_URL needs GOXEL_AUTH_AUDIENCE: the audience (aud) tokens for this server carry")
	}
	return &JWKS{URL: url, Audience: audience}, nil
}

func (j *JWKS) now() time.Time {
	if j.Now != nil {
		return j.Now()
	}
	return time.Now()
}

type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

func b64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func (k jwk) key() (crypto.PublicKey, error) {
	switch k.Kty {
	case "RSA":
		n, err1 := b64(k.N)
		e, err2 := b64(k.E)
		if err := errors.Join(err1, err2); err != nil || len(n) == 0 || len(e) == 0 || len(e) > 4 {
			return nil, fmt.Errorf("RSA key %q: bad n or e", k.Kid)
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
	case "EC":
		if k.Crv != "P-256" {
			return nil, fmt.Errorf("EC key %q: curve %q not supported (P-256 only)", k.Kid, k.Crv)
		}
		x, err1 := b64(k.X)
		y, err2 := b64(k.Y)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("EC key %q: %w", k.Kid, err)
		}
		pk := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(x), Y: new(big.Int).SetBytes(y)}
		if !pk.Curve.IsOnCurve(pk.X, pk.Y) { //nolint:staticcheck // validation of a public key read from JSON
			return nil, fmt.Errorf("EC key %q: not on the curve", k.Kid)
		}
		return pk, nil
	}
	return nil, fmt.Errorf("key %q: kty %q not supported", k.Kid, k.Kty)
}

// fetch loads the key set.
func (j *JWKS) fetch(ctx context.Context) error {
	c := j.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.URL, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("JWKS %s: HTTP %d", j.URL, resp.StatusCode)
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return fmt.Errorf("JWKS %s: %w", j.URL, err)
	}
	keys := map[string]crypto.PublicKey{}
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		pk, err := k.key()
		if err != nil {
			continue // a key we cannot use signs nothing we accept
		}
		keys[k.Kid] = pk
	}
	j.keys, j.fetched = keys, j.now()
	return nil
}

// keyFor returns the key kid names, fetching the set when it is stale or
// does not have kid (a rotated key).
func (j *JWKS) keyFor(ctx context.Context, kid string) (crypto.PublicKey, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	refresh, minRefresh := j.Refresh, j.MinRefresh
	if refresh <= 0 {
		refresh = 10 * time.Minute
	}
	if minRefresh <= 0 {
		minRefresh = 10 * time.Second
	}
	age := j.now().Sub(j.fetched)
	if k, ok := j.keys[kid]; ok && age < refresh {
		return k, nil
	}
	if j.keys == nil || age >= minRefresh {
		if err := j.fetch(ctx); err != nil {
			return nil, err
		}
	}
	if k, ok := j.keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w: no key %q in the JWKS", ErrInvalidToken, kid)
}

// Authenticate implements Authenticator.
func (j *JWKS) Authenticate(ctx context.Context, token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("%w: not a JWT", ErrInvalidToken)
	}
	hb, err := b64(parts[0])
	if err != nil {
		return "", fmt.Errorf("%w: header: %v", ErrInvalidToken, err)
	}
	var h struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(hb, &h); err != nil {
		return "", fmt.Errorf("%w: header: %v", ErrInvalidToken, err)
	}
	sig, err := b64(parts[2])
	if err != nil {
		return "", fmt.Errorf("%w: signature: %v", ErrInvalidToken, err)
	}
	key, err := j.keyFor(ctx, h.Kid)
	if err != nil {
		return "", err
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	switch k := key.(type) {
	case *rsa.PublicKey:
		if h.Alg != "RS256" || rsa.VerifyPKCS1v15(k, crypto.SHA256, digest[:], sig) != nil {
			return "", fmt.Errorf("%w: bad signature", ErrInvalidToken)
		}
	case *ecdsa.PublicKey:
		if h.Alg != "ES256" || len(sig) != 64 ||
			!ecdsa.Verify(k, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			return "", fmt.Errorf("%w: bad signature", ErrInvalidToken)
		}
	default:
		return "", fmt.Errorf("%w: unsupported key", ErrInvalidToken)
	}
	pb, err := b64(parts[1])
	if err != nil {
		return "", fmt.Errorf("%w: claims: %v", ErrInvalidToken, err)
	}
	var claims struct {
		Sub string          `json:"sub"`
		Exp *float64        `json:"exp"`
		Nbf *float64        `json:"nbf"`
		Aud json.RawMessage `json:"aud"`
	}
	if err := json.Unmarshal(pb, &claims); err != nil {
		return "", fmt.Errorf("%w: claims: %v", ErrInvalidToken, err)
	}
	now := j.now()
	if claims.Exp == nil || now.After(time.Unix(int64(*claims.Exp), 0).Add(Leeway)) {
		return "", fmt.Errorf("%w: expired (or no exp)", ErrInvalidToken)
	}
	if claims.Nbf != nil && now.Add(Leeway).Before(time.Unix(int64(*claims.Nbf), 0)) {
		return "", fmt.Errorf("%w: not valid yet", ErrInvalidToken)
	}
	var auds []string
	var one string
	if json.Unmarshal(claims.Aud, &one) == nil {
		auds = []string{one}
	} else if json.Unmarshal(claims.Aud, &auds) != nil {
		auds = nil
	}
	ok := false
	for _, a := range auds {
		ok = ok || a == j.Audience
	}
	if !ok {
		return "", fmt.Errorf("%w: audience is not %s", ErrInvalidToken, j.Audience)
	}
	if claims.Sub == "" {
		return "", fmt.Errorf("%w: no subject", ErrInvalidToken)
	}
	return claims.Sub, nil
}
