import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EVENT_RETENTION_DAYS,
  MAX_AHEAD_OF_RECEIPT_MS,
  MAX_LATENCY_MS,
  contractValidator,
  onReceipt,
  receiptFromEnv,
  uuidv7,
  validateDeliveryEvent,
  validateSendEvent,
} from '../../src/events/index.js';
import type { DeliveryEvent, Receipt, SendEvent } from '../../src/events/index.js';
import { ALL_CODES, CATEGORIES, categoryOf } from '../../src/normalize/index.js';
import { DEFAULT_RETENTION_DAYS } from '../../src/store/index.js';
import { sampleDeliveryEvent, sampleEvent } from '../helpers/events.js';

/**
 * The contracts refuse what the ClickHouse columns cannot hold (issue 15,
 * item 5). Each finding below was accepted before and silently mangled by the
 * store: a time the TTL deletes at once, a Float32 `inf`, a UInt32 wrap, a
 * code filed under another category.
 */
const DAY = 86_400_000;
/** A fixed receipt, one week after sampleEvent's occurred_at (2026-11-22T12:00:00.123Z): no test here reads the clock. */
const RECEIVED_AT = Date.parse('2026-11-29T12:00:00.123Z');
const RECEIPT: Receipt = { receivedAt: RECEIVED_AT, retentionDays: 90 };
const iso = (ms: number) => new Date(ms).toISOString();

function refusal(result: { ok: boolean; reason?: string }): string {
  expect(result.ok).toBe(false);
  return result.reason ?? '';
}

describe('the send-event contract refuses what the columns cannot hold', () => {
  it.each<[string, Partial<Record<keyof SendEvent, unknown>>, RegExp]>([
    ['occurred_at in year 9999 (more than a day ahead of receipt)', { occurred_at: '9999-12-31T23:59:59.999Z' }, /^\/occurred_at 9999-12-31T23:59:59\.999Z is more than 24 h after its receipt \(2026-11-29T12:00:00\.123Z\)/],
    ['occurred_at in 1970 (the TTL would delete it on arrival)', { occurred_at: '1970-01-01T00:00:00.000Z' }, /^\/occurred_at 1970-01-01T00:00:00\.000Z is older than the 90-day retention \(SENDLENS_RETENTION_DAYS\)/],
    ['latency_ms 1e300 (Float32 inf)', { latency_ms: 1e300 }, /^\/latency_ms must be <= 86400000$/],
    ['a negative latency_ms', { latency_ms: -0.5 }, /^\/latency_ms must be >= 0$/],
    ['retry_after_ms 2^32 + 5 (UInt32 wrap to 5)', { retry_after_ms: 2 ** 32 + 5 }, /^\/retry_after_ms must be <= 4294967295$/],
    ['a code of another category', { code: 'auth.invalid_credentials', category: 'throttling' }, /^\/code auth\.invalid_credentials is not a code of category throttling \(a code belongs to its category/],
    ['a code without its category', { category: null }, /^\/code throttling\.rate_limited is not a code of category null \(a code belongs to its category/],
    ['a category without its code', { code: null }, /^\/code null is not a code of category throttling \(a code belongs to its category/],
  ])('refuses %s, saying why', (_what, overrides, reason) => {
    expect(refusal(validateSendEvent({ ...sampleEvent(), ...overrides }, RECEIPT))).toMatch(reason);
  });

  it('refuses a number JSON.parse turns into Infinity', () => {
    const text = JSON.stringify(sampleEvent()).replace('"latency_ms":41.7', '"latency_ms":1e400');
    const parsed = JSON.parse(text) as { latency_ms: number };
    expect(parsed.latency_ms).toBe(Infinity);
    expect(refusal(validateSendEvent(parsed, RECEIPT))).toMatch(/^\/latency_ms must be number$/);
  });

  it('accepts the edges: the largest values the columns hold, a day ahead, the last day of retention', () => {
    const accepted = (overrides: Partial<SendEvent>) => expect(validateSendEvent(sampleEvent(overrides), RECEIPT)).toMatchObject({ ok: true });
    accepted({ retry_after_ms: 2 ** 32 - 1 });
    accepted({ retry_after_ms: 0 });
    accepted({ latency_ms: MAX_LATENCY_MS });
    accepted({ latency_ms: 0 });
    accepted({ occurred_at: iso(RECEIVED_AT + MAX_AHEAD_OF_RECEIPT_MS) });
    accepted({ occurred_at: iso(RECEIVED_AT - 90 * DAY) });
    expect(refusal(validateSendEvent(sampleEvent({ occurred_at: iso(RECEIVED_AT + MAX_AHEAD_OF_RECEIPT_MS + 1) }), RECEIPT))).toMatch(/more than 24 h after its receipt/);
    expect(refusal(validateSendEvent(sampleEvent({ occurred_at: iso(RECEIVED_AT - 90 * DAY - 1) }), RECEIPT))).toMatch(/older than the 90-day retention/);
  });

  it('judges age against the configured retention', () => {
    const fortyDaysOld = sampleEvent({ occurred_at: iso(RECEIVED_AT - 40 * DAY) });
    expect(validateSendEvent(fortyDaysOld, RECEIPT).ok).toBe(true);
    expect(refusal(validateSendEvent(fortyDaysOld, { receivedAt: RECEIVED_AT, retentionDays: 30 }))).toMatch(/older than the 30-day retention/);
  });

  it('accepts every taxonomy code under its own category, and a sent attempt with neither', () => {
    for (const code of ALL_CODES) expect(validateSendEvent(sampleEvent({ code, category: categoryOf(code) }), RECEIPT)).toMatchObject({ ok: true });
    const sent = sampleEvent({ outcome: 'sent', status: 200, provider_code: null, code: null, category: null, retry: null, error_message: null });
    expect(validateSendEvent(sent, RECEIPT)).toMatchObject({ ok: true });
  });

  it('leaves a time of the right shape that is no date (month 13) to the engine, which refuses the row for the loader to dead-letter', () => {
    expect(validateSendEvent(sampleEvent({ occurred_at: '2026-13-45T10:00:00.000Z' }), RECEIPT).ok).toBe(true);
  });

  it('refuses to build a validator that would skip a cross-field rule other than the code rule', () => {
    const schema = { type: 'object', allOf: [{ $comment: 'another rule', if: { required: ['a'] }, then: { required: ['b'] } }] };
    expect(() => contractValidator(schema, { codeOfCategory: { code: 'code', category: 'category' } })).toThrow(/allOf may hold only the code rule/);
  });

  it('judges times only when given a receipt: producers and webhook normalizers check the event on its own', () => {
    const old = sampleEvent({ occurred_at: '2014-11-12T11:45:26.371Z' });
    expect(validateSendEvent(old).ok).toBe(true);
    expect(validateSendEvent(old, RECEIPT).ok).toBe(false);
  });

  it('checks the code rule natively exactly as the published JSON Schema states it, for every code and category', () => {
    const published = new Ajv2020().compile(JSON.parse(readFileSync(new URL('../../schemas/send-event.v1.json', import.meta.url), 'utf8')) as object);
    const categories = [...Object.keys(CATEGORIES), null];
    let refused = 0;
    for (const code of [...ALL_CODES, null]) {
      for (const category of categories) {
        const event = sampleEvent({ code, category });
        const ours = validateSendEvent(event).ok;
        expect({ code, category, ours }).toEqual({ code, category, ours: published(event) });
        if (!ours) refused += 1;
      }
    }
    // Of every pair, only a code with its own category, or null with null, is accepted.
    expect(refused).toBe((ALL_CODES.length + 1) * categories.length - ALL_CODES.length - 1);
  });

  it('the committed JSON Schema carries the same bounds and the code rule, for consumers in other languages', () => {
    const schema = JSON.parse(readFileSync(new URL('../../schemas/send-event.v1.json', import.meta.url), 'utf8')) as object;
    const validate = new Ajv2020().compile(schema);
    expect(validate(sampleEvent())).toBe(true);
    expect(validate(sampleEvent({ latency_ms: 1e300 }))).toBe(false);
    expect(validate(sampleEvent({ retry_after_ms: 2 ** 32 + 5 }))).toBe(false);
    expect(validate(sampleEvent({ code: 'auth.invalid_credentials' }))).toBe(false);
  });
});

describe('the delivery-event contract refuses what the columns cannot hold', () => {
  const occurredAt = Date.parse('2026-11-29T11:00:00.000Z');
  const delivery = (overrides: Partial<DeliveryEvent> = {}): DeliveryEvent => sampleDeliveryEvent(overrides, occurredAt);


  it('accepts a well-formed event, and one without a code', () => {
    expect(validateDeliveryEvent(delivery(), RECEIPT)).toMatchObject({ ok: true });
    expect(validateDeliveryEvent(delivery({ outcome: 'delivered', bounce_type: null, code: null, category: null }), RECEIPT)).toMatchObject({ ok: true });
  });

  it.each<[string, Partial<DeliveryEvent>, RegExp]>([
    ['a code of another category', { category: 'content' }, /^\/code recipient\.invalid_address is not a code of category content \(a code belongs to its category/],
    ['a code without its category', { category: null }, /^\/code recipient\.invalid_address is not a code of category null/],
    ['occurred_at in 1970', { occurred_at: '1970-01-01T00:00:00.000Z' }, /^\/occurred_at 1970-01-01T00:00:00\.000Z is older than the 90-day retention/],
    ['received_at in year 9999', { received_at: '9999-01-01T00:00:00.000Z' }, /^\/received_at 9999-01-01T00:00:00\.000Z is more than 24 h after its receipt/],
    ['smtp_code beyond the reply codes', { smtp_code: 65_541 }, /^\/smtp_code must be <= 599$/],
  ])('refuses %s, saying why', (_what, overrides, reason) => {
    expect(refusal(validateDeliveryEvent(delivery(overrides), RECEIPT))).toMatch(reason);
  });

  it('the committed JSON Schema carries the code rule', () => {
    const schema = JSON.parse(readFileSync(new URL('../../schemas/delivery-event.v1.json', import.meta.url), 'utf8')) as object;
    const validate = new Ajv2020().compile(schema);
    expect(validate(delivery())).toBe(true);
    expect(validate(delivery({ category: 'content' }))).toBe(false);
  });
});

describe('the receipt the loader judges with', () => {
  it('reads SENDLENS_RETENTION_DAYS with the default the migrations use', () => {
    expect(DEFAULT_EVENT_RETENTION_DAYS).toBe(DEFAULT_RETENTION_DAYS);
    expect(receiptFromEnv({})).toEqual({ retentionDays: 90 });
    expect(receiptFromEnv({ SENDLENS_RETENTION_DAYS: '30' })).toEqual({ retentionDays: 30 });
    expect(() => receiptFromEnv({ SENDLENS_RETENTION_DAYS: 'forever' })).toThrow('SENDLENS_RETENTION_DAYS must be a whole number of days, at least 1');
  });

  it('onReceipt judges each event at the moment it is validated, against the environment\'s retention', () => {
    const validate = onReceipt(validateSendEvent, { SENDLENS_RETENTION_DAYS: '3' });
    const at = (ms: number) => sampleEvent({ event_id: uuidv7(ms), occurred_at: iso(ms) });
    expect(validate(at(Date.now() - 2 * DAY)).ok).toBe(true);
    expect(refusal(validate(at(Date.now() - 4 * DAY)))).toMatch(/older than the 3-day retention/);
    expect(refusal(validate(at(Date.now() + 2 * DAY)))).toMatch(/more than 24 h after its receipt/);
  });
});
