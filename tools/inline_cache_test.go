package tools

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestInlineCacheIsBounded(t *testing.T) {
	c := NewInlineCache(1000)
	for i := range 1000 {
		c.put(inlineEntry{key: fmt.Sprint(i), png: make([]byte, 10)})
	}
	assert.Equal(t, inlineCacheEntries, c.order.Len(), "bounded in entries")
	_, ok := c.get("999")
	assert.True(t, ok)
	_, ok = c.get("0")
	assert.False(t, ok)
	for i := range 5 {
		c.put(inlineEntry{key: fmt.Sprint("big", i), png: make([]byte, 400)})
	}
	assert.LessOrEqual(t, c.bytes, 1000, "bounded in bytes")
	c.put(inlineEntry{key: "huge", png: make([]byte, 2000)})
	_, ok = c.get("huge")
	assert.False(t, ok, "an entry over the whole budget is not kept")
	var nilCache *InlineCache
	nilCache.put(inlineEntry{key: "x"})
	_, ok = nilCache.get("x")
	assert.False(t, ok)
}

func TestInlineCacheClear(t *testing.T) {
	c := NewInlineCache(1000)
	c.put(inlineEntry{key: "a", png: make([]byte, 10)})
	c.Clear()
	_, ok := c.get("a")
	assert.False(t, ok)
	assert.Zero(t, c.bytes)
	c.put(inlineEntry{key: "b", png: make([]byte, 10)})
	_, ok = c.get("b")
	assert.True(t, ok, "usable after Clear")
}

func TestInlineCacheKeepsExactBytes(t *testing.T) {
	c := NewInlineCache(1000)
	grown := make([]byte, 100, 200)
	grown[0] = 7
	c.put(inlineEntry{key: "a", png: grown})
	e, ok := c.get("a")
	assert.True(t, ok)
	assert.Equal(t, grown, e.png)
	assert.LessOrEqual(t, cap(e.png), 112, "no spare capacity is kept unaccounted")
}
