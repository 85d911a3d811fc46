package storage

import "time"

// Meta is what the caller knows about a render when it publishes it.
type Meta struct {
	// Width and Height of the image in pixels. Zero means "take them from the PNG header"; a non-zero
	// value that disagrees with the header makes Publish fail, since the record would lie.
	Width, Height int
	// CacheKey identifies the content (scene hash, view, size, ...) for Lookup. Empty: not cached.
	// To keep the cache across restarts, also write it into the PNG as a tEXt chunk with keyword "CacheKey".
	CacheKey string
}

// Record describes one published render.
type Record struct {
	ID        string    // file name without ".png", e.g. render_1763771234_ab12cd34_9f8e7d6c5b4a3210
	Path      string    // absolute path of the file
	Size      int64     // bytes
	Format    string    // always "png"
	Width     int       // pixels, from the PNG header
	Height    int       // pixels, from the PNG header
	Checksum  string    // "sha256:" and 64 lower-case hex digits of the file's bytes
	CreatedAt time.Time // the Unix second in the id
	ExpiresAt time.Time // CreatedAt plus the Store's TTL
	CacheKey  string    // Meta.CacheKey, or the PNG's tEXt "CacheKey" for an adopted file
}

// TTLRemaining returns how long the render has left at now, never less than zero.
func (r Record) TTLRemaining(now time.Time) time.Duration {
	return max(r.ExpiresAt.Sub(now), 0)
}

// Expired reports whether the render's TTL has run out at now.
func (r Record) Expired(now time.Time) bool { return !now.Before(r.ExpiresAt) }

// olderThan orders records for eviction: by CreatedAt, then by id.
func (r Record) olderThan(o Record) bool {
	if !r.CreatedAt.Equal(o.CreatedAt) {
		return r.CreatedAt.Before(o.CreatedAt)
	}
	return r.ID < o.ID
}
