import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { CATALOGS, normalizedErrorJsonSchema, normalizeResponse, normalizeThrown, renderCatalogMarkdown } from '../../src/normalize/index.js';
import { sesCases } from './cases/ses.js';
import { sendfleetCases } from './cases/sendfleet.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('docs/catalog.md', () => {
  const committed = read('docs/catalog.md');

  it('is what the catalog generates (run `npm run generate` after changing a table)', () => {
    expect(committed).toBe(renderCatalogMarkdown());
  });

  it('lists every row of every provider', () => {
    for (const catalog of Object.values(CATALOGS)) {
      for (const row of catalog.rows) expect(committed).toContain(row.doc.replace(/\|/g, '\\|'));
    }
  });
});

describe('schemas/normalized-error.v1.json', () => {
  const committed = JSON.parse(read('schemas/normalized-error.v1.json')) as Record<string, unknown>;

  it('is what the taxonomy generates (run `npm run generate`)', () => {
    expect(committed).toEqual(normalizedErrorJsonSchema());
  });

  it('accepts what the normalizer produces and refuses what it must not', () => {
    const validate = new Ajv2020({ allErrors: true }).compile(committed);
    for (const c of [...sesCases, ...sendfleetCases]) {
      const normalized = c.response ? normalizeResponse(c.provider, c.response) : normalizeThrown(c.provider, c.thrown);
      expect(validate(JSON.parse(JSON.stringify(normalized))), JSON.stringify(validate.errors)).toBe(true);
    }
    const good = normalizeResponse('relay', { status: 500 });
    expect(validate({ ...good, code: 'auth.made_up' })).toBe(false);
    expect(validate({ ...good, extra: 1 })).toBe(false);
  });
});
