package vox

// On-disk constants. All integers are little-endian int32 unless noted.
const (
	magic = "VOX " // file magic, followed by the version

	versionMin   = 150 // MagicaVoxel 0.98 and the scene-graph files up to 0.99.6
	versionMax   = 200 // MagicaVoxel 0.99.7 and later
	writeVersion = 150 // what Encode writes; Goxel 0.11 warns about any other

	chunkHeaderSize = 12 // id [4]byte, content size N, children size M

	maxModelSize = 256 // a SIZE extent; XYZI coordinates are single bytes
	paletteSize  = 256 // RGBA entries; entry i is colour index i+1, the last is unused
	maxColors    = 255 // colour indices 1..255; index 0 is empty

	// Limits on what a file may make us build. A file cannot allocate more
	// than it holds, but the scene graph can place one model many times.
	maxNodes      = 1 << 16 // scene-graph nodes
	maxDepth      = 64      // nesting of scene-graph nodes
	maxPlacements = 1 << 16 // model instances placed by the scene graph
	maxDictPairs  = 1 << 12 // key/value pairs in one DICT
	maxChunks     = 1 << 20 // chunks in MAIN
	maxModels     = 1 << 16 // SIZE/XYZI pairs
	maxLayers     = 1 << 10 // LAYR chunks, and layers of the decoded scene

	// maxExtent bounds world coordinates: a placed model must lie within
	// ±maxExtent on every axis.
	maxExtent = 1 << 20
)

// Chunk ids.
const (
	idMAIN = "MAIN" // root; its children are every other chunk
	idPACK = "PACK" // number of models (animation frames, 0.98)
	idSIZE = "SIZE" // model extent x, y, z
	idXYZI = "XYZI" // voxel count, then x, y, z, colour index bytes
	idRGBA = "RGBA" // the palette
	idnTRN = "nTRN" // transform node
	idnGRP = "nGRP" // group node
	idnSHP = "nSHP" // shape node
	idLAYR = "LAYR" // layer
	idTDCZ = "TDCZ" // Teardown's zlib-compressed voxels (not read)
)

// Limits bounds what Decode builds from one file.
type Limits struct {
	// MaxVoxels caps the voxels placed in the scene, counting each
	// instance of a model and overlapping voxels.
	MaxVoxels int
	// MaxBlocks caps the 16×16×16 blocks the scene may hold (16 KiB each).
	MaxBlocks int
}

// DefaultLimits is what Decode uses: 64 Mi voxels and 16 Ki blocks
// (256 MiB of voxel storage).
var DefaultLimits = Limits{MaxVoxels: 1 << 26, MaxBlocks: 1 << 14}

// FormatError reports that the input is not a valid MagicaVoxel file.
type FormatError string

func (e FormatError) Error() string { return "vox: invalid format: " + string(e) }

// UnsupportedError reports that the input is a valid file using a feature
// this package does not support.
type UnsupportedError string

func (e UnsupportedError) Error() string { return "vox: unsupported feature: " + string(e) }
