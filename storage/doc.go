// Package storage keeps rendered PNGs in one managed directory.
//
// Layout: one flat directory, mode 0700; Open refuses a symlink, another user's directory, or one others can
// write. Files are render_<unixts>_<session>_<random>.png, mode 0600; the id is the name without ".png".
// Publish: bytes go to .tmp-<random> in the same directory, which the writer holds locked (flock) until
// the file is renamed into place; the render is recorded in the manifest (.index) before the rename.
// Nothing is synced (renders are cache entries); a sweep removes a render of ours whose bytes are not
// the ones recorded, which is what a rename that outran its data can leave after a power cut.
// Ownership: only files the manifest records as published (by any Store on the directory, before or
// after a restart), with the same identity (modification time and inode number, or size where there
// are no inode numbers), are ours. Every other file, whatever its name, is never read, listed, expired,
// evicted or removed. Reads (Get, Lookup, Open, ResolvePath, List, Stats) never remove anything.
// Expiry: a render expires TTL after the time in its name; byte, count and file-size caps evict oldest first.
// Start-up: a sweep removes expired renders and the temp files of dead writers (unlocked: crash
// leftovers, at once); it repeats every cleanup interval.
// Concurrency: a Store is safe for many goroutines. Processes may share a directory; each removes only
// expired or over-cap renders, never a temp file a live writer (in any process) holds locked.
//
// # Names
//
// An id matches ^render_[0-9]+_[a-z0-9]+_[0-9a-f]+$ (at most 128 bytes, timestamp fits an int64) and is
// checked before any file-system call. Temp files are named .tmp-<16 hex>; the manifest is .index (one
// line per published render: id, size, inode, modification time, SHA-256), compacted by sweeps. Any other
// name in the directory (notes.txt, render_bad.png, a sub-directory, a symlink) and any render name the
// manifest does not list is skipped by every listing, sweep and removal.
// All file work goes through an [os.Root] opened on the directory, so no name can reach outside it.
//
// # Lifetimes
//
// CreatedAt is the Unix second in the name, so a render keeps its age across restarts and processes;
// ExpiresAt is CreatedAt plus this Store's TTL. A temp file is a dead writer's leftover when nobody
// holds its lock (the kernel drops a killed process's locks); where the platform has no flock it is
// stale once it has not been written for [StaleTempAge] (a live writer streams into it and so keeps
// its modification time fresh). A Store never removes a temp file of its own that is still pending.
//
// # Caps
//
// After every Publish and in every sweep: expired renders are removed, then renders are evicted oldest
// first (CreatedAt, then id) until the count is at most MaxFiles and the bytes at most MaxBytes. A
// Publish never evicts the render it has just published (a later Publish or sweep may, oldest first),
// and no render can exceed a cap alone: a write past min(MaxFileSize, MaxBytes) fails with
// [ErrTooLarge] and removes the temp file. Temp files do not count towards the caps.
//
// # Adoption
//
// Open and every sweep adopt the renders the manifest lists that the in-memory index does not know yet
// (left by an earlier Store or by another process sharing the directory): the PNG IHDR gives the size,
// a tEXt chunk with keyword "CacheKey" (looked for before the first IDAT, with bounded reads) restores
// the content cache, and the SHA-256 is recomputed from the bytes and must be the recorded one. A
// render of ours that does not verify is removed by the sweep and logged (where there are no inode
// numbers it is only logged: size alone cannot tell it from a foreign file).
//
// # Sharing a directory
//
// Lookup, List and Stats read the in-memory index. Get (and so Open and ResolvePath) looks on disk
// when the index misses, and every sweep re-reads the directory: it adopts new renders, forgets the
// ones another process removed, and only then enforces expiry and caps over all of them. Lookup and
// Get stat the file before answering, so a render removed behind the Store's back is not returned.
//
// # Platforms
//
// The owner and mode checks apply on Unix; on Windows, where access lives in ACLs, Open checks only
// that the path is a real directory and not a symlink.
//
// # Use
//
//	st, err := storage.Open(storage.Options{Dir: dir, Logger: logger})
//	...
//	defer st.Close()
//	if rec, ok := st.Lookup(key); ok {
//		return rec // same scene and view: reuse the file
//	}
//	p, err := st.Create()
//	if err != nil {
//		return err // fall back to an inline image
//	}
//	defer p.Abort() // removes the temp file unless Publish succeeded
//	if err := pngx.Encode(p, img); err != nil {
//		return err
//	}
//	rec, err := p.Publish(storage.Meta{Width: w, Height: h, CacheKey: key})
package storage
