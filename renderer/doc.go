// Package renderer draws a voxel scene snapshot as an image, in software, deterministically.
//
//	img, err := renderer.Render(ctx, snap, renderer.DefaultOptions())
//
// # API
//
// Render (or Renderer.Render, which keeps its own cache) takes a *voxel.Snapshot and Options and returns
// an *image.NRGBA; encoding is internal/pngx's job. Options.View picks the camera; Options.Views with one
// or more views gives a contact sheet (one labelled panel per view, an axis gizmo in each, the model's
// size in voxels in a caption). Preset and PresetNames give the seven named views. DefaultOptions is
// 800×600, isometric, outlines, AO and shadow on, grid off, light grey background. Width and height
// must be 1..MaxSize (default 8192); larger requests are refused before anything is allocated. ctx is
// checked between passes and row bands; a cancelled render returns ctx.Err().
//
// # Camera and projection
//
// Right-handed, Z up. Views are orthographic and named for where the camera stands: yaw is measured
// around Z from the front (0: camera on -Y looking +Y; 90: camera on +X), pitch above the horizon
// (90: looking straight down, with +Y up on screen). front = (0, 0), right = (90, 0), back = (180, 0),
// left = (-90, 0), top = (0, 90), bottom = (0, -90), isometric = (45, 35.264): front-right-above, showing
// the -Y, +X and +Z sides. Screen right is (cos yaw, sin yaw, 0); screen up is right × forward.
// Each view is framed on the model's silhouette: the screen bounds of its voxels (exact for the union
// of cubes: the extremes are reached on voxels with exposed faces, cached per camera), filling 92 % of
// the limiting dimension, centred; Zoom > 1 magnifies about the centre. Scenes wider than 2^26 voxels
// on an axis are refused (fixed-point and sort keys stay far from overflow below that).
//
// Vertex positions are fixed point (1/256 pixel): the per-axis screen steps are rounded once per view
// and every face corner is an integer combination of them, so neighbouring faces share exact edges.
//
// # Faces and draw order
//
// Preparation, independent of the camera, is cached per scene (keyed by Snapshot.Hash, checked against
// the voxel count and box; a Renderer keeps the last 4 scenes): only faces whose neighbour is empty are
// kept, each with four per-corner ambient-occlusion levels (0fps style: both sides occluded = darkest)
// and four outline flags (an edge whose coplanar neighbour face is missing: silhouette, convex edge or
// crease), plus the contact-shadow map. Each render keeps the three camera-facing directions and draws
// them far to near with no z-buffer: faces are counting-sorted by sx·x + sy·y + sz·z, where s is the
// sign of the view direction on each axis. If voxel A can hide voxel B then B − A is ≥ 0 on every axis
// in those signs (and non-zero), so B's key is larger and B is drawn first; faces with equal keys never
// overlap. Faces exactly edge-on are skipped. When the key range dwarfs the face count (voxels far
// apart), the distinct keys are ranked instead, so memory follows the faces, never the extent.
//
// # Raster and look
//
// Our own scanline fill writes packed pixels straight into Pix (little-endian CPUs, which all release
// targets are): each face is a parallelogram whose edge bounds advance row by row without division,
// with a top-left rule so shared edges are drawn exactly once. All faces of one direction are
// translates of one shape, so edge steps and (s, t) gradients are computed once per direction; the
// light, AO corners, outline flags and shade tables of each face once per scene. Per render, the
// counting sort runs in parallel chunks that project each face straight into its sorted slot as a
// self-contained, pointer-free quad (corner, rows, colours, corner shades). Rows are split into bands
// drawn in parallel (GOMAXPROCS workers); quads are binned by the bands they touch, in painter's
// order, and each band clears its own rows to the background before drawing its quads, so output does
// not depend on the worker count.
//
// Light, in linear light (sRGB decoded through a table, lit, encoded; never above 1, so nothing
// clips): a sun at azimuth 210° (compass, clockwise from +Y: the front-left) and elevation 50°, a weak
// fill from the back-right, a sky term and ambient. Every face corner carries a code: its contact
// occlusion (0fps style), its wide occlusion (the occupied share of the 4×4×2 cells in front of the
// corner, read from a two-voxel border around each block) and whether the sun is blocked there (a
// shadow ray from the vertex through a per-block occupancy bit grid, Amanatides-Woo, at most 1,024
// cells, memoised per block vertex). A table per face direction and AO/shadow switch gives each code
// its shade; shades blend bilinearly across the face, so shadow edges are voxel-exact and one voxel
// soft. Uniform faces take the flat path. Shades are quantized to 1/32 steps with a 4×4 ordered dither
// (no banding) so a model with few colours stays under 256 colours and pngx writes a fast paletted PNG.
// In axis views faces darken with depth (the farthest keep 55 %).
//
// The ground shadow is a map on the ground plane: the contact term (darker where voxels are near the
// ground) plus the cast shadow (a ray towards the sun from every cell), blurred, over the footprint
// grown towards where shadows fall (at most 2^20 cells). The ground lies behind everything, so it is
// drawn last and only on pixels that still show the background. It is drawn only on opaque
// backgrounds and for views from above. The optional grid lies on the same plane, drawn before the
// faces; it stays over the shadow. On the default background, a model with more than 2 % of its faces
// near that colour gets a dark slate background instead.
//
// # Anti-aliasing
//
// The raster fills whole pixels (watertight, no seams). A pass then blends the silhouette against the
// background and ground: each pixel near the boundary takes the model's share of a 3×3 tent, rounded to
// quarters, and mixes the two colours in linear light. It runs in row bands in parallel, collects the
// blends before writing any, and admits new colours in band order within the frame's spare palette
// entries, so paletted PNGs stay paletted and the output does not depend on the worker count.
// Supersample 2 renders at twice the size and averages 2×2 blocks, weighting colour by alpha;
// Supersample 0 (auto) uses it for outputs of at most 300×300 pixels (thumbnails).
//
// # Change highlighting
//
// Options.Tint maps voxel positions to a colour mixed over their faces (at the tint's alpha) before
// light, for a change view (added or recoloured voxels). Ghosts of removed voxels are not drawn yet.
//
// # Transparency
//
// A background with alpha 0 clears to 0,0,0,0; faces write alpha 255; anti-aliased silhouettes and
// overlay text and lines have partial alpha (straight, un-premultiplied).
//
// # Overlays
//
// A sheet panel's label and gizmo, sized from the measured text and the panel, go in a corner the
// model leaves free (silMask: a coarse grid of the silhouette, from the voxels whose faces turn to
// the camera), the model framed on the whole panel and shrunk about its centre only as far as it
// must be to clear the corner; or, when that would leave the model smaller, in a strip reserved on
// the top or the left, the model framed in the rest. Labels and the caption shrink to fit. Labels, gizmos, grid and captions are drawn with github.com/fogleman/gg on the frame
// (gg.NewContextForRGBA), text in Go Bold (golang.org/x/image/font/gofont, embedded). Faces never go
// through gg: it costs O(canvas height) per fill and anti-aliases each polygon alone, leaving seams.
//
// # Determinism
//
// No map iteration, time or randomness reaches pixels. Trigonometry runs once per view and a face's
// starting (s, t) once per face, in float64 single operations (no fused multiply-add, so the same bits
// on every platform); edge walks are exact integer arithmetic and everything per pixel is integer or
// fixed point. A panic in any of the renderer's goroutines is recovered into that render's error. The
// same snapshot and
// Options give the same pixels on every run and worker count.
package renderer
