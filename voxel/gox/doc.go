// Package gox reads and writes Goxel's native .gox files.
//
// There is no published spec; the layout is the one Goxel 0.11's
// src/formats/gox.c reads and writes (https://github.com/guillaumechereau/goxel).
// Integers are little-endian int32.
//
//	"GOX " magic, version (2; version 1 stored block centres, 8 less on read)
//	chunk: type [4]byte, data length n, n bytes, CRC-32 of type and data
//	IMG   DICT: "box" (float32[4][4], the image bounds; read and checked)
//	PREV  preview PNG (skipped)
//	BL16  one block of 16×16×16 voxels as a 64×64 RGBA PNG: pixel i in
//	      row order is voxel x + 16y + 256z, straight (not premultiplied)
//	      RGBA; blocks are numbered in file order
//	LAYR  block count, then (block number, x, y, z, 0) per block placed at
//	      voxel (x, y, z), then a DICT: "name" (a C string), "visible"
//	      (1 byte), "id" (int32), "mat" (float32[4][4]), "base_id",
//	      "shape" and "color" for shape layers, and more we skip
//	MATE, CAMR, LIGH and unknown chunks are skipped.
//	DICT: (key size, key, value size, value)... until the chunk ends or a
//	key size is 0; keys and values are at most 255 bytes.
//
// Axes: Goxel is right-handed with Z up like the scene model; voxels keep
// their coordinates.
//
// CRCs: Goxel writes 0 for every CRC and never checks them. Decode accepts
// 0 as "no CRC" and checks any other value; Encode writes real CRCs, which
// Goxel ignores.
//
// Decode makes one scene layer per LAYR, bottom first, keeping names and
// visibility (Goxel layer ids are not scene ids; Encode writes the scene's
// ids). A shape layer (sphere, cube, cylinder) is painted into voxels as
// Goxel paints it, and a layer cloned from another ("base_id") gets the base
// layer's voxels moved by its "mat", as Goxel does. Every length and count is checked against its chunk, a
// BL16 image must be 64×64 before it is decoded, and Limits caps blocks and
// voxels, so a hostile file cannot allocate much more than its size.
//
// Encode writes IMG (the scene bounds), each distinct block once as BL16
// (equal blocks are shared), then one LAYR per layer with name, visibility,
// id and an identity mat. Goxel 0.11 opens these files; tests check it with
// goxel --export when goxel is installed.
package gox
