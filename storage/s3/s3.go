// Package s3 keeps goxel-mcp's renders in an S3-compatible bucket for HTTP
// mode, so any instance can serve a render and a client can download it by
// a presigned URL: each user's renders under a prefix of their own, bounded
// in bytes, and removed after their TTL by a sweeper.
package s3

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Options configure a Bucket.
type Options struct {
	Endpoint  string // http(s)://host:port, or host:port (HTTPS)
	Bucket    string
	AccessKey string
	SecretKey string
	Region    string
	// TTL is how long a render lives; presigned URLs expire with it.
	TTL time.Duration
	// MaxUserBytes caps one user's renders in the bucket; the oldest go
	// first. Zero: no cap.
	MaxUserBytes int64
	// SweepInterval is the period of the expiry sweep; zero: 5 minutes;
	// negative: no sweeper.
	SweepInterval time.Duration
	Logger        *slog.Logger
	Now           func() time.Time
}

// Bucket is the render bucket.
type Bucket struct {
	c    *minio.Client
	opt  Options
	log  *slog.Logger
	stop chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex // serialises the per-user cap checks
}

// ErrNotFound is returned for a render the user has not (or no longer).
var ErrNotFound = errors.New("render not found")

// maxPresign is the longest expiry S3 allows for a presigned URL.
const maxPresign = 7 * 24 * time.Hour

// Open connects to the bucket, creating it when it does not exist, and
// starts the sweeper.
func Open(ctx context.Context, opt Options) (*Bucket, error) {
	if opt.Bucket == "" {
		return nil, errors.New("GOXEL_S3_BUCKET is required")
	}
	if opt.TTL <= 0 {
		opt.TTL = time.Hour
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	host, secure, err := parseEndpoint(opt.Endpoint)
	if err != nil {
		return nil, err
	}
	c, err := minio.New(host, &minio.Options{
		Creds:        credentials.NewStaticV4(opt.AccessKey, opt.SecretKey, ""),
		Secure:       secure,
		Region:       opt.Region,
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		return nil, fmt.Errorf("S3: %w", err)
	}
	ok, err := c.BucketExists(ctx, opt.Bucket)
	if err != nil {
		return nil, fmt.Errorf("S3 bucket %s at %s: %w", opt.Bucket, opt.Endpoint, err)
	}
	if !ok {
		if err := c.MakeBucket(ctx, opt.Bucket, minio.MakeBucketOptions{Region: opt.Region}); err != nil {
			// Another instance may have made it first.
			if exists, e := c.BucketExists(ctx, opt.Bucket); e != nil || !exists {
				return nil, fmt.Errorf("S3: creating bucket %s: %w", opt.Bucket, err)
			}
		}
	}
	b := &Bucket{c: c, opt: opt, log: opt.Logger, stop: make(chan struct{})}
	if opt.SweepInterval >= 0 {
		every := opt.SweepInterval
		if every == 0 {
			every = 5 * time.Minute
		}
		b.wg.Add(1)
		go b.sweeper(every)
	}
	return b, nil
}

func parseEndpoint(e string) (host string, secure bool, err error) {
	if e == "" {
		return "", false, errors.New("GOXEL_S3_ENDPOINT is required (e.g. https://s3.example.com)")
	}
	if !strings.Contains(e, "://") {
		return e, true, nil
	}
	u, err := url.Parse(e)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || (u.Path != "" && u.Path != "/") {
		return "", false, fmt.Errorf("GOXEL_S3_ENDPOINT %q: want http(s)://host[:port]", e)
	}
	return u.Host, u.Scheme == "https", nil
}

// Close stops the sweeper.
func (b *Bucket) Close() error {
	select {
	case <-b.stop:
	default:
		close(b.stop)
	}
	b.wg.Wait()
	return nil
}

const root = "renders/"

// prefix is the user's folder: a hash, so user names need no escaping and
// are not shown in the bucket.
func prefix(user string) string {
	sum := sha256.Sum256([]byte(user))
	return root + hex.EncodeToString(sum[:12]) + "/"
}

// Key is the object key of user's render id.
func Key(user, id string) string { return prefix(user) + id + ".png" }

// Put uploads a render, then removes the user's oldest renders while they
// hold more than MaxUserBytes.
func (b *Bucket) Put(ctx context.Context, user, id string, r io.Reader, size int64) error {
	_, err := b.c.PutObject(ctx, b.opt.Bucket, Key(user, id), r, size, minio.PutObjectOptions{ContentType: "image/png"})
	if err != nil {
		return fmt.Errorf("S3: storing render %s: %w", id, err)
	}
	if b.opt.MaxUserBytes > 0 {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.capUser(ctx, user, Key(user, id))
	}
	return nil
}

// capUser removes user's oldest objects, never keep, until the user is
// within MaxUserBytes.
func (b *Bucket) capUser(ctx context.Context, user, keep string) error {
	var objs []minio.ObjectInfo
	var total int64
	for o := range b.c.ListObjects(ctx, b.opt.Bucket, minio.ListObjectsOptions{Prefix: prefix(user), Recursive: true}) {
		if o.Err != nil {
			return fmt.Errorf("S3: listing renders: %w", o.Err)
		}
		objs = append(objs, o)
		total += o.Size
	}
	slices.SortFunc(objs, func(a, c minio.ObjectInfo) int { return a.LastModified.Compare(c.LastModified) })
	for _, o := range objs {
		if total <= b.opt.MaxUserBytes {
			break
		}
		if o.Key == keep {
			continue
		}
		if err := b.c.RemoveObject(ctx, b.opt.Bucket, o.Key, minio.RemoveObjectOptions{}); err != nil {
			return fmt.Errorf("S3: removing %s over the cap: %w", o.Key, err)
		}
		total -= o.Size
	}
	return nil
}

// Get opens user's render id; ErrNotFound when there is none (another
// user's render included) or it has expired.
func (b *Bucket) Get(ctx context.Context, user, id string) (io.ReadCloser, int64, error) {
	o, err := b.c.GetObject(ctx, b.opt.Bucket, Key(user, id), minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, b.notFound(err)
	}
	st, err := o.Stat()
	if err != nil {
		o.Close()
		return nil, 0, b.notFound(err)
	}
	if b.expired(st.LastModified) {
		o.Close()
		return nil, 0, ErrNotFound
	}
	return o, st.Size, nil
}

func (b *Bucket) expired(t time.Time) bool { return b.opt.Now().After(t.Add(b.opt.TTL)) }

func (b *Bucket) notFound(err error) error {
	if minio.ToErrorResponse(err).Code == "NoSuchKey" || minio.ToErrorResponse(err).StatusCode == 404 {
		return ErrNotFound
	}
	return fmt.Errorf("S3: %w", err)
}

// Presign returns a GET URL for user's render id that expires at expires
// (within S3's seven days).
func (b *Bucket) Presign(ctx context.Context, user, id string, expires time.Time) (string, error) {
	d := expires.Sub(b.opt.Now())
	if d < time.Second {
		d = time.Second
	}
	d = min(d, maxPresign)
	u, err := b.c.PresignedGetObject(ctx, b.opt.Bucket, Key(user, id), d, nil)
	if err != nil {
		return "", fmt.Errorf("S3: presigning %s: %w", id, err)
	}
	return u.String(), nil
}

// Sweep removes every render older than the TTL and reports how many.
func (b *Bucket) Sweep(ctx context.Context) (int, error) {
	n := 0
	for o := range b.c.ListObjects(ctx, b.opt.Bucket, minio.ListObjectsOptions{Prefix: root, Recursive: true}) {
		if o.Err != nil {
			return n, fmt.Errorf("S3: listing renders: %w", o.Err)
		}
		if !b.expired(o.LastModified) {
			continue
		}
		if err := b.c.RemoveObject(ctx, b.opt.Bucket, o.Key, minio.RemoveObjectOptions{}); err != nil {
			return n, fmt.Errorf("S3: removing expired %s: %w", o.Key, err)
		}
		n++
	}
	return n, nil
}

// Usage is the bytes and renders user holds in the bucket.
func (b *Bucket) Usage(ctx context.Context, user string) (int64, int, error) {
	var total int64
	n := 0
	for o := range b.c.ListObjects(ctx, b.opt.Bucket, minio.ListObjectsOptions{Prefix: prefix(user), Recursive: true}) {
		if o.Err != nil {
			return 0, 0, o.Err
		}
		total += o.Size
		n++
	}
	return total, n, nil
}

func (b *Bucket) sweeper(every time.Duration) {
	defer b.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), every)
			n, err := b.Sweep(ctx)
			cancel()
			if err != nil {
				b.log.Warn("S3 sweep", "err", err)
			} else if n > 0 {
				b.log.Info("S3 sweep: expired renders removed", "removed", n)
			}
		}
	}
}
