import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateDeliveryEvent } from '../../src/events/index.js';
import type { DeliveryEvent } from '../../src/events/index.js';
import { FeedbackError, fromGenericEvents, verifyGeneric, verifySendgrid, verifySnsMessage, verifySvix } from '../../src/feedback/index.js';
import { fromResendWebhook } from '../../src/providers/resend/index.js';
import { fromSendgridEvents } from '../../src/providers/sendgrid/index.js';
import { fromSesNotification } from '../../src/providers/ses/index.js';
import { ctx, fixture, fixtureNames, leakedAddresses, snsMessage } from './helpers.js';

const RUNS = 3000;

type Normalizer = (json: unknown) => DeliveryEvent[];

const NORMALIZERS: Record<string, { run: Normalizer; fixtures: unknown[] }> = {
  ses: { run: (json) => fromSesNotification(json, ctx), fixtures: fixtureNames('ses').map((name) => fixture(`ses/${name}`)) },
  resend: { run: (json) => fromResendWebhook(json, ctx), fixtures: fixtureNames('resend').map((name) => fixture(`resend/${name}`)) },
  sendgrid: { run: (json) => fromSendgridEvents(json, ctx), fixtures: [fixture('sendgrid/events.json')] },
  generic: { run: (json) => fromGenericEvents(json, ctx), fixtures: fixtureNames('generic').map((name) => fixture(`generic/${name}`)) },
};

/** Either valid, address-free events, or a FeedbackError; anything else fails the property. */
function holds(run: Normalizer, json: unknown): void {
  let events: DeliveryEvent[];
  try {
    events = run(json);
  } catch (error) {
    if (!(error instanceof FeedbackError)) throw error;
    expect(error.status).toBe(400);
    return;
  }
  expect(Array.isArray(events)).toBe(true);
  for (const event of events) {
    const checked = validateDeliveryEvent(event);
    if (!checked.ok) throw new Error(`invalid event: ${checked.reason}`);
    expect(event.bounce_type !== null).toBe(event.outcome === 'bounced');
  }
  expect(leakedAddresses(events)).toEqual([]);
}

/** Every path to a value inside a JSON value. */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((item, i) => paths(item, [...prefix, i], out));
  else if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) paths(item, [...prefix, key], out);
  return out;
}

function replaced(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(value)) return value.map((item, i) => (i === head ? replaced(item, rest, replacement) : item));
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    if (replacement === undefined && rest.length === 0) delete copy[head];
    else copy[head] = replaced(copy[head], rest, replacement);
    return copy;
  }
  return value;
}

/** Values that stress the normalizers: addresses, times, huge and odd numbers, wrong types. */
const nasty: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.emailAddress(),
  fc.emailAddress().map((address) => `smtp; 550 5.1.1 <${address}>: user unknown ${address}`),
  fc.constantFrom(undefined, null, '', ' ', '2026-11-21T10:00:00Z', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2026-13-45T99:99:99Z', 'Permanent', 'Suppressed', 'bounce', 'dropped', 'blocked'),
  fc.constantFrom(0, -1, 1e21, Number.MAX_SAFE_INTEGER, 1795168800, 1795168800123, 3.5),
  fc.string({ maxLength: 600 }),
  fc.array(fc.emailAddress(), { maxLength: 5 }),
);

const mutated = (fixtures: unknown[]): fc.Arbitrary<unknown> =>
  fc
    .tuple(fc.constantFrom(...fixtures), fc.array(fc.tuple(fc.nat(), nasty), { minLength: 1, maxLength: 4 }))
    .map(([base, edits]) =>
      edits.reduce<unknown>((value, [at, replacement]) => {
        const all = paths(value);
        return replaced(value, all[at % all.length] ?? [], replacement);
      }, base),
    );

describe('the normalizers never throw anything but FeedbackError', () => {
  for (const [name, { run, fixtures }] of Object.entries(NORMALIZERS)) {
    it(`${name}: arbitrary JSON and values (${RUNS} generated)`, () => {
      fc.assert(
        fc.property(fc.oneof(fc.jsonValue(), fc.anything()), (json) => holds(run, json)),
        { numRuns: RUNS },
      );
    });

    it(`${name}: its fixtures with fields replaced, removed or retyped (${RUNS} generated)`, () => {
      fc.assert(
        fc.property(mutated(fixtures), (json) => holds(run, json)),
        { numRuns: RUNS },
      );
    });
  }

  for (const [name, { run, fixtures }] of Object.entries(NORMALIZERS)) {
    it(`${name}: an address written into any string field never reaches an event (1000 generated)`, () => {
      const withAddress = fc
        .tuple(fc.constantFrom(...fixtures), fc.emailAddress(), fc.nat(), fc.constantFrom('', 'smtp; 550 5.1.1 <', '"Jane" <'), fc.constantFrom('', '>', '>: user unknown'))
        .map(([base, address, at, before, after]) => {
          const strings = paths(base).filter((path) => typeof path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], base) === 'string');
          const path = strings[at % Math.max(1, strings.length)] ?? [];
          return { json: replaced(base, path, `${before}${address}${after}`), address };
        });
      fc.assert(
        fc.property(withAddress, ({ json, address }) => {
          let events: DeliveryEvent[] = [];
          try {
            events = run(json);
          } catch (error) {
            if (!(error instanceof FeedbackError)) throw error;
            expect(error.message.toLowerCase()).not.toContain(address.toLowerCase());
          }
          expect(JSON.stringify(events).toLowerCase()).not.toContain(address.toLowerCase());
          expect(leakedAddresses(events)).toEqual([]);
        }),
        { numRuns: 1000 },
      );
    });
  }

  it('ses: mutated notifications inside SNS envelopes', () => {
    fc.assert(
      fc.property(mutated(NORMALIZERS.ses?.fixtures ?? []), (inner) => holds(NORMALIZERS.ses!.run, snsMessage(JSON.stringify(inner) ?? 'null'))),
      { numRuns: 500 },
    );
  });
});

describe('the verifiers never throw', () => {
  const headers = fc.oneof(
    fc.dictionary(
      fc.constantFrom('svix-id', 'svix-timestamp', 'svix-signature', 'x-sendlens-signature', 'x-twilio-email-event-webhook-signature', 'x-twilio-email-event-webhook-timestamp', 'X-Other'),
      fc.oneof(fc.string({ maxLength: 120 }), fc.array(fc.string(), { maxLength: 3 }), fc.constantFrom('v1,AAAA', 't=1,v1=00', '1795168800')),
    ),
    fc.anything(),
  );
  const body = fc.oneof(fc.string(), fc.uint8Array().map((bytes) => Buffer.from(bytes)), fc.anything());
  const secret = fc.oneof(fc.string(), fc.constant('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), fc.anything());

  it(`svix, sendgrid and generic (${RUNS} generated)`, () => {
    fc.assert(
      fc.property(headers, body, secret, (h, b, s) => {
        for (const verdict of [
          verifySvix(h as never, b as never, s as never, { now: 1795168800_000 }),
          verifySendgrid(h as never, b as never, s as never, { now: 1795168800_000 }),
          verifyGeneric(h as never, b as never, s as never, { now: 1795168800_000 }),
        ]) {
          expect(typeof verdict.ok).toBe('boolean');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('sns (500 generated)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), mutated([snsMessage('{}')])), async (message) => {
        const verdict = await verifySnsMessage(message, { fetchCertificate: () => Promise.resolve('junk'), certificateCache: new Map() });
        expect(verdict.ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
