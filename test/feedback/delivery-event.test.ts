import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { renderDeliveryEventMarkdown, uuidv7Time } from '../../src/events/index.js';
import { DeliveryEventSchema, deliveryEventId, validateDeliveryEvent } from '../../src/events/index.js';
import { sampleDeliveryEvent } from '../helpers/events.js';

const sample = sampleDeliveryEvent();

describe('the delivery-event contract', () => {
  it('accepts a well-formed event', () => {
    expect(validateDeliveryEvent(sample)).toEqual({ ok: true, value: sample });
  });

  it('names the first offending field', () => {
    expect(validateDeliveryEvent({ ...sample, extra: 1 })).toEqual({ ok: false, reason: "(root) must NOT have additional properties 'extra'" });
    expect(validateDeliveryEvent({ ...sample, outcome: 'sent' })).toMatchObject({ ok: false, reason: expect.stringContaining('/outcome') });
    expect(validateDeliveryEvent({ ...sample, smtp_status: '550' })).toMatchObject({ ok: false, reason: expect.stringContaining('/smtp_status') });
    expect(validateDeliveryEvent({ ...sample, event_id: crypto.randomUUID() })).toMatchObject({ ok: false, reason: expect.stringContaining('/event_id') });
    expect(validateDeliveryEvent({ ...sample, code: 'made.up' })).toMatchObject({ ok: false, reason: expect.stringContaining('/code') });
  });

  it('describes every field, and every field name is a plain ClickHouse identifier', () => {
    for (const [name, schema] of Object.entries(DeliveryEventSchema.properties)) {
      expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect((schema as { description?: string }).description, name).toBeTruthy();
    }
    expect(Object.keys(sample).sort()).toEqual(Object.keys(DeliveryEventSchema.properties).sort());
  });
});

describe('deliveryEventId', () => {
  const at = Date.parse('2026-11-20T09:14:05.501Z');

  it('is a UUIDv7 carrying the event time', () => {
    const id = deliveryEventId(at, ['a']);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidv7Time(id)).toBe(at);
  });

  it('is the same for the same identity and differs otherwise', () => {
    expect(deliveryEventId(at, ['ses', 'm', 'x'])).toBe(deliveryEventId(at, ['ses', 'm', 'x']));
    expect(deliveryEventId(at, ['ses', 'm', 'x'])).not.toBe(deliveryEventId(at, ['ses', 'm', 'y']));
    // Parts are kept apart: ['ab', 'c'] is not ['a', 'bc'].
    expect(deliveryEventId(at, ['ab', 'c'])).not.toBe(deliveryEventId(at, ['a', 'bc']));
    expect(deliveryEventId(at + 1, ['a'])).not.toBe(deliveryEventId(at, ['a']));
  });

  it('sorts by time', () => {
    const ids = [at + 2000, at, at + 1].map((ms) => deliveryEventId(ms, ['same']));
    expect([...ids].sort()).toEqual([ids[1], ids[2], ids[0]]);
  });

  it('schemas/delivery-event.v1.json and docs/delivery-event.md are what the TypeBox source generates (run `npm run generate`)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../schemas/delivery-event.v1.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    expect(committed).toEqual(JSON.parse(JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...DeliveryEventSchema })));
    const validate = new Ajv2020().compile(committed);
    expect(validate(sample)).toBe(true);
    expect(validate({ ...sample, outcome: 'opened' })).toBe(false);
    const markdown = readFileSync(new URL('../../docs/delivery-event.md', import.meta.url), 'utf8');
    expect(markdown).toBe(renderDeliveryEventMarkdown());
    for (const field of Object.keys(DeliveryEventSchema.properties)) expect(markdown).toContain(`| \`${field}\` |`);
  });
});
