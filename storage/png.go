package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// PNG layout, from the PNG specification (W3C, third edition), sections 5.2-5.3 and 11.2-11.3:
// an 8-byte signature, then chunks of length (4, big endian), type (4), data, CRC-32 of type and data.
// IHDR comes first and holds width and height; tEXt is keyword, NUL, Latin-1 text.
const (
	pngSignature = "\x89PNG\r\n\x1a\n"
	ihdrLen      = 13
	pngHeadLen   = len(pngSignature) + 8 + ihdrLen + 4 // signature and the whole IHDR chunk
	maxChunkLen  = 1<<31 - 1                           // the spec's limit on a chunk length

	cacheKeyKeyword = "CacheKey" // tEXt keyword the tools layer writes
	maxTextChunk    = 4 << 10    // a longer tEXt chunk cannot be ours; skip it unread
	maxMetaChunks   = 64         // chunks examined before IDAT while looking for CacheKey
	maxMetaBytes    = 1 << 20    // bytes walked before IDAT while looking for CacheKey
)

var errNotPNG = errors.New("not a PNG file")

// pngInfo is what a render's header tells us.
type pngInfo struct {
	width, height int
	cacheKey      string
}

// readPNGInfo parses the signature and IHDR, then walks the chunks before the first IDAT for a
// tEXt "CacheKey". Only the IHDR is required: a problem after it ends the walk without an error.
// Reads are bounded by maxMetaChunks, maxMetaBytes and maxTextChunk, never by a length in the file.
func readPNGInfo(r io.Reader) (pngInfo, error) {
	var info pngInfo
	var head [pngHeadLen]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return info, fmt.Errorf("failed to read PNG header: %w", errNotPNG)
	}
	if string(head[:8]) != pngSignature {
		return info, fmt.Errorf("failed to read PNG signature: %w", errNotPNG)
	}
	chunk := head[8:]
	if binary.BigEndian.Uint32(chunk[:4]) != ihdrLen || string(chunk[4:8]) != "IHDR" {
		return info, fmt.Errorf("failed to find IHDR: %w", errNotPNG)
	}
	body := chunk[4 : 8+ihdrLen]
	if crc32.ChecksumIEEE(body) != binary.BigEndian.Uint32(chunk[8+ihdrLen:]) {
		return info, fmt.Errorf("failed to check IHDR CRC: %w", errNotPNG)
	}
	w, h := binary.BigEndian.Uint32(body[4:8]), binary.BigEndian.Uint32(body[8:12])
	if w == 0 || h == 0 || w > maxChunkLen || h > maxChunkLen {
		return info, fmt.Errorf("failed to read IHDR size %dx%d: %w", w, h, errNotPNG)
	}
	info.width, info.height = int(w), int(h)

	walked := 0
	for range maxMetaChunks {
		var hdr [8]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return info, nil
		}
		n := binary.BigEndian.Uint32(hdr[:4])
		typ := string(hdr[4:])
		if n > maxChunkLen || typ == "IDAT" || typ == "IEND" {
			return info, nil
		}
		walked += 12 + int(n)
		if walked > maxMetaBytes {
			return info, nil
		}
		if typ != "tEXt" || n > maxTextChunk {
			if _, err := io.CopyN(io.Discard, r, int64(n)+4); err != nil {
				return info, nil
			}
			continue
		}
		buf := make([]byte, 4+int(n)+4)
		copy(buf, hdr[4:])
		if _, err := io.ReadFull(r, buf[4:]); err != nil {
			return info, nil
		}
		data, crc := buf[:4+n], binary.BigEndian.Uint32(buf[4+n:])
		if crc32.ChecksumIEEE(data) != crc {
			continue // a damaged tEXt chunk restores nothing
		}
		if key, value, ok := bytes.Cut(data[4:], []byte{0}); ok && string(key) == cacheKeyKeyword {
			info.cacheKey = string(value)
			return info, nil
		}
	}
	return info, nil
}
