// Package analyze answers questions about a voxel model without drawing it:
// connected parts, floating parts, mirror symmetry, enclosed cavities, text
// slices and heightmaps, and what changed between two frozen states.
//
// Everything reads frozen blocks (voxel.Snapshot.Blocks or voxel.Scene.Freeze),
// which never change once frozen, so analysis runs without the scene's lock.
//
// # Runs
//
// A Volume is turned once into x-runs: maximal rows of voxels of one colour
// along +X, ordered by (z, y, x). Parts are found by union-find over runs (two
// runs join when they touch: same row and adjacent, or neighbouring rows with
// overlapping x ranges), so the cost follows the number of runs rather than
// the number of voxels; a solid 100³ cube is 10,000 runs. Cavities are the
// gaps between runs of a row that no path of empty cells joins to the outside
// of the bounding box; a row with no voxel is open on its whole length, so
// only rows holding voxels are ever looked at.
//
// # Conventions
//
// Boxes are inclusive. The ground, unless given, is the lowest z level of the
// volume. The mirror plane of an axis is the centre of the volume's bounding
// box on that axis: position p mirrors to min+max−p. Lists are ordered
// deterministically: parts and cavities by size, largest first, then by
// position; voxels by (z, y, x).
package analyze
