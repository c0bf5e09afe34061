// This file runs in a process of its own (vitest's forks pool) in New York's
// zone: JavaScript reads a zone-less ISO time in the process's zone, which is
// how a feedback event came to be stored 4 hours late on such a server.
process.env.TZ = 'America/New_York';

import { describe, expect, it } from 'vitest';
import { fromGenericEvents, verifySnsMessage } from '../../src/feedback/index.js';
import { fromResendWebhook } from '../../src/providers/resend/index.js';
import { fromSesNotification } from '../../src/providers/ses/index.js';
import { parseIsoTime } from '../../src/feedback/time.js';
import { certificateFetcher, ctx, fixture, snsMessage } from './helpers.js';

describe('zone-less feedback times are UTC, whatever the server zone (TZ=America/New_York)', () => {
  it('the process really is in New York', () => {
    // Without this the tests below would pass for the wrong reason.
    expect(new Date(2026, 10, 21, 12).getTimezoneOffset()).toBe(300);
    expect(new Date(2026, 6, 1, 12).getTimezoneOffset()).toBe(240);
  });

  it('parseIsoTime: no zone is UTC; zones and offsets are honoured; impossible dates are refused', () => {
    expect(parseIsoTime('2026-11-21T10:00:00')).toBe(Date.UTC(2026, 10, 21, 10));
    expect(parseIsoTime('2026-07-01T10:00:00.894719')).toBe(Date.UTC(2026, 6, 1, 10, 0, 0, 894));
    expect(parseIsoTime('2026-11-21T10:00')).toBe(Date.UTC(2026, 10, 21, 10));
    expect(parseIsoTime('2026-11-21T10:00:00Z')).toBe(Date.UTC(2026, 10, 21, 10));
    expect(parseIsoTime('2026-11-21T10:00:00.894719+00:00')).toBe(Date.UTC(2026, 10, 21, 10, 0, 0, 894));
    expect(parseIsoTime('2026-11-21T10:00:00-05:00')).toBe(Date.UTC(2026, 10, 21, 15));
    expect(parseIsoTime('2026-11-21T10:00:00+0530')).toBe(Date.UTC(2026, 10, 21, 4, 30));
    expect(parseIsoTime('2026-11-21T10:00:00,5Z')).toBe(Date.UTC(2026, 10, 21, 10, 0, 0, 500));
    for (const bad of ['2026-02-30T10:00:00Z', '2026-13-01T10:00:00Z', '2026-11-21T24:00:00Z', '2026-11-21T10:60:00Z', '2026-11-21T10:00:00+24:00', '2026-11-21 10:00:00', '2026-11-21', 'yesterday', `2026-11-21T10:00:00.${'1'.repeat(40)}Z`]) {
      expect({ bad, parsed: parseIsoTime(bad) }).toEqual({ bad, parsed: null });
    }
  });

  it('generic, SES and Resend events with a zone-less time are stored at that time in UTC', () => {
    const generic = { ...(fixture('generic/relay-bounce.json') as Record<string, unknown>), timestamp: '2026-11-21T11:00:00.250' };
    expect(fromGenericEvents(generic, ctx)[0]?.occurred_at).toBe('2026-11-21T11:00:00.250Z');

    const envelope = fixture('anymail/ses-multiple-bounce-no-timestamp.json') as Record<string, unknown>;
    expect(fromSesNotification({ ...envelope, Timestamp: '2018-03-26T17:58:59.675' }, ctx)[0]?.occurred_at).toBe('2018-03-26T17:58:59.675Z');

    const resend = fixture('resend/email.bounced.json') as Record<string, unknown>;
    expect(fromResendWebhook({ ...resend, created_at: '2026-07-01T10:00:02.126' }, ctx)[0]?.occurred_at).toBe('2026-07-01T10:00:02.126Z');
    // Without created_at, data.created_at's microseconds are cut to milliseconds, not rounded into another second.
    const data = resend.data as Record<string, unknown>;
    expect(fromResendWebhook({ ...resend, created_at: undefined, data: { ...data, created_at: '2026-11-21T10:00:00.999999' } }, ctx)[0]?.occurred_at).toBe('2026-11-21T10:00:00.999Z');
  });

  it('an SNS message with a zone-less Timestamp is checked against the replay window in UTC', async () => {
    const sent = Date.UTC(2026, 11, 1, 11, 59, 58);
    const message = snsMessage('{}', { timestamp: new Date(sent).toISOString().replace('Z', '') });
    expect(await verifySnsMessage(message, { fetchCertificate: certificateFetcher().fetch, certificateCache: new Map(), now: sent + 2_000 })).toEqual({ ok: true });
  });
});
