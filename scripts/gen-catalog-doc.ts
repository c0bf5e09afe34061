// Writes docs/catalog.md from the catalog tables (test/normalize/catalog-doc.test.ts fails when it is stale).
import { writeFileSync } from 'node:fs';
import { renderCatalogMarkdown } from '../src/normalize/index.js';

const target = new URL('../docs/catalog.md', import.meta.url);
writeFileSync(target, renderCatalogMarkdown());
console.log(`wrote ${target.pathname}`);
