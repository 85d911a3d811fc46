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
// Placement (docs/formats.md derives it): a voxel (x, y, z) of a model of
// size (sx, sy, sz) is the unit cube [x, x+1]×[y, y+1]×[z, z+1]. The
// model's pivot is the grid vertex floor(size/2); the transforms of the
// nTRN nodes from the root down, composed as affine maps M = T0·T1·…·Tn
// (each T is x ↦ R·x + t, R from _r, t from _t), take the pivot to
// M's translation. The world voxel is the cube's image:
//
//	world = floor(M · (p + ½ − floor(size/2)))
//
// which in integers is R·(p − floor(size/2)) + t, minus one on each world
// axis whose row of R is negative. This holds for all 48 signed axis
// permutations and for odd and even sizes alike (vengi, voxel-io and
// VoxReader compute the same). Goxel 0.11 omits the minus one, so rotated
// instances land one voxel off on every flipped axis. A file without a
// scene graph places each model with t = 0 and R = identity.
//
// Decode policy:
//   - With a scene graph (version 150 files from 0.99 on, and 200), every
//     nSHP reached from root node 0 places its model; a model used by
//     several shapes appears several times, a model no shape uses is not
//     shown (as in MagicaVoxel). Animation: an nTRN uses the keyframe with
//     the smallest _f (frame 0; the first frame DICT when none has _f), an
//     nSHP the model with the smallest _f.
//   - Scene layers are the MagicaVoxel layers that hold voxels or have a
//     _name, bottom first by layer id; a layer's _hidden is kept. Instances
//     under a node with _hidden=1 (on any nTRN, nGRP or nSHP above them)
//     go to a hidden layer "<layer> (hidden objects)" after their layer:
//     kept, but not drawn or exported as a mesh.
//   - Where instances overlap in a layer, the later one in the depth-first
//     walk of the scene graph (children in file order) wins; across layers,
//     the higher layer does, as the scene stacks them.
//   - Without a scene graph each model holding voxels is a layer. With PACK
//     the models are animation frames: each becomes a layer "Frame n" and
//     all but the first are hidden, so the visible scene is the first frame
//     while no data is lost (Goxel 0.11 shows all frames merged).
//   - Palette alpha is kept, except that alpha 0 reads as 255 (MagicaVoxel
//     ignores palette alpha; a voxel must not vanish).
//   - Unknown chunks (MATL, MATT, rOBJ, rCAM, NOTE, IMAP, ...) are skipped.
//     Teardown's compressed TDCZ voxel chunk and SLAB6's headerless .vox
//     are refused with an UnsupportedError naming them.
//   - Every size and count is checked against its chunk and every chunk
//     against MAIN; content is read as it arrives, so a file cannot make
//     Decode allocate more than it holds. Caps: 2^20 chunks, 65,536 models,
//     65,536 nodes nested at most 64 deep, 65,536 placed instances, 1,024
//     layers; every placed model must lie within ±2^20 on each axis (the
//     error names the extent it reaches). Limits caps the voxels and blocks
//     built. Empty models make no layer.
//
// Encode writes version 150 with a scene graph: root nTRN 0, group nGRP 1,
// then for each model an nTRN (its layer, the layer's name as _name, and
// _t) over an nSHP. Each layer is one model (cut into models of at most
// 256 voxels per axis when bigger); _t is the model's minimum corner plus
// floor(size/2) and there is no rotation, so any reader following the
// rule above gets every voxel back at its position. One LAYR per scene layer keeps names and hidden layers.
// The palette holds up to 255 colours; a scene with more is quantised
// (median cut, then nearest colour) and Report says how many colours and
// voxels were remapped. An empty scene is written as one empty 1×1×1 model,
// since MagicaVoxel expects at least one.
package vox
