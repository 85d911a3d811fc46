#!/usr/bin/env node
// ts_legacy_client.mjs drives a goxel-mcp binary with the TypeScript SDK
// 1.12.3 (installed as the npm alias mcp-sdk-legacy), whose newest protocol
// is 2025-03-26: it knows no resource_link block and requires structured
// content from any tool that declares an outputSchema, so a server that
// sends either to it makes callTool throw. It prints one JSON summary line
// on stdout and exits 1 with a FAIL line per failed check on stderr.
//
//   node ts_legacy_client.mjs /path/to/goxel-mcp

import { readFileSync } from 'node:fs';
import { Client } from 'mcp-sdk-legacy/client/index.js';
import { StdioClientTransport } from 'mcp-sdk-legacy/client/stdio.js';
import { LATEST_PROTOCOL_VERSION } from 'mcp-sdk-legacy/types.js';

const binary = process.argv[2];
if (!binary) {
  process.stderr.write('usage: node ts_legacy_client.mjs BINARY\n');
  process.exit(2);
}

class CheckError extends Error {}
function check(cond, msg) {
  if (!cond) throw new CheckError(msg);
}

function serverEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('GOXEL_') || k === 'HOME' || k === 'PATH' || k === 'TMPDIR') env[k] = v;
  }
  return env;
}

const textOf = res => (res.content ?? []).filter(c => c.type === 'text').map(c => c.text).join('\n');

function pngSize(b64) {
  const b = Buffer.from(b64, 'base64');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

const summary = { sdk: '1.12.3', protocol: LATEST_PROTOCOL_VERSION, checks: [], failures: [], modes: {} };
const ok = name => summary.checks.push(name);
const transport = new StdioClientTransport({ command: binary, args: [], env: serverEnv(), stderr: 'inherit' });
let negotiated;
let handler;
Object.defineProperty(transport, 'onmessage', {
  configurable: true,
  get: () => handler,
  set: fn => {
    handler = fn && ((message, extra) => {
      if (message.result?.protocolVersion) negotiated = message.result.protocolVersion;
      return fn(message, extra);
    });
  },
});
const client = new Client({ name: 'goxel-interop-ts-legacy', version: '1.12.3' }, { capabilities: {} });
try {
  await client.connect(transport, { timeout: 20000 });
  summary.negotiated = negotiated;
  check(negotiated === '2025-03-26', `initialize: server answered ${negotiated}`);
  ok('initialize');

  const { tools } = await client.listTools();
  check(tools.some(t => t.name === 'render_scene'), 'tools/list lacks render_scene');
  const withSchema = tools.filter(t => t.outputSchema).map(t => t.name);
  check(withSchema.length === 0, `tools/list: outputSchema on ${withSchema}`);
  ok('tools/list');

  const call = async (name, args) => {
    const res = await client.callTool({ name, arguments: args }, undefined, { timeout: 120000 });
    check(!res.isError, `${name}: isError ${textOf(res).slice(0, 300)}`);
    check(res.structuredContent === undefined, `${name}: structuredContent sent to a 2025-03-26 client`);
    const types = res.content.map(c => c.type);
    check(!types.includes('resource_link'), `${name}: resource_link sent to a 2025-03-26 client`);
    return { res, types, text: textOf(res) };
  };
  await call('create_project', { force: true });
  await call('fill_shape', { shape: 'sphere', center: [0, 0, 0], radius: 6, color: '#3080FF' });
  ok('scene');

  for (const mode of ['auto', 'file_path', 'base64']) {
    const want = { width: 160, height: 120 };
    const { res, types, text } = await call('render_scene', { ...want, view: 'isometric', options: { return_mode: mode } });
    const img = res.content.find(c => c.type === 'image');
    const entry = { types };
    if (mode !== 'base64') {
      const uri = text.match(/render:\/\/[A-Za-z0-9_]+/)?.[0];
      const path = text.match(/File: (\S+\.png)/)?.[1];
      check(uri, `render ${mode}: the text has no render:// URI: ${text.slice(0, 300)}`);
      check(path, `render ${mode}: the text has no path: ${text.slice(0, 300)}`);
      const read = await client.readResource({ uri });
      check(read.contents?.[0]?.blob, `render ${mode}: resources/read ${uri} has no blob`);
      check(Buffer.from(read.contents[0].blob, 'base64').equals(readFileSync(path)), `render ${mode}: resources/read differs from ${path}`);
      Object.assign(entry, { uri, path });
    }
    if (mode === 'file_path') check(!img, 'render file_path: an inline image');
    else {
      check(img, `render ${mode}: no inline image`);
      const size = pngSize(img.data);
      check(size.width === want.width && size.height === want.height, `render ${mode}: inline image ${size.width}x${size.height}`);
    }
    summary.modes[mode] = entry;
    ok(`render ${mode}`);
  }
} catch (e) {
  summary.failures.push(e instanceof CheckError ? e.message : `${e?.name ?? 'Error'}: ${e?.message ?? e}`);
} finally {
  await client.close().catch(() => {}); // best effort: the server may be gone already
}
process.stdout.write(JSON.stringify({ ok: summary.failures.length === 0, ...summary }) + '\n');
for (const f of summary.failures) process.stderr.write(`FAIL ${f}\n`);
process.exit(summary.failures.length === 0 ? 0 : 1);
