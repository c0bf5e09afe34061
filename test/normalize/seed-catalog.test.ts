import { describe, expect, it } from 'vitest';
import { CATALOGS, PROVIDERS, STATUS_ROWS } from '../../src/normalize/index.js';
import type { CatalogRow } from '../../src/normalize/index.js';
import { classifyResponse, classifyThrown } from '../../src/normalize/normalize.js';
import type { Classification } from '../../src/normalize/normalize.js';
import { relayCases } from './cases/relay.js';
import { sendfleetCases } from './cases/sendfleet.js';
import { sesCases } from './cases/ses.js';
import { scaisendCases } from './cases/scaisend.js';
import { resendCases } from './cases/resend.js';
import { statusCases } from './cases/status.js';
import { sendgridCases } from './cases/sendgrid.js';
import { mailgunCases } from './cases/mailgun.js';
import { postmarkCases } from './cases/postmark.js';
import { NOW } from './cases/types.js';
import type { SeedCase } from './cases/types.js';

const CASES_BY_PROVIDER = {
  relay: relayCases,
  sendfleet: sendfleetCases,
  ses: sesCases,
  scaisend: scaisendCases,
  resend: resendCases,
  sendgrid: sendgridCases,
  mailgun: mailgunCases,
  postmark: postmarkCases,
} as const;

function classify(c: SeedCase): Classification {
  if (c.response) return classifyResponse(c.provider, c.response, { now: NOW });
  return classifyThrown(c.provider, c.thrown, { now: NOW });
}

function check(c: SeedCase): void {
  const { error } = classify(c);
  expect(error.code).toBe(c.expect.code);
  expect(error.category).toBe(c.expect.code.split('.')[0]);
  expect(error.provider).toBe(c.provider);
  if (c.expect.providerCode !== undefined) expect(error.providerCode).toBe(c.expect.providerCode);
  if (c.expect.retry !== undefined) expect(error.retry).toBe(c.expect.retry);
  if (c.expect.retryAfterMs !== undefined) expect(error.retryAfterMs).toBe(c.expect.retryAfterMs);
  if (c.expect.message !== undefined) expect(error.message).toContain(c.expect.message);
  const status = c.expect.status !== undefined ? c.expect.status : (c.response?.status ?? null);
  if (c.response || c.expect.status !== undefined) expect(error.status).toBe(status);
  // No address survives into the message.
  expect(error.message).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.]+/);
}

describe.each(PROVIDERS)('%s catalog against its seed', (provider) => {
  const cases = CASES_BY_PROVIDER[provider];

  it.each(cases.map((c) => [c.seed, c] as const))('%s', (_seed, c) => check(c));

  it('exercises every row of the table with at least one case', () => {
    const hit = new Set<CatalogRow>();
    for (const c of cases) {
      const { row } = classify(c);
      if (row) hit.add(row);
    }
    const missed = CATALOGS[provider].rows.filter((row) => !hit.has(row)).map((row) => `${row.providerCode ?? '(none)'} ${row.status ?? ''} ${row.message ?? ''}`);
    expect(missed).toEqual([]);
  });
});

describe('the shared status table, for bodies with no code', () => {
  it.each(statusCases.map((c) => [c.seed, c] as const))('%s', (_seed, c) => check(c));

  it('exercises every status row', () => {
    const hit = new Set<CatalogRow>();
    for (const c of [...statusCases, ...Object.values(CASES_BY_PROVIDER).flat()]) {
      const { row } = classify(c);
      if (row) hit.add(row);
    }
    expect(STATUS_ROWS.filter((row) => !hit.has(row)).map((row) => row.status)).toEqual([]);
  });
});

describe('catalog tables', () => {
  it.each(PROVIDERS)('%s has no row that an earlier row hides', (provider) => {
    // A row is dead when an earlier row matches everything it matches.
    const rows = CATALOGS[provider].rows;
    const covers = (a: CatalogRow, b: CatalogRow) =>
      (a.providerCode === '*' || a.providerCode === b.providerCode) &&
      (a.status === undefined || a.status === b.status) &&
      (a.message === undefined || (b.message !== undefined && a.message.source === b.message.source));
    const hidden = rows.filter((row, i) => rows.slice(0, i).some((earlier) => covers(earlier, row)));
    expect(hidden).toEqual([]);
  });
});
