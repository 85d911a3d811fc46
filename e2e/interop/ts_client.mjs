#!/usr/bin/env node
// ts_client.mjs drives a goxel-mcp binary with the official TypeScript SDK
// client (Client + StdioClientTransport), once per protocol version, and
// prints a JSON summary on stdout. It exits non-zero, with one line per
// failed check on stderr, when anything is wrong.
//
//   node ts_client.mjs /path/to/goxel-mcp [--protocol 2025-06-18[,...]]
//
// The server inherits GOXEL_* and HOME from this process, so the caller
// (e2e/interop_test.go) chooses private render and state directories.
//
// Protocol version: the SDK 1.32.2 Client has no option for it; connect()
// always sends LATEST_PROTOCOL_VERSION (2025-11-25) in initialize. We wrap
// the transport's send() and rewrite params.protocolVersion of the
// initialize request, and watch onmessage for the server's answer. The SDK
// accepts any answer in SUPPORTED_PROTOCOL_VERSIONS, so the session then
// runs in the version we asked for (the server echoes it when it supports it).

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, isAbsolute } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';

const DEFAULT_VERSIONS = ['2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25'];
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CORE_TOOLS = ['create_project', 'get_status', 'add_voxels', 'get_voxel', 'fill_shape', 'undo', 'redo'];
const FILE_FIELDS = ['path', 'uri', 'size', 'format', 'dimensions', 'checksum', 'created_at', 'expires_at', 'ttl_remaining'];

function usage(msg) {
  process.stderr.write(`${msg}\nusage: node ts_client.mjs BINARY [--protocol V[,V...]]\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
if (argv.length < 1) usage('missing the goxel-mcp binary');
const binary = argv[0];
let versions = DEFAULT_VERSIONS;
for (let i = 1; i < argv.length; i++) {
  if (argv[i] === '--protocol' && argv[i + 1]) versions = argv[++i].split(',');
  else usage(`unknown argument ${argv[i]}`);
}
for (const v of versions) {
  if (!SUPPORTED_PROTOCOL_VERSIONS.includes(v)) usage(`protocol ${v} is not one the SDK supports: ${SUPPORTED_PROTOCOL_VERSIONS}`);
}

// A check that failed; the run goes on to the next version.
class CheckError extends Error {}

function check(cond, msg) {
  if (!cond) throw new CheckError(msg);
}

function log(...a) {
  process.stderr.write(`ts_client: ${a.join(' ')}\n`);
}

// serverEnv passes the caller's goxel settings on: the SDK otherwise gives
// the child only a short allow-list (PATH, HOME, ...).
function serverEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('GOXEL_') || k === 'HOME' || k === 'PATH' || k === 'TMPDIR') env[k] = v;
  }
  return env;
}

// pinProtocol makes transport's initialize request ask for version and
// records what the server answered in state.negotiated.
function pinProtocol(transport, version, state) {
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    if (message.method === 'initialize') {
      state.initializeId = message.id;
      message = { ...message, params: { ...message.params, protocolVersion: version } };
    }
    return send(message, options);
  };
  let handler;
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    get: () => handler,
    set: fn => {
      handler = fn && ((message, extra) => {
        if (state.initializeId !== undefined && message.id === state.initializeId && message.result) {
          state.negotiated = message.result.protocolVersion;
        }
        return fn(message, extra);
      });
    },
  });
}

// legacy is set for protocol versions before 2025-06-18, which have no
// structuredContent, outputSchema or resource_link: the server sends the
// JSON in the text instead.
let legacy = false;

// sc returns the structured content of a tool result (before 2025-06-18:
// the JSON line of its text), failing on isError.
function sc(res, what) {
  const text = (res.content ?? []).filter(c => c.type === 'text').map(c => c.text).join('\n');
  check(!res.isError, `${what}: isError: ${text}`);
  if (legacy) {
    check(res.structuredContent === undefined, `${what}: structuredContent sent to a client before 2025-06-18`);
    check(!(res.content ?? []).some(c => c.type === 'resource_link'), `${what}: resource_link sent to a client before 2025-06-18`);
    const line = text.split('\n').find(l => l.startsWith('{'));
    check(line, `${what}: no JSON in the text (${text.slice(0, 200)})`);
    return JSON.parse(line);
  }
  check(res.structuredContent && typeof res.structuredContent === 'object', `${what}: no structuredContent (text: ${text.slice(0, 200)})`);
  return res.structuredContent;
}

function textOf(res) {
  return (res.content ?? []).filter(c => c.type === 'text').map(c => c.text).join('\n');
}

function pngSize(buf) {
  // IHDR is the first chunk: width and height are big-endian at 16 and 20.
  check(buf.length >= 24 && buf.subarray(0, 8).equals(PNG_SIGNATURE), 'bytes are not a PNG (signature)');
  check(buf.toString('latin1', 12, 16) === 'IHDR', 'PNG does not start with IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

function sphereCount(r) {
  let n = 0;
  for (let x = -r; x <= r; x++) for (let y = -r; y <= r; y++) for (let z = -r; z <= r; z++) {
    if (x * x + y * y + z * z <= r * r) n++;
  }
  return n;
}

// checkFile validates structuredContent.file of a render against the
// contract, then reads render://<id> and compares the bytes.
async function checkFile(client, file, want, what) {
  check(file && typeof file === 'object', `${what}: structuredContent.file missing`);
  for (const f of FILE_FIELDS) check(f in file, `${what}: structuredContent.file.${f} missing`);
  check(typeof file.path === 'string' && isAbsolute(file.path), `${what}: file.path ${file.path} is not absolute`);
  const id = basename(file.path).replace(/\.png$/, '');
  check(file.uri === `render://${id}`, `${what}: file.uri ${file.uri} is not render://${id}`);
  check(file.format === 'png', `${what}: file.format ${file.format}`);
  check(file.dimensions?.width === want.width && file.dimensions?.height === want.height,
    `${what}: file.dimensions ${JSON.stringify(file.dimensions)}, want ${want.width}x${want.height}`);
  check(/^sha256:[0-9a-f]{64}$/.test(file.checksum), `${what}: file.checksum ${file.checksum}`);
  check(Number.isInteger(file.size) && file.size > 0, `${what}: file.size ${file.size}`);
  check(Number.isInteger(file.created_at) && Number.isInteger(file.expires_at) && file.expires_at > file.created_at,
    `${what}: created_at ${file.created_at} expires_at ${file.expires_at}`);
  const ttl = file.expires_at - file.created_at;
  check(typeof file.ttl_remaining === 'number' && file.ttl_remaining > 0 && file.ttl_remaining <= ttl,
    `${what}: ttl_remaining ${file.ttl_remaining} not in (0, ${ttl}]`);

  const read = await client.readResource({ uri: file.uri });
  check(Array.isArray(read.contents) && read.contents.length === 1, `${what}: resources/read returned ${read.contents?.length} contents`);
  const c = read.contents[0];
  check(c.uri === file.uri, `${what}: resources/read uri ${c.uri}`);
  check(c.mimeType === 'image/png', `${what}: resources/read mimeType ${c.mimeType}`);
  check(typeof c.blob === 'string', `${what}: resources/read has no blob`);
  const bytes = Buffer.from(c.blob, 'base64');
  const dims = pngSize(bytes);
  check(dims.width === want.width && dims.height === want.height, `${what}: PNG is ${dims.width}x${dims.height}`);
  check(bytes.length === file.size, `${what}: resources/read gave ${bytes.length} bytes, file.size ${file.size}`);
  const sum = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
  check(sum === file.checksum, `${what}: sha256 of resources/read bytes ${sum} != file.checksum ${file.checksum}`);
  const disk = readFileSync(file.path);
  check(disk.equals(bytes), `${what}: resources/read bytes differ from ${file.path}`);
  return { uri: file.uri, size: file.size };
}

// checkRenderContent checks the content blocks common to every mode that
// keeps a file: the text names the path and the URI, and (from 2025-06-18)
// a resource_link points at the render.
function checkRenderContent(res, file, version, what) {
  const text = textOf(res);
  check(text.includes(file.path), `${what}: text block lacks the path ${file.path}`);
  check(text.includes(file.uri), `${what}: text block lacks the URI ${file.uri}`);
  const links = res.content.filter(c => c.type === 'resource_link');
  if (version >= '2025-06-18') {
    const link = links.find(l => l.uri === file.uri);
    check(link, `${what}: no resource_link to ${file.uri}`);
    check(link.mimeType === 'image/png', `${what}: resource_link mimeType ${link.mimeType}`);
  }
  return links.length;
}

function imageBlock(res) {
  const img = res.content.find(c => c.type === 'image');
  if (!img) return null;
  check(img.mimeType === 'image/png', `image block mimeType ${img.mimeType}`);
  return { ...pngSize(Buffer.from(img.data, 'base64')), base64Length: img.data.length };
}

async function runVersion(version) {
  legacy = version < '2025-06-18';
  const summary = { protocol: version, checks: [], failures: [] };
  const state = {};
  const transport = new StdioClientTransport({
    command: binary,
    args: [],
    env: serverEnv(),
    stderr: 'inherit',
    // No maxBufferSize: keep the SDK's 10 MiB per-message cap, as hosts
    // built on it do; a bigger message closes the session and fails here.
  });
  pinProtocol(transport, version, state);
  const client = new Client({ name: 'goxel-interop-ts', version: '1.32.2' }, { capabilities: {} });
  const ok = name => summary.checks.push(name);
  try {
    await client.connect(transport, { timeout: 20000 });
    summary.server = client.getServerVersion();
    summary.negotiated = state.negotiated;
    check(state.negotiated === version, `initialize: asked for ${version}, server answered ${state.negotiated}`);
    check(client.getServerCapabilities()?.tools, 'initialize: no tools capability');
    ok('initialize');

    const { tools } = await client.listTools();
    const byName = new Map(tools.map(t => [t.name, t]));
    for (const name of CORE_TOOLS) check(byName.has(name), `tools/list lacks ${name}`);
    for (const t of tools) {
      const a = t.annotations ?? {};
      for (const h of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']) {
        check(typeof a[h] === 'boolean', `tools/list: ${t.name} lacks annotations.${h}`);
      }
    }
    summary.tools = tools.length;
    summary.toolsWithOutputSchema = tools.filter(t => t.outputSchema).map(t => t.name);
    ok('tools/list');

    // Build a scene: a sphere and one voxel beside it, on a new project
    // (the server restores its autosaved scene at start-up).
    sc(await client.callTool({ name: 'create_project', arguments: { force: true } }), 'create_project');
    const r = 6;
    const fill = sc(await client.callTool({ name: 'fill_shape', arguments: { shape: 'sphere', center: [0, 0, 0], radius: r, color: '#3080FF' } }), 'fill_shape');
    check(fill.changed === sphereCount(r), `fill_shape changed ${fill.changed}, want ${sphereCount(r)}`);
    sc(await client.callTool({ name: 'add_voxels', arguments: { voxels: [[10, 0, 0, '#FF0000']] } }), 'add_voxels');
    const v = sc(await client.callTool({ name: 'get_voxel', arguments: { position: [10, 0, 0] } }), 'get_voxel');
    check(v.color === '#FF0000FF', `get_voxel color ${v.color}, want #FF0000FF`);
    const st = sc(await client.callTool({ name: 'get_status', arguments: {} }), 'get_status');
    check(st.voxels === sphereCount(r) + 1, `get_status voxels ${st.voxels}, want ${sphereCount(r) + 1}`);
    const bad = await client.callTool({ name: 'add_voxels', arguments: { voxels: [[0, 0, 0, '#12']] } });
    check(bad.isError === true && textOf(bad).length > 0, 'add_voxels with a bad colour is not an isError result');
    ok('scene');

    summary.renderAvailable = byName.has('render_scene');
    if (!summary.renderAvailable) {
      summary.render = 'skipped: render_scene not available yet';
      return summary;
    }
    const renderTool = byName.get('render_scene');
    const validate = renderTool.outputSchema ? new AjvJsonSchemaValidator().getValidator(renderTool.outputSchema) : null;
    const render = async (args, what, opts) => {
      const res = await client.callTool({ name: 'render_scene', arguments: args }, undefined, { timeout: 120000, ...opts });
      const s = sc(res, what);
      if (validate) {
        // The SDK has already validated; do it again so a silent skip shows.
        const v = validate(s);
        check(v.valid, `${what}: structuredContent does not match outputSchema: ${v.errorMessage}`);
      }
      return { res, s };
    };
    summary.outputSchemaValidated = Boolean(validate);
    summary.modes = {};

    // auto: a file, a link and an inline image.
    {
      const want = { width: 256, height: 192 };
      const { res, s } = await render({ ...want, view: 'isometric', options: { return_mode: 'auto' } }, 'render auto');
      const links = checkRenderContent(res, s.file, version, 'render auto');
      const img = imageBlock(res);
      check(img, 'render auto: no inline image block');
      check(img.width === want.width && img.height === want.height, `render auto: inline image ${img.width}x${img.height}`);
      const read = await checkFile(client, s.file, want, 'render auto');
      summary.modes.auto = { ...read, resourceLinks: links, inline: img };
      ok('render auto');
    }
    // auto with a big render: the inline image is a preview that fits the
    // hosts (Claude Desktop refuses results over 1 MiB; vision downscales
    // anything over 1568 px anyway), while the file keeps every pixel.
    {
      const want = { width: 2400, height: 1800 };
      const { res, s } = await render({ ...want, view: 'isometric', options: { return_mode: 'auto' } }, 'render auto big');
      const img = imageBlock(res);
      check(img, 'render auto big: no inline preview');
      check(Math.max(img.width, img.height) <= 1568, `render auto big: inline preview is ${img.width}x${img.height}, long edge over 1568`);
      const bytes = Buffer.byteLength(JSON.stringify(res));
      check(bytes < 1 << 20, `render auto big: result is ${bytes} bytes, over Claude Desktop's 1 MiB`);
      checkRenderContent(res, s.file, version, 'render auto big');
      summary.modes.autoBig = { ...(await checkFile(client, s.file, want, 'render auto big')), inline: img, resultBytes: bytes };
      ok('render auto big');
    }
    // file_path: a file and a link, no image.
    {
      const want = { width: 320, height: 240 };
      const { res, s } = await render({ ...want, view: 'front', options: { return_mode: 'file_path' } }, 'render file_path');
      const links = checkRenderContent(res, s.file, version, 'render file_path');
      check(!res.content.some(c => c.type === 'image'), 'render file_path: has an inline image block');
      summary.modes.file_path = { ...(await checkFile(client, s.file, want, 'render file_path')), resourceLinks: links };
      ok('render file_path');
    }
    // The render tools agree with the file; after cleanup_render the
    // resource is gone and reading it is an error, not a hang.
    {
      const file = summary.modes.file_path;
      const info = sc(await client.callTool({ name: 'get_render_info', arguments: { uri: file.uri } }), 'get_render_info');
      const infoFile = info.file ?? info;
      check(infoFile.size === file.size, `get_render_info size ${infoFile.size}, want ${file.size}`);
      const list = sc(await client.callTool({ name: 'list_renders', arguments: {} }), 'list_renders');
      check(Number.isInteger(list.count) && list.count >= 2 && Array.isArray(list.renders), `list_renders ${JSON.stringify(list).slice(0, 200)}`);
      check(list.renders.some(r => r.uri === file.uri), `list_renders lacks ${file.uri}`);
      const freed = sc(await client.callTool({ name: 'cleanup_render', arguments: { uri: file.uri } }), 'cleanup_render');
      check(freed.freed_bytes === file.size, `cleanup_render freed_bytes ${freed.freed_bytes}, want ${file.size}`);
      const gone = await client.readResource({ uri: file.uri }).then(() => null, e => e);
      check(gone, `resources/read of ${file.uri} after cleanup_render succeeded`);
      summary.readAfterCleanup = String(gone.message ?? gone);
      ok('render tools');
    }
    // base64: the full image inline.
    {
      const want = { width: 200, height: 150 };
      const { res } = await render({ ...want, view: 'top', options: { return_mode: 'base64' } }, 'render base64');
      const img = imageBlock(res);
      check(img, 'render base64: no inline image block');
      check(img.width === want.width && img.height === want.height, `render base64: image is ${img.width}x${img.height}`);
      summary.modes.base64 = { inline: img, blocks: res.content.map(c => c.type) };
      ok('render base64');
    }
    // A render the server refuses stays a readable tool error.
    {
      const res = await client.callTool({ name: 'render_scene', arguments: { width: 0 } });
      check(res.isError === true && /width/.test(textOf(res)), `render width 0: want an isError naming width, got ${JSON.stringify(res.content).slice(0, 200)}`);
      ok('render error');
    }
    // Progress and cancellation: a big render, aborted once it reports
    // progress (or after a moment when it reports none).
    {
      const ac = new AbortController();
      const progress = [];
      let first;
      const gotProgress = new Promise(resolve => { first = resolve; });
      const started = Date.now();
      const call = client.callTool(
        { name: 'render_scene', arguments: { width: 8000, height: 8000, views: ['front', 'back', 'left', 'right', 'top', 'isometric'], options: { return_mode: 'file_path' } } },
        undefined,
        { signal: ac.signal, timeout: 120000, onprogress: p => { progress.push(p); first(); } },
      );
      const outcome = call.then(() => 'completed', e => e);
      // The server reports progress 0 before the heavy work, so waiting
      // for it means the render is under way when we abort.
      const waited = await Promise.race([gotProgress.then(() => 'progress'), outcome.then(() => 'settled'), new Promise(r => setTimeout(() => r('timeout'), 10000))]);
      ac.abort('interop test cancels the long render');
      const result = await outcome;
      summary.cancel = { waited, afterMs: Date.now() - started, progress: progress.length, firstProgress: progress[0] };
      check(progress.length > 0, `progress: no notifications/progress during ${summary.cancel.afterMs} ms of an 8000x8000 render (${waited})`);
      check(result !== 'completed', `cancel: the 8000x8000 render finished in ${summary.cancel.afterMs} ms before it could be aborted`);
      summary.cancel.error = String(result?.message ?? result);
      const alive = sc(await client.callTool({ name: 'get_status', arguments: {} }, undefined, { timeout: 30000 }), 'get_status after cancel');
      check(alive.voxels === sphereCount(r) + 1, `get_status after cancel: voxels ${alive.voxels}`);
      ok('cancel');
      ok('progress');
    }
  } catch (e) {
    summary.failures.push(e instanceof CheckError ? e.message : `${e?.name ?? 'Error'}: ${e?.message ?? e}`);
  } finally {
    await client.close().catch(() => {}); // best effort: the server may be gone already
  }
  return summary;
}

const results = [];
for (const v of versions) {
  log(`protocol ${v}`);
  results.push(await runVersion(v));
}
const failed = results.flatMap(r => r.failures.map(f => `${r.protocol}: ${f}`));
process.stdout.write(JSON.stringify({ ok: failed.length === 0, sdk: '1.32.2', results }) + '\n');
for (const f of failed) process.stderr.write(`FAIL ${f}\n`);
process.exit(failed.length === 0 ? 0 : 1);
