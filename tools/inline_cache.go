package tools

import (
	"bytes"
	"container/list"
	"sync"
)

// InlineCache keeps the inline image (full PNG or preview) of recent renders
// by cache key, so that a repeated auto-mode render of a large image is
// answered without decoding and downscaling its file again. It is bounded
// in bytes and in entries (a repeat is asked for soon or not at all), and
// safe for concurrent use.
type InlineCache struct {
	mu       sync.Mutex
	maxBytes int
	bytes    int
	order    *list.List // of *inlineEntry, most recent first
	byKey    map[string]*list.Element
}

// inlineCacheEntries bounds the entries, whatever their size: a host repeats
// one of its last few renders or none. Every entry is live heap, which the
// garbage collector lets grow to twice over: 32 entries of 1080p and 4K
// previews (7-8 MiB) added about 15 MiB to a server's peak RSS (goxel-bench).
const inlineCacheEntries = 8

type inlineEntry struct {
	key           string
	png           []byte
	kind          string // full or preview
	width, height int
}

// NewInlineCache returns a cache holding at most maxBytes of images.
func NewInlineCache(maxBytes int) *InlineCache {
	return &InlineCache{maxBytes: maxBytes, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *InlineCache) get(key string) (inlineEntry, bool) {
	if c == nil {
		return inlineEntry{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return inlineEntry{}, false
	}
	c.order.MoveToFront(el)
	return *el.Value.(*inlineEntry), true
}

func (c *InlineCache) put(e inlineEntry) {
	if c == nil || len(e.png) > c.maxBytes {
		return
	}
	if cap(e.png)-len(e.png) > len(e.png)/16 {
		// A grown buffer's spare capacity (up to as much again) would be held
		// unaccounted: keep an exact copy.
		e.png = bytes.Clone(e.png)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[e.key]; ok {
		c.bytes -= len(el.Value.(*inlineEntry).png)
		c.order.Remove(el)
	}
	c.byKey[e.key] = c.order.PushFront(&e)
	c.bytes += len(e.png)
	for c.bytes > c.maxBytes || c.order.Len() > inlineCacheEntries {
		last := c.order.Back()
		old := last.Value.(*inlineEntry)
		c.order.Remove(last)
		delete(c.byKey, old.key)
		c.bytes -= len(old.png)
	}
}

// Clear drops every entry.
func (c *InlineCache) Clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order.Init()
	c.byKey = map[string]*list.Element{}
	c.bytes = 0
}
