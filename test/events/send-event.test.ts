import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { RecipientHasher, SendEventSchema, renderSendEventMarkdown, canonicalAddress, domainOf, uuidv7, uuidv7Time, validateSendEvent } from '../../src/events/index.js';
import { sampleEvent } from '../helpers/events.js';

describe('the send-event contract', () => {
  it('schemas/send-event.v1.json is what the TypeBox source generates (run `npm run generate`)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../schemas/send-event.v1.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    expect(committed).toEqual(JSON.parse(JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...SendEventSchema })));
    // And the file is a usable JSON Schema on its own, for consumers in other languages.
    const validate = new Ajv2020().compile(committed);
    expect(validate(sampleEvent())).toBe(true);
    expect(validate({ ...sampleEvent(), code: 'nope.nope' })).toBe(false);
  });

  it('docs/send-event.md is what the contract generates, with every field', () => {
    const committed = readFileSync(new URL('../../docs/send-event.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderSendEventMarkdown());
    for (const field of Object.keys(SendEventSchema.properties)) expect(committed).toContain(`| \`${field}\` |`);
  });

  it('accepts a failed and a sent attempt', () => {
    expect(validateSendEvent(sampleEvent())).toEqual({ ok: true, value: sampleEvent({ event_id: expect.any(String) as unknown as string }) });
    const sent = sampleEvent({ outcome: 'sent', status: 200, provider_code: null, code: null, category: null, retry: null, error_message: null, provider_message_id: '0100018f-abc' });
    expect(validateSendEvent(sent).ok).toBe(true);
  });

  it.each([
    ['a missing field', (e: Record<string, unknown>) => delete e.provider, "must have required property 'provider'"],
    ['an unknown code', (e: Record<string, unknown>) => (e.code = 'auth.made_up'), '/code'],
    ['an extra field (a raw address must never slip in)', (e: Record<string, unknown>) => (e.recipient = 'jane@example.com'), "must NOT have additional properties 'recipient'"],
    ['a time that is not UTC milliseconds', (e: Record<string, unknown>) => (e.occurred_at = '2026-11-22 12:00:00'), '/occurred_at'],
    ['an event id that is not UUIDv7', (e: Record<string, unknown>) => (e.event_id = '123e4567-e89b-42d3-a456-426614174000'), '/event_id'],
    ['a recipient hash that is not a hash', (e: Record<string, unknown>) => (e.recipient_hash = 'jane@example.com'), '/recipient_hash'],
  ])('refuses %s, saying where', (_what, mutate, reason) => {
    const event = sampleEvent() as unknown as Record<string, unknown>;
    mutate(event);
    const result = validateSendEvent(event);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});

describe('UUIDv7', () => {
  it('has the version and variant bits, carries its time, and sorts by time', () => {
    const at = Date.parse('2026-11-22T12:00:00.123Z');
    const ids = Array.from({ length: 2000 }, (_, i) => uuidv7(at + i));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidv7Time(ids[0] as string)).toBe(at);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('recipient hashing', () => {
  const hasher = new RecipientHasher('sendlens-test-key-0001');

  it('is HMAC-SHA256 of the canonical address (vector computed independently with Python hmac)', () => {
    expect(hasher.hash('jane.doe@example.com')).toBe('f9e11810782789d21352737bf03ac77ad7f1dd29705fbc6e78adf55ba72558b7');
  });

  it('gives one hash per person whatever the spelling, and another under another key', () => {
    expect(hasher.hash('Jane Doe <Jane.Doe@Example.COM>')).toBe(hasher.hash(' jane.doe@example.com '));
    expect(new RecipientHasher('another-key-of-enough-length').hash('jane.doe@example.com')).not.toBe(hasher.hash('jane.doe@example.com'));
  });

  it('keeps only the domain in clear', () => {
    expect(hasher.facts('Jane <jane.doe@Example.com>')).toEqual({ hash: hasher.hash('jane.doe@example.com'), domain: 'example.com' });
    expect(domainOf('not an address')).toBe('');
    expect(canonicalAddress('@example.com')).toBeNull();
  });

  it('refuses a short key and never prints its key', () => {
    expect(() => new RecipientHasher('short')).toThrow(/at least 16 bytes/);
    expect(JSON.stringify({ hasher })).not.toContain('sendlens-test-key-0001');
  });
});
