import { describe, expect, it } from 'vitest';
import { CATALOGS, PROVIDERS, STATUS_CLASS_ROWS, STATUS_ROWS } from '../../src/normalize/index.js';
import type { CatalogRow } from '../../src/normalize/index.js';
import { classifyResponse, classifyThrown } from '../../src/normalize/normalize.js';
import type { Classification } from '../../src/normalize/normalize.js';
import { relayCases } from './cases/relay.js';
import { sendfleetCases } from './cases/sendfleet.js';
import { sesCases } from './cases/ses.js';
import { scaisendCases } from './cases/scaisend.js';
import { resendCases } from './cases/resend.js';
import { smtpCases } from './cases/smtp.js';
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
  smtp: smtpCases,
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

describe('the shared status table and the status class, when no provider row matched', () => {
  it.each(statusCases.map((c) => [c.seed, c] as const))('%s', (_seed, c) => check(c));

  it('exercises every status row', () => {
    const hit = new Set<CatalogRow>();
    for (const c of [...statusCases, ...Object.values(CASES_BY_PROVIDER).flat()]) {
      const { row } = classify(c);
      if (row) hit.add(row);
    }
    expect(STATUS_ROWS.filter((row) => !hit.has(row)).map((row) => row.status)).toEqual([]);
    expect(STATUS_CLASS_ROWS.filter((row) => !hit.has(row)).map((row) => row.statusRange)).toEqual([]);
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

describe('spellings and case: one mechanism for every catalog', () => {
  const rowCodes = (provider: (typeof PROVIDERS)[number]) =>
    CATALOGS[provider].rows.map((row) => row.providerCode).filter((code): code is string => code !== null && code !== '*');

  it.each(PROVIDERS)('%s: every spelling belongs to one row code and is no row code itself', (provider) => {
    const catalog = CATALOGS[provider];
    const fold = (code: string) => (catalog.codesIgnoreCase ? code.toLowerCase() : code);
    const codes = new Set(rowCodes(provider).map(fold));
    const seen = new Set<string>();
    for (const [rowCode, others] of Object.entries(catalog.spellings ?? {})) {
      expect(codes.has(fold(rowCode)), `${rowCode} has spellings but no row`).toBe(true);
      for (const other of others) {
        expect(codes.has(fold(other)), `${other} is a row code and a spelling`).toBe(false);
        expect(seen.has(fold(other)), `${other} is listed twice`).toBe(false);
        seen.add(fold(other));
      }
    }
  });

  it.each(PROVIDERS.filter((p) => CATALOGS[p].codesIgnoreCase))('%s: no two row codes differ only in case', (provider) => {
    const distinct = [...new Set(rowCodes(provider))];
    expect(new Set(distinct.map((code) => code.toLowerCase())).size).toBe(distinct.length);
  });

  it('every spelling is classified exactly as its row code, whatever the status and message', () => {
    const messages = ['Daily message quota exceeded.', 'Maximum sending rate exceeded.', 'Email address is not verified.', 'Sending paused for this account.', 'Something else.'];
    for (const provider of PROVIDERS) {
      for (const [rowCode, others] of Object.entries(CATALOGS[provider].spellings ?? {})) {
        for (const other of others) {
          for (const status of [400, 403, 429, 500, 503]) {
            for (const message of messages) {
              const as = (name: string) => {
                const { error, row } = classifyThrown(provider, Object.assign(new Error(message), { name, code: name, $metadata: { httpStatusCode: status } }), { now: NOW });
                return [error.code, error.retry, row];
              };
              expect(as(other), `${other} vs ${rowCode} ${status} ${message}`).toEqual(as(rowCode));
            }
          }
        }
      }
    }
  });
});
