import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGS, renderCatalogMarkdown } from '../../src/normalize/index.js';

describe('docs/catalog.md', () => {
  const committed = readFileSync(new URL('../../docs/catalog.md', import.meta.url), 'utf8');

  it('is what the catalog generates (run `npm run gen:docs` after changing a table)', () => {
    expect(committed).toBe(renderCatalogMarkdown());
  });

  it('lists every row of every provider', () => {
    for (const catalog of Object.values(CATALOGS)) {
      for (const row of catalog.rows) expect(committed).toContain(row.doc.replace(/\|/g, '\\|'));
    }
  });
});
