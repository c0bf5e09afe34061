// Writes what is generated from the catalog: docs/catalog.md and schemas/normalized-error.v1.json.
// test/normalize/generated.test.ts fails when either is stale.
import { writeFileSync } from 'node:fs';
import { normalizedErrorJsonSchema, renderCatalogMarkdown } from '../src/normalize/index.js';

const outputs: [URL, string][] = [
  [new URL('../docs/catalog.md', import.meta.url), renderCatalogMarkdown()],
  [new URL('../schemas/normalized-error.v1.json', import.meta.url), `${JSON.stringify(normalizedErrorJsonSchema(), null, 2)}\n`],
];
for (const [target, content] of outputs) {
  writeFileSync(target, content);
  console.log(`wrote ${target.pathname}`);
}
