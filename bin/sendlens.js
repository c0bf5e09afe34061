#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run on `npm install`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The pipeline's dependencies (the OpenTelemetry SDK 3.x line among them) need Node.js ≥ 22.15;
// an older runtime fails somewhere deep, so say what to do before loading anything.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 15)) {
  process.stderr.write(`sendlens: needs Node.js 22.15 or newer (24 recommended), this is ${process.version}; in a clone, \`. scripts/node/use-node.sh\` puts Node 24 on this shell's PATH\n`);
  process.exit(1);
}

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('sendlens: dist/ is missing; run `npm run build` first\n');
  process.exit(1);
}
await import(entry.href);
