// Builds viewer.html: src/viewer.js bundled with three.js and the MCP Apps
// App SDK (@modelcontextprotocol/ext-apps) by esbuild, inlined into
// src/index.html, so the page needs no network at all (the extension's
// default CSP allows inline scripts and styles and no connections).
//
//   npm ci && npm run build      (from internal/viewer)
//
// The output is committed and embedded in the binary (viewer.go); CI
// rebuilds it and fails when the committed file differs. The build is
// deterministic for the versions pinned in package-lock.json.
import { build } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

const result = await build({
  entryPoints: [join(here, "src/viewer.js")],
  bundle: true,
  format: "iife",
  platform: "browser",
  target: ["es2022"],
  minify: true,
  legalComments: "eof",
  charset: "utf8",
  write: false,
  logLevel: "warning",
});
let js = result.outputFiles[0].text;

// An inline script ends at the first "</script"; esbuild escapes it in
// strings, but check rather than trust.
if (/<\/script/i.test(js)) throw new Error("the bundle contains </script");

const template = readFileSync(join(here, "src/index.html"), "utf8");
const marker = "<script>/*BUNDLE*/</script>";
if (!template.includes(marker)) throw new Error(`src/index.html lacks ${marker}`);
const html = template.replace(marker, () => `<script>${js.trimEnd()}</script>`);
writeFileSync(join(here, "viewer.html"), html);
console.log(`viewer.html: ${html.length} bytes`);
