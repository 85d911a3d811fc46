// Package voxel is the scene model of goxel-mcp: layers of sparse voxels
// stored in 16×16×16 blocks, with undo and redo.
//
// Coordinates are integers in a right-handed system with Z up, as in Goxel
// and MagicaVoxel, so codecs never swap axes. A colour is a color.NRGBA; a
// voxel whose alpha is 0 does not exist.
//
// A layer maps block positions to blocks. Positions split into a block
// position and a local index with x>>4 and x&15, which floor for negative
// coordinates where / and % would not.
//
// Blocks are copy-on-write. Every block remembers the edit epoch in which it
// was created; Snapshot and Begin start a new epoch, and an edit copies any
// block from an older epoch before changing it. Snapshots, undo records and
// codecs may therefore share blocks freely without copying voxel data.
//
// Undo records hold the previous version of every block an edit touched and,
// for structural edits, the previous layer list; history is bounded by count
// and by bytes.
//
// A Scene is not safe for concurrent use; callers hold a lock for edits and
// for taking a Snapshot. A Snapshot is immutable and may be read from any
// goroutine. The package does no I/O and knows nothing of MCP.
package voxel
