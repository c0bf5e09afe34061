import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_CODES, CATALOGS, MAX_MESSAGE_CHARS, PROVIDERS, RETRY_CLASSES, normalizeResponse, normalizeThrown } from '../../src/normalize/index.js';
import type { NormalizedError } from '../../src/normalize/index.js';

const RUNS = 10_000;

function wellFormed(result: NormalizedError): void {
  expect(ALL_CODES).toContain(result.code);
  expect(result.code.startsWith(`${result.category}.`)).toBe(true);
  expect(RETRY_CLASSES).toContain(result.retry);
  expect(PROVIDERS).toContain(result.provider);
  expect(typeof result.message).toBe('string');
  expect(result.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
  expect(result.message.startsWith('[normalizer error]')).toBe(false);
  if (result.retryAfterMs !== null) expect(Number.isInteger(result.retryAfterMs) && result.retryAfterMs >= 0).toBe(true);
  if (result.status !== null) expect(result.status >= 100 && result.status <= 599).toBe(true);
}

const provider = fc.constantFrom(...PROVIDERS);
const codeLike = fc.oneof(
  fc.constantFrom('rate_limited', 'validation_error', 'Throttling', 'MessageRejected', 'unauthorized', 'missing', 'usage_limit_exceeded', '*', ''),
  fc.string({ maxLength: 40 }),
);
const messageLike = fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('Daily message quota exceeded.', 'JWT expired', 'Tenant suspended', 'Expected available in 99999999999 seconds.'));
const jsonish: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.record({ error: fc.oneof(codeLike, fc.record({ code: codeLike, message: messageLike }), fc.jsonValue()) }, { requiredKeys: [] }),
  fc.record({ success: fc.boolean(), error: codeLike, detail: fc.oneof(messageLike, fc.array(fc.record({ loc: fc.array(fc.oneof(fc.string(), fc.integer())), msg: messageLike, type: codeLike }, { requiredKeys: [] }))) }, { requiredKeys: [] }),
  fc.record({ statusCode: fc.integer(), name: codeLike, message: messageLike }, { requiredKeys: [] }),
  fc.record({ errors: fc.array(fc.record({ message: fc.jsonValue(), field: fc.jsonValue() }, { requiredKeys: [] })) }, { requiredKeys: [] }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.array(fc.string({ maxLength: 20 }))),
);
const xmlish = fc.tuple(codeLike, messageLike).map(([code, message]) => `<ErrorResponse><Error><Code>${code}</Code><Message>${message}</Message></Error></ErrorResponse>`);
const body: fc.Arbitrary<unknown> = fc.oneof(
  jsonish,
  jsonish.map((value) => JSON.stringify(value) ?? ''),
  jsonish.map((value) => (JSON.stringify(value) ?? '').slice(0, 7)), // truncated JSON
  xmlish,
  fc.string({ maxLength: 300 }).map((s) => `<html><head><title>${s}</title></head></html>`),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }),
  fc.constantFrom(undefined, null, '', '   ', '<', '{', '"', '<html', '&#xFFFFFFFF;'),
);
const headerValue = fc.oneof(fc.string({ maxLength: 40 }), fc.integer().map(String), fc.constantFrom('Wed, 21 Oct 2015 07:28:00 GMT', '1e309', '-5', '99999999999999'));
const headers: fc.Arbitrary<unknown> = fc.oneof(
  fc.dictionary(fc.constantFrom('retry-after', 'Retry-After', 'x-ratelimit-reset', 'ratelimit-reset', 'ratelimit-remaining', 'x-amzn-errortype', 'x-other'), headerValue),
  fc.array(fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }))),
  fc.anything(),
);

describe('the normalizer never throws, whatever it is given', () => {
  it(`HTTP answers (${RUNS} generated)`, () => {
    fc.assert(
      fc.property(provider, fc.oneof(fc.integer({ min: 100, max: 599 }), fc.integer(), fc.double()), headers, body, (p, status, h, b) => {
        wellFormed(normalizeResponse(p, { status, headers: h, body: b }));
      }),
      { numRuns: RUNS },
    );
  });

  it(`thrown values (${RUNS} generated)`, () => {
    const errorLike = fc.oneof(
      fc.anything(),
      fc.record(
        {
          name: codeLike,
          code: codeLike,
          message: fc.oneof(messageLike, fc.anything()),
          statusCode: fc.anything(),
          $metadata: fc.oneof(fc.record({ httpStatusCode: fc.oneof(fc.integer({ min: 100, max: 599 }), fc.anything()) }), fc.anything()),
          cause: fc.anything(),
          errors: fc.anything(),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(provider, errorLike, (p, thrown) => {
        wellFormed(normalizeThrown(p, thrown));
      }),
      { numRuns: RUNS },
    );
  });

  it('survives hostile objects: throwing getters, proxies, cycles', () => {
    const hostile = new Proxy({}, { get: () => { throw new Error('boom'); } });
    const cyclic: Record<string, unknown> = { code: 'ECONNRESET_NOT' };
    cyclic.cause = cyclic;
    for (const p of PROVIDERS) {
      wellFormed(normalizeThrown(p, hostile));
      wellFormed(normalizeThrown(p, cyclic));
      wellFormed(normalizeResponse(p, { status: 500, headers: hostile, body: hostile }));
    }
  });

  it('an unknown code keeps the raw code and reads as its status alone would (never unmapped for 400–599)', () => {
    // SendGrid and Mailgun send no codes at all, and Postmark's are numbers (its own property below).
    const withTextCodes = fc.constantFrom('relay', 'sendfleet', 'ses', 'scaisend', 'resend', 'smtp') satisfies fc.Arbitrary<(typeof PROVIDERS)[number]>;
    fc.assert(
      fc.property(withTextCodes, fc.stringMatching(/^zz_[a-z_]{1,20}$/), fc.integer({ min: 400, max: 599 }), (p, code, status) => {
        const bodies = { relay: { error: { code } }, sendfleet: { error: code }, ses: `<ErrorResponse><Error><Code>${code}</Code></Error></ErrorResponse>`, scaisend: { detail: [{ type: code, loc: [], msg: '' }] }, resend: { name: code }, smtp: { code } };
        const result = normalizeResponse(p, { status, body: bodies[p] });
        expect(result.providerCode).toBe(code);
        expect(result.code).not.toBe('unknown.unmapped');
        const statusAlone = normalizeResponse(p, { status, body: '' });
        expect([result.code, result.retry]).toEqual([statusAlone.code, statusAlone.retry]);
      }),
      { numRuns: 2_000 },
    );
  });

  it('keeps an unknown Postmark ErrorCode as the raw code, read as its status alone would be', () => {
    const known = new Set(CATALOGS.postmark.rows.map((row) => row.providerCode));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99_999 }).filter((n) => !known.has(String(n))), fc.integer({ min: 400, max: 599 }), (errorCode, status) => {
        const result = normalizeResponse('postmark', { status, body: { ErrorCode: errorCode, Message: 'something new' } });
        expect(result.providerCode).toBe(String(errorCode));
        expect(result.code).not.toBe('unknown.unmapped');
        const statusAlone = normalizeResponse('postmark', { status, body: '' });
        expect([result.code, result.retry]).toEqual([statusAlone.code, statusAlone.retry]);
      }),
      { numRuns: 2_000 },
    );
  });

  it('never lets an e-mail address through into the message', () => {
    const address = fc.tuple(fc.stringMatching(/^[a-z0-9._%+-]{1,20}$/), fc.stringMatching(/^[a-z0-9-]{1,15}$/), fc.constantFrom('com', 'io', 'co.uk', 'example')).map(([local, host, tld]) => `${local}@${host}.${tld}`);
    fc.assert(
      fc.property(provider, fc.string({ maxLength: 50 }), address, fc.string({ maxLength: 50 }), (p, before, email, after) => {
        const result = normalizeResponse(p, { status: 400, body: { message: `${before} ${email} ${after}`, detail: `${before} ${email} ${after}`, error: { code: 'x', message: `${before} ${email} ${after}` } } });
        expect(result.message).not.toContain(email);
      }),
      { numRuns: 2_000 },
    );
  });
});
