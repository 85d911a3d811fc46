package storage

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadPNGInfo(t *testing.T) {
	good := makePNG(t, 5, 3, "", 0)
	head, rest := good[:pngHeadLen], good[pngHeadLen:]
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	withIHDR := func(mutate func(b []byte)) []byte {
		b := append([]byte{}, good...)
		mutate(b)
		return b
	}
	tests := []struct {
		name    string
		in      []byte
		wantErr bool
		w, h    int
		key     string
	}{
		{name: "plain", in: good, w: 5, h: 3},
		{name: "header only", in: head, w: 5, h: 3},
		{name: "with key", in: makePNG(t, 5, 3, "abc", 0), w: 5, h: 3, key: "abc"},
		{name: "key after other chunks", in: join(head, chunk("tEXt", []byte("Software\x00goxel-mcp")),
			chunk("gAMA", []byte{0, 0, 0, 1}), chunk("tEXt", []byte("CacheKey\x00k2")), rest), w: 5, h: 3, key: "k2"},
		{name: "first key wins", in: join(head, chunk("tEXt", []byte("CacheKey\x00one")),
			chunk("tEXt", []byte("CacheKey\x00two")), rest), w: 5, h: 3, key: "one"},
		{name: "key after IDAT is ignored", in: join(good[:len(good)-12], chunk("tEXt", []byte("CacheKey\x00late")),
			good[len(good)-12:]), w: 5, h: 3},
		{name: "other keyword", in: join(head, chunk("tEXt", []byte("CacheKeys\x00x")), rest), w: 5, h: 3},
		{name: "oversized tEXt skipped", in: join(head, chunk("tEXt", []byte("CacheKey\x00"+strings.Repeat("x", maxTextChunk))),
			rest), w: 5, h: 3},
		{name: "bad tEXt CRC skipped", in: join(head, withCRC(chunk("tEXt", []byte("CacheKey\x00bad")), 0),
			chunk("tEXt", []byte("CacheKey\x00good")), rest), w: 5, h: 3, key: "good"},
		{name: "truncated tEXt", in: join(head, chunk("tEXt", []byte("CacheKey\x00cut"))[:10]), w: 5, h: 3},
		{name: "huge chunk length", in: join(head, []byte{0xff, 0xff, 0xff, 0xff, 't', 'E', 'X', 't'}), w: 5, h: 3},
		{name: "empty", in: nil, wantErr: true},
		{name: "truncated IHDR", in: good[:30], wantErr: true},
		{name: "bad signature", in: withIHDR(func(b []byte) { b[1] = 'Q' }), wantErr: true},
		{name: "IHDR not first", in: join(good[:8], chunk("tEXt", []byte("a\x00b")), good[8:]), wantErr: true},
		{name: "bad IHDR CRC", in: withIHDR(func(b []byte) { b[29]++ }), wantErr: true},
		{name: "zero width", in: withIHDR(func(b []byte) {
			binary.BigEndian.PutUint32(b[16:], 0)
			binary.BigEndian.PutUint32(b[29:], crc(b[12:29]))
		}), wantErr: true},
		{name: "width over 2^31", in: withIHDR(func(b []byte) {
			binary.BigEndian.PutUint32(b[16:], 1<<31)
			binary.BigEndian.PutUint32(b[29:], crc(b[12:29]))
		}), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := readPNGInfo(bytes.NewReader(tt.in))
			if tt.wantErr {
				require.ErrorIs(t, err, errNotPNG)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, pngInfo{width: tt.w, height: tt.h, cacheKey: tt.key}, info)
		})
	}
}

func TestReadPNGInfoBoundedReads(t *testing.T) {
	// Many small ancillary chunks before IDAT: the walk stops after maxMetaChunks.
	good := makePNG(t, 1, 1, "", 0)
	var b bytes.Buffer
	b.Write(good[:pngHeadLen])
	for range maxMetaChunks + 5 {
		b.Write(chunk("zzZz", nil))
	}
	b.Write(chunk("tEXt", []byte("CacheKey\x00far")))
	r := &countingReader{r: bytes.NewReader(b.Bytes())}
	info, err := readPNGInfo(r)
	require.NoError(t, err)
	assert.Empty(t, info.cacheKey)
	assert.LessOrEqual(t, r.n, pngHeadLen+12*maxMetaChunks+8)
}

type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func withCRC(c []byte, v uint32) []byte {
	binary.BigEndian.PutUint32(c[len(c)-4:], v)
	return c
}

func crc(b []byte) uint32 { return binary.BigEndian.Uint32(chunk("", b)[len(b)+4:]) }
