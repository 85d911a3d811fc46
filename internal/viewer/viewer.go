// Package viewer holds the MCP Apps view of the scene: one self-contained
// HTML document (three.js and the ext-apps App SDK bundled in, no network
// URL loaded), embedded in the binary so `go install` needs no Node.
//
// viewer.html is built from src/ by build.mjs (npm ci && npm run build in
// this directory) and committed; CI rebuilds it and fails when the
// committed file differs. docs/viewer.md describes what the view does and
// which tools it calls.
package viewer

import _ "embed"

// URI is the viewer's resource URI, fixed by the contract.
const URI = "ui://goxel/viewer.html"

// MIMEType is the MCP Apps HTML profile (io.modelcontextprotocol/ui).
const MIMEType = "text/html;profile=mcp-app"

// HTML is the built viewer document.
//
//go:embed viewer.html
var HTML string
