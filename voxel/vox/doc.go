// Package vox reads and writes MagicaVoxel .vox files.
//
// The format is specified in MagicaVoxel-file-format-vox.txt and
// MagicaVoxel-file-format-vox-extension.txt in
// https://github.com/ephtracy/voxel-model. All integers are little-endian
// int32.
//
//	"VOX " magic, version (150 or 200)
//	chunk: id [4]byte, content size N, children size M, N bytes, M bytes
//	MAIN (no content); its children are all other chunks:
//	  PACK  model count (0.98 animation frames; optional)
//	  SIZE  model extent x, y, z (at most 256 each)
//	  XYZI  voxel count n, then n × (x, y, z, colour index) bytes;
//	        each XYZI belongs to the SIZE before it; models are numbered
//	        in file order
//	  RGBA  256 × (r, g, b, a); entry i is colour index i+1, index 0 is
//	        empty; without RGBA the default palette of the spec applies
//	  nTRN  node id, DICT, child id, -1, layer id, frame count, frame DICTs
//	        (_t "x y z" translation, _r packed rotation byte)
//	  nGRP  node id, DICT, child count, child ids
//	  nSHP  node id, DICT, model count, (model id, DICT)...
//	  LAYR  layer id, DICT (_name, _hidden "1"), -1
//	STRING is an int32 size and bytes; DICT an int32 count of STRING pairs.
//
// Axes: MagicaVoxel is right-handed with Z up, like the scene model, so no
// axis is swapped.
//
// Placement: a model's world position is the translation of the nTRN nodes
// above it plus its rotated voxel coordinates minus floor(size/2), so _t is
// the model's centre. A file without a scene graph is centred the same way.
// This is what Goxel 0.11 does, and Decode places voxels at the same
// coordinates as Goxel for every sample file we test with.
//
// Decode policy:
//   - With a scene graph (version 150 files from 0.99 on, and 200), every
//     nSHP reached from root node 0 places its model; a model used by
//     several shapes appears several times, a model no shape uses is not
//     shown (as in MagicaVoxel). Only the first frame of an animated nTRN
//     (its first frame DICT) and the first model of an nSHP are used.
//     Rotations are applied. Scene layers are the MagicaVoxel layers that
//     hold a model or have a _name, bottom first by layer id; a layer's
//     _hidden is kept, a node's _hidden is ignored.
//   - Without a scene graph each model is a layer. With PACK the models are
//     animation frames: each becomes a layer "Frame n" and all but the first
//     are hidden, so the visible scene is the first frame while no data is
//     lost (Goxel 0.11 shows all frames merged).
//   - Where models overlap in a layer, the model later in the file wins.
//   - Palette alpha is kept, except that alpha 0 reads as 255 (MagicaVoxel
//     ignores palette alpha; a voxel must not vanish).
//   - Unknown chunks (MATL, MATT, rOBJ, rCAM, NOTE, IMAP, ...) are skipped.
//   - Every size and count is checked against its chunk and every chunk
//     against MAIN; content is read as it arrives, so a file cannot make
//     Decode allocate more than it holds, and Limits caps what the scene
//     graph may build from it. A file that is not MagicaVoxel (such as
//     SLAB6's headerless .vox) is a FormatError.
//
// Encode writes version 150 with a scene graph: root nTRN 0, group nGRP 1,
// then for each model an nTRN (its layer and _t) over an nSHP. Each layer
// is cut into models of at most 256 voxels per axis; _t is the model's
// minimum corner plus floor(size/2), so Decode gets every voxel back at
// its position. One LAYR per scene layer keeps names and hidden layers.
// The palette holds up to 255 colours; a scene with more is quantised
// (median cut, then nearest colour) and Report says how many colours and
// voxels were remapped. An empty scene is written as one empty 1×1×1 model,
// since MagicaVoxel expects at least one.
package vox
