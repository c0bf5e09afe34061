#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run on `npm install`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('sendlens: dist/ is missing; run `npm run build` first\n');
  process.exit(1);
}
await import(entry.href);
