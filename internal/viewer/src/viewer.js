// The goxel-mcp scene viewer: an MCP Apps view (io.modelcontextprotocol/ui)
// that shows the server's current scene as a mesh and follows its changes.
//
// Data flow: get_viewer_state (app-only, cheap) gives the revision, the
// layers and the bounding box; get_viewer_mesh (app-only) gives the visible
// scene as GLB (voxel/mesh's export: merged faces, vertex colours) in parts
// of bounded size. The view polls get_viewer_state and reloads the mesh
// when the revision moves; a tool result pushed by the host (view_model,
// render_scene) that carries a newer revision reloads at once.
//
// Coordinates: the scene is right-handed and Z up. glTF is Y up, so the
// export rotated (x, y, z) to (x, z, -y); the model group turns it back by
// +90° about X, so world coordinates here are scene coordinates.
//
// Cameras and look match the server's renders: orthographic views named for
// where the camera stands (front: on -Y looking +Y), the model filling 92 %
// of the limiting dimension, and one shade per face direction from the same
// sun, fill, sky and ambient terms as renderer/shade.go, in linear light
// (the renders' occlusion and cast shadows are left out).
import { App, applyDocumentTheme, applyHostStyleVariables } from "@modelcontextprotocol/ext-apps/app-with-deps";
import {
  BufferAttribute, BufferGeometry, Color, Group, LineBasicMaterial, LineSegments, Mesh,
  OrthographicCamera, RawShaderMaterial, Raycaster, Scene, Sprite, SpriteMaterial,
  CanvasTexture, Vector2, Vector3, WebGLRenderer, Box3, EdgesGeometry, BoxGeometry,
} from "three";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";

const ISO_PITCH = 35.264389682754654;
// Views as the server names them (renderer/project.go): yaw around Z from
// the front, pitch above the horizon. Straight up and down stop just short
// of ±90° so the orbit camera keeps Z up (screen up is then +Y from above
// and -Y from below, as in the renders).
const PRESETS = {
  front: [0, 0], back: [180, 0], left: [-90, 0], right: [90, 0],
  top: [0, 89.95], bottom: [0, -89.95], isometric: [45, ISO_PITCH],
};
const MARGIN = 0.04; // of the canvas on each side: the model fills 92 %, as in the renders
const POLL_MS = 1500;
const BACKGROUND = 0xe8e8ec; // the renders' default background

const $ = (id) => document.getElementById(id);
const statusEl = $("status"), messageEl = $("message"), layersEl = $("layers"), hoverEl = $("hover");
const stage = $("stage");

function setState(state, message) {
  document.body.dataset.state = state;
  messageEl.textContent = message || "";
}

// --- rendering -------------------------------------------------------------

const renderer = new WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
renderer.setPixelRatio(window.devicePixelRatio || 1);
renderer.setClearColor(BACKGROUND, 1);
renderer.autoClear = false;
stage.prepend(renderer.domElement);

const scene = new Scene();
const camera = new OrthographicCamera(-1, 1, 1, -1, 0.01, 1000);
camera.up.set(0, 0, 1);
const controls = new OrbitControls(camera, renderer.domElement);
controls.enableDamping = false;
controls.zoomToCursor = true;
controls.addEventListener("change", () => { requestRender(); hideHover(); });

const model = new Group();
model.rotation.x = Math.PI / 2; // glTF Y up → scene Z up
scene.add(model);
const grid = new Group();
scene.add(grid);

// One shade per face direction, from the renderer's constants (linear
// light): a sun at azimuth 210° (compass, clockwise from +Y) and elevation
// 50°, a fill at 60°/25°, a sky term on +Z and ambient, scaled so the sunlit
// top is 1; multiplied with the linear colour, then encoded as sRGB.
function lightDir(az, el) {
  const a = az * Math.PI / 180, e = el * Math.PI / 180;
  return new Vector3(Math.sin(a) * Math.cos(e), Math.cos(a) * Math.cos(e), Math.sin(e));
}
const SUN = lightDir(210, 50), FILL = lightDir(60, 25);
const TOP = 0.26 + 0.08 + 0.70 * SUN.z;
const voxelMaterial = (transparent) => new RawShaderMaterial({
  transparent,
  depthWrite: !transparent,
  uniforms: { sun: { value: SUN }, fill: { value: FILL }, top: { value: TOP } },
  vertexShader: `precision highp float;
uniform mat4 modelMatrix, modelViewMatrix, projectionMatrix;
attribute vec3 position; attribute vec3 normal; attribute vec4 color;
varying vec4 vColor; varying vec3 vNormal;
void main() {
  vColor = color;
  vNormal = mat3(modelMatrix) * normal;
  gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
}`,
  fragmentShader: `precision highp float;
uniform vec3 sun, fill;
uniform float top;
varying vec4 vColor; varying vec3 vNormal;
vec3 srgb(vec3 c) { return mix(c * 12.92, 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055, step(0.0031308, c)); }
void main() {
  vec3 n = normalize(vNormal);
  float s = (0.26 + 0.08 * n.z + 0.70 * max(dot(n, sun), 0.0) + 0.12 * max(dot(n, fill), 0.0)) / top;
  gl_FragColor = vec4(srgb(vColor.rgb * clamp(s, 0.0, 1.0)), vColor.a);
}`,
});

// The axis gizmo: X red, Y green, Z blue, drawn in the lower-left corner
// with the main camera's orientation.
const GIZMO_PX = 84;
const gizmoScene = new Scene();
const gizmoCamera = new OrthographicCamera(-1.5, 1.5, 1.5, -1.5, 0.1, 10);
(() => {
  const axes = [[1, 0, 0, "#d23c3c", "X"], [0, 1, 0, "#2f9e44", "Y"], [0, 0, 1, "#2f6fd2", "Z"]];
  for (const [x, y, z, colour, label] of axes) {
    const g = new BufferGeometry();
    g.setAttribute("position", new BufferAttribute(new Float32Array([0, 0, 0, x, y, z]), 3));
    gizmoScene.add(new LineSegments(g, new LineBasicMaterial({ color: colour, depthTest: false })));
    const c = document.createElement("canvas");
    c.width = c.height = 64;
    const ctx = c.getContext("2d");
    ctx.fillStyle = colour;
    ctx.font = "bold 44px sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(label, 32, 34);
    const sprite = new Sprite(new SpriteMaterial({ map: new CanvasTexture(c), depthTest: false }));
    sprite.position.set(x * 1.25, y * 1.25, z * 1.25);
    sprite.scale.set(0.55, 0.55, 1);
    gizmoScene.add(sprite);
  }
})();

let box = null; // the scene's bounding box in world units: min corner, max corner + 1
let currentView = "isometric";
let renderQueued = false;

function requestRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(draw);
}

function draw() {
  renderQueued = false;
  const w = stage.clientWidth, h = stage.clientHeight;
  renderer.setViewport(0, 0, w, h);
  renderer.setScissorTest(false);
  renderer.clear();
  renderer.render(scene, camera);
  // Gizmo: same orientation as the camera, its own little viewport.
  const dir = new Vector3().subVectors(camera.position, controls.target).normalize();
  gizmoCamera.position.copy(dir).multiplyScalar(5);
  gizmoCamera.up.copy(camera.up);
  gizmoCamera.lookAt(0, 0, 0);
  renderer.clearDepth();
  renderer.setViewport(4, 4, GIZMO_PX, GIZMO_PX);
  renderer.render(gizmoScene, gizmoCamera);
}

function resize() {
  const w = Math.max(1, stage.clientWidth), h = Math.max(1, stage.clientHeight);
  renderer.setSize(w, h, false);
  frame(false);
}
new ResizeObserver(resize).observe(stage);

// setView points the camera at the box centre from yaw/pitch (degrees) and
// frames the box; frame keeps the direction and only refits.
function setView(name, yaw, pitch) {
  if (name && PRESETS[name]) [yaw, pitch] = PRESETS[name];
  currentView = name || "custom";
  for (const b of document.querySelectorAll("#toolbar button[data-view]")) {
    b.setAttribute("aria-pressed", String(b.dataset.view === currentView));
  }
  pitch = Math.max(-89.95, Math.min(89.95, pitch));
  const y = yaw * Math.PI / 180, p = pitch * Math.PI / 180;
  const eye = new Vector3(Math.sin(y) * Math.cos(p), -Math.cos(y) * Math.cos(p), Math.sin(p));
  const centre = boxCentre();
  const dist = boxRadius() * 4 + 10;
  camera.position.copy(centre).addScaledVector(eye, dist);
  controls.target.copy(centre);
  camera.lookAt(centre);
  frame(true);
}

function boxCentre() {
  return box ? box.getCenter(new Vector3()) : new Vector3(0.5, 0.5, 0.5);
}
function boxRadius() {
  return box ? box.getSize(new Vector3()).length() / 2 : 1;
}

// frame sets the orthographic frustum so the box's projection fits the
// canvas with the margin (refit: also reset the zoom).
function frame(refit) {
  const w = Math.max(1, stage.clientWidth), h = Math.max(1, stage.clientHeight);
  let hx = 1, hy = 1;
  if (box) {
    camera.updateMatrixWorld();
    const inv = camera.matrixWorldInverse, c = boxCentre().applyMatrix4(inv);
    hx = hy = 1e-6;
    for (let i = 0; i < 8; i++) {
      const p = new Vector3(i & 1 ? box.max.x : box.min.x, i & 2 ? box.max.y : box.min.y, i & 4 ? box.max.z : box.min.z).applyMatrix4(inv);
      hx = Math.max(hx, Math.abs(p.x - c.x));
      hy = Math.max(hy, Math.abs(p.y - c.y));
    }
  }
  const scale = Math.min((w * (1 - 2 * MARGIN)) / (2 * hx), (h * (1 - 2 * MARGIN)) / (2 * hy)); // pixels per voxel
  camera.left = -w / 2 / scale;
  camera.right = w / 2 / scale;
  camera.top = h / 2 / scale;
  camera.bottom = -h / 2 / scale;
  const dist = boxRadius() * 4 + 10;
  camera.near = 0.01;
  camera.far = dist * 2 + boxRadius() * 2;
  if (refit) camera.zoom = 1;
  camera.updateProjectionMatrix();
  controls.update();
  requestRender();
}

for (const b of document.querySelectorAll("#toolbar button[data-view]")) {
  b.addEventListener("click", () => setView(b.dataset.view));
}

// --- the ground grid ----------------------------------------------------------

function buildGrid() {
  grid.clear();
  if (!box) return;
  const size = box.getSize(new Vector3());
  const longest = Math.max(size.x, size.y, 1);
  let step = 1;
  while (longest / step > 64) step *= 2;
  const pad = Math.max(2 * step, Math.ceil(longest * 0.1 / step) * step);
  const x0 = Math.floor((box.min.x - pad) / step) * step, x1 = Math.ceil((box.max.x + pad) / step) * step;
  const y0 = Math.floor((box.min.y - pad) / step) * step, y1 = Math.ceil((box.max.y + pad) / step) * step;
  const z = box.min.z - 0.002; // just under the lowest faces
  const pts = [];
  for (let x = x0; x <= x1; x += step) pts.push(x, y0, z, x, y1, z);
  for (let y = y0; y <= y1; y += step) pts.push(x0, y, z, x1, y, z);
  const g = new BufferGeometry();
  g.setAttribute("position", new BufferAttribute(new Float32Array(pts), 3));
  grid.add(new LineSegments(g, new LineBasicMaterial({ color: 0xb4b4be, transparent: true, opacity: 0.7 })));
}

// --- hover: the voxel under the pointer -------------------------------------

const raycaster = new Raycaster();
const pointer = new Vector2();
let hoverQueued = false;
const highlight = new LineSegments(new EdgesGeometry(new BoxGeometry(1.04, 1.04, 1.04)), new LineBasicMaterial({ color: 0x111111 }));
highlight.visible = false;
scene.add(highlight);

function toSRGB8(v) {
  const c = v <= 0.0031308 ? v * 12.92 : 1.055 * Math.pow(v, 1 / 2.4) - 0.055;
  return Math.max(0, Math.min(255, Math.round(c * 255)));
}
const hex2 = (n) => n.toString(16).toUpperCase().padStart(2, "0");

renderer.domElement.addEventListener("pointermove", (e) => {
  const r = renderer.domElement.getBoundingClientRect();
  pointer.set(((e.clientX - r.left) / r.width) * 2 - 1, -((e.clientY - r.top) / r.height) * 2 + 1);
  if (!hoverQueued) {
    hoverQueued = true;
    requestAnimationFrame(pick);
  }
});
renderer.domElement.addEventListener("pointerleave", hideHover);

function hideHover() {
  hoverEl.textContent = "";
  if (highlight.visible) {
    highlight.visible = false;
    requestRender();
  }
}

function pick() {
  hoverQueued = false;
  raycaster.setFromCamera(pointer, camera);
  const hit = raycaster.intersectObject(model, true)[0];
  if (!hit || !hit.face) return hideHover();
  const n = hit.face.normal.clone().transformDirection(hit.object.matrixWorld);
  const v = hit.point.clone().addScaledVector(n, -0.5).floor();
  const col = hit.object.geometry.getAttribute("color");
  let rgba = "";
  if (col) {
    const i = hit.face.a;
    const a = col.itemSize === 4 ? Math.round(col.getW(i) * 255) : 255;
    rgba = "#" + hex2(toSRGB8(col.getX(i))) + hex2(toSRGB8(col.getY(i))) + hex2(toSRGB8(col.getZ(i))) + hex2(a);
  }
  hoverEl.innerHTML = "";
  const sw = document.createElement("span");
  sw.className = "swatch";
  sw.style.background = rgba.slice(0, 7);
  hoverEl.append(sw, `${v.x}, ${v.y}, ${v.z}`, document.createElement("br"), rgba);
  hoverEl.dataset.voxel = `${v.x},${v.y},${v.z}`;
  hoverEl.dataset.color = rgba;
  highlight.position.set(v.x + 0.5, v.y + 0.5, v.z + 0.5);
  highlight.visible = true;
  requestRender();
}

// --- talking to the server through the host --------------------------------

const app = new App({ name: "goxel-mcp viewer", version: "1.0.0" }, {}, { autoResize: true });
let shown = 0;        // revision on screen
let loading = null;   // the revision being loaded
let wantView = null;  // {view, yaw, pitch} from the tool input, applied at the first load

// structured returns a result's structuredContent or, for a host on a
// protocol before 2025-06-18 (no structuredContent), the JSON that the
// server then appends to the text.
function structured(res) {
  if (res && res.structuredContent && typeof res.structuredContent === "object") return res.structuredContent;
  for (const c of (res && res.content) || []) {
    if (c.type !== "text" || typeof c.text !== "string") continue;
    const nl = c.text.lastIndexOf("\n{");
    const at = c.text.startsWith("{") ? 0 : nl >= 0 ? nl + 1 : -1;
    if (at < 0) continue;
    try {
      const v = JSON.parse(c.text.slice(at));
      if (v && typeof v === "object") return v;
    } catch {
      // not JSON: a plain summary
    }
  }
  return null;
}
function errorText(res) {
  return (res.content || []).filter((c) => c.type === "text").map((c) => c.text).join("\n") || "the server refused";
}

// projectID is the project_id of the tool call that opened the view (HTTP
// mode, where every scene tool names its project); the view's own calls
// name the same project.
let projectID = null;
let gotInput;
const toolInput = new Promise((resolve) => { gotInput = resolve; });

async function call(name, args) {
  if (projectID !== null) args = { ...args, project_id: projectID };
  const res = await app.callServerTool({ name, arguments: args });
  if (res.isError) {
    const err = new Error(errorText(res));
    err.refused = true;
    throw err;
  }
  return res;
}

function decode(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function showLayers(layers) {
  layersEl.innerHTML = "";
  for (const l of layers || []) {
    const li = document.createElement("li");
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = l.visible;
    box.dataset.layer = l.id;
    box.addEventListener("change", async () => {
      box.disabled = true;
      try {
        await call("set_layer_visibility", { id: l.id, visible: box.checked });
        await update();
      } catch (e) {
        box.checked = !box.checked;
        statusEl.textContent = e.message;
      } finally {
        box.disabled = false;
      }
    });
    const name = document.createElement("span");
    name.textContent = l.name;
    const count = document.createElement("span");
    count.className = "count";
    count.textContent = l.voxels.toLocaleString("en");
    label.append(box, name, count);
    li.append(label);
    layersEl.append(li);
  }
}

// load fetches the mesh of the scene at state.revision, part by part.
async function load(state) {
  loading = state.revision;
  setState("loading", shown ? "" : "Loading the scene…");
  const parts = [];
  let total = 0, info = null;
  for (let part = 0; ; part++) {
    const res = await call("get_viewer_mesh", { revision: state.revision, part });
    info = structured(res);
    const blob = (res.content || []).find((c) => c.type === "resource" && c.resource && c.resource.blob);
    if (!info || !blob) throw new Error("get_viewer_mesh returned no mesh");
    const bytes = decode(blob.resource.blob);
    parts.push(bytes);
    total += bytes.length;
    if (info.parts > 1) statusEl.textContent = `Loading ${Math.round((100 * (part + 1)) / info.parts)} %…`;
    if (part + 1 >= info.parts) break;
  }
  const glb = new Uint8Array(total);
  let off = 0;
  for (const p of parts) { glb.set(p, off); off += p.length; }
  const gltf = await new GLTFLoader().parseAsync(glb.buffer, "");
  const old = [...model.children];
  model.clear();
  for (const o of old) o.traverse((c) => { if (c.geometry) c.geometry.dispose(); if (c.material) c.material.dispose(); });
  gltf.scene.traverse((o) => {
    if (o.isMesh) {
      const col = o.geometry.getAttribute("color");
      let translucent = false;
      if (col && col.itemSize === 4) for (let i = 0; i < col.count && !translucent; i++) translucent = col.getW(i) < 1;
      o.material = voxelMaterial(translucent);
    }
  });
  model.add(gltf.scene);
  const b = state.bounding_box;
  box = b ? new Box3(new Vector3(...b.min), new Vector3(b.max[0] + 1, b.max[1] + 1, b.max[2] + 1)) : null;
  buildGrid();
  const first = shown === 0;
  shown = state.revision;
  if (first) {
    const v = wantView || {};
    if (v.view && PRESETS[v.view]) setView(v.view);
    else if (typeof v.yaw === "number" || typeof v.pitch === "number") setView("custom", v.yaw || 0, v.pitch || 0);
    else setView("isometric");
  } else {
    frame(false);
  }
  document.body.dataset.revision = String(shown);
  statusEl.textContent = `revision ${shown} · ${state.voxels.toLocaleString("en")} voxels` +
    (b ? ` · ${b.size.join("×")}` : "") + ` · ${info.quads.toLocaleString("en")} faces`;
  setState(state.voxels ? "ready" : "empty", state.voxels ? "" : "The scene is empty.");
  hideHover();
  requestRender();
}

// update reads the scene's state and loads its mesh when the revision moved.
// One runs at a time; a call while one runs waits for it and runs again.
// A refused revision (too large) is not fetched again until it changes.
let running = null, again = false, refusedRevision = 0;
function update() {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    do {
      again = false;
      let state = null;
      try {
        state = structured(await call("get_viewer_state", {}));
        if (!state) throw new Error("get_viewer_state returned no state");
        showLayers(state.layers);
        if (state.revision !== shown && state.revision !== refusedRevision) await load(state);
      } catch (e) {
        loading = null;
        if (!state) {
          // The host or server is gone for a moment; the next poll retries.
          if (!shown) setState("error", e.message);
          continue;
        }
        refusedRevision = state.revision;
        setState(e.refused ? "refused" : "error", e.message);
        statusEl.textContent = `revision ${state.revision} · not shown`;
        document.body.dataset.revision = String(state.revision);
      }
    } while (again);
    running = null;
  })();
  return running;
}

function poll() {
  if (!document.hidden) update();
}

app.ontoolinput = (params) => {
  const a = (params && params.arguments) || {};
  let view = a.view;
  if (!view && Array.isArray(a.views) && typeof a.views[0] === "string") view = a.views[0];
  wantView = { view, yaw: a.yaw, pitch: a.pitch };
  if (a.project_id !== undefined && a.project_id !== null) projectID = a.project_id;
  gotInput();
  if (shown > 0 && view && PRESETS[view]) setView(view);
};
app.ontoolresult = (res) => {
  const s = structured(res);
  if (s && typeof s.revision === "number" && s.revision !== shown) poll();
};
app.onhostcontextchanged = (ctx) => applyContext(ctx);
app.onteardown = async () => {
  clearInterval(timer);
  return {};
};

function applyContext(ctx) {
  if (!ctx) return;
  if (ctx.theme) applyDocumentTheme(ctx.theme);
  if (ctx.styles && ctx.styles.variables) applyHostStyleVariables(ctx.styles.variables);
  const dims = ctx.containerDimensions;
  if (dims && "height" in dims) document.documentElement.classList.add("fill");
}

let timer = 0;
async function start() {
  try {
    await app.connect();
  } catch (e) {
    setState("error", `Could not connect to the host: ${e.message}`);
    return;
  }
  applyContext(app.getHostContext());
  resize();
  statusEl.textContent = "Loading…";
  // Hosts send the tool's arguments right after the handshake; wait a
  // moment for them (the project and the starting view), not forever.
  await Promise.race([toolInput, new Promise((r) => setTimeout(r, 500))]);
  await update();
  timer = setInterval(poll, POLL_MS);
}

start();
