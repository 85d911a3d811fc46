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
// Each view is framed on the occupied bounding box (plus the shadow's footprint when drawn) with a 6 %
// margin wherever the model sits; Zoom > 1 magnifies about the box centre.
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
// overlap. Faces exactly edge-on are skipped.
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
// Light: a sun at azimuth 135° (compass, clockwise from +Y: the front-right quadrant) and elevation
// 45°, a weak fill from the front-left, a sky term and ambient, giving each face direction one shade
// (isometric: top brightest, front next, right darker). AO darkens corners (bilinear across the face);
// faces with no occluded corner take the flat path. Outlines darken pixels within about one output
// pixel of a flagged edge (thinner on tiny voxels). Shades are quantized to 1/32 steps so a model
// with few colours stays under 256 colours and pngx can write a fast paletted PNG.
//
// The contact shadow is a blurred map of the model's footprint, darker where voxels are near the
// ground, on the ground plane under the model (in tiles; empty ones are skipped). The ground lies
// behind everything, so it is drawn last and only on pixels that still show the background, which
// saves shading ground the model hides. It is drawn only on opaque backgrounds and for views from
// above. The optional grid lies on the same plane, drawn before the faces; it stays over the shadow.
//
// # Supersampling
//
// Supersample 2 renders at twice the size and averages 2×2 blocks, weighting colour by alpha (so a
// transparent background's pixels stay 0,0,0,0 and edges are un-premultiplied). Supersample 0 (auto)
// uses 2× only for outputs of at most 300×300 pixels (90,000), i.e. thumbnails. Measured on this
// project's 2-core machine (docs/benchmarks.md, BenchmarkSupersample), 2× costs 2.2–3.6× the CPU of a
// plain render and encode (four times the raster, a downsample, and blended edges that rule out a
// paletted PNG, whose encode is several times faster), which breaks the 400×400 ≤ 3 ms and
// 1080p ≤ 25 ms budgets. Above that size images are not anti-aliased unless asked; voxel art
// tolerates it.
//
// # Transparency
//
// A background with alpha 0 clears to 0,0,0,0; faces write alpha 255, so without supersampling every
// pixel is 0 or 255 except the anti-aliased overlay text and lines, which are un-premultiplied.
//
// # Overlays
//
// Labels, gizmos, grid and captions are drawn with github.com/fogleman/gg on the frame
// (gg.NewContextForRGBA), text in Go Bold (golang.org/x/image/font/gofont, embedded). Faces never go
// through gg: it costs O(canvas height) per fill and anti-aliases each polygon alone, leaving seams.
//
// # Determinism
//
// No map iteration, time or randomness reaches pixels. Trigonometry runs once per view and a face's
// starting (s, t) once per face, in float64 single operations (no fused multiply-add, so the same bits
// on every platform); edge walks are exact integer arithmetic and everything per pixel is integer or
// fixed point. The same snapshot and
// Options give the same pixels on every run and worker count.
package renderer
