package gox

import "github.com/goxel-mcp/goxel-mcp/voxel"

// On-disk constants. Integers are little-endian int32.
const (
	magic = "GOX " // file magic, followed by the version

	version      = 2 // what Goxel 0.11 writes and Encode writes
	versionFirst = 1 // version 1 stored block centres: subtract 8 on read

	chunkHeaderSize = 8 // type [4]byte, data length
	crcSize         = 4 // CRC-32 (IEEE) of type and data, as in PNG; 0 = none

	blockSize  = 16        // a BL16 block holds 16×16×16 voxels
	blockImage = 64        // ... as a 64×64 RGBA PNG
	refSize    = 5 * 4     // a LAYR entry: block index, x, y, z, 0
	maxDictKey = 255       // Goxel reads keys into a 256-byte buffer
	maxDictVal = 255       // ... and values too
	matSize    = 16 * 4    // "mat" and "box": float32[4][4], column-major
	maxLayers  = 1 << 12   // LAYR chunks
	maxChunk   = 1<<31 - 1 // a chunk length is an int32
	voxelBytes = blockImage * blockImage * 4
)

// Chunk types.
const (
	idIMG  = "IMG " // image info: DICT with "box"
	idPREV = "PREV" // preview PNG (skipped)
	idBL16 = "BL16" // one block as a 64×64 PNG
	idLAYR = "LAYR" // a layer: block references, then a DICT
	idMATE = "MATE" // material (skipped)
	idCAMR = "CAMR" // camera (skipped)
	idLIGH = "LIGH" // light (skipped)
)

// Limits bounds what Decode builds from one file.
type Limits struct {
	// MaxVoxels caps the voxels placed in the scene.
	MaxVoxels int
	// MaxBlocks caps the 16×16×16 blocks decoded from BL16 chunks and the
	// blocks the scene may hold (16 KiB each).
	MaxBlocks int
}

// DefaultLimits is what Decode uses: the scene budget's voxels and blocks
// (32 Mi voxels, 8 Ki blocks: 128 MiB of voxel storage). Encode writes at
// most one BL16 per block of the scene, so a scene within the budget
// always reopens under these limits.
var DefaultLimits = Limits{MaxVoxels: voxel.DefaultBudget.MaxVoxels, MaxBlocks: voxel.DefaultBudget.MaxBlocks}

// FormatError reports that the input is not a valid Goxel file.
type FormatError string

func (e FormatError) Error() string { return "gox: invalid format: " + string(e) }

// UnsupportedError reports that the input is a valid file using a feature
// this package does not support.
type UnsupportedError string

func (e UnsupportedError) Error() string { return "gox: unsupported feature: " + string(e) }
