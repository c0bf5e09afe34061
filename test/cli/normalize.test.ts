import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLines } from '../../src/cli/lines.js';
import { runCli } from '../helpers/cli.js';

describe('sendlens normalize', () => {
  it('writes one JSON line per input line, in order, with the normalized fields', () => {
    const input = [
      JSON.stringify({ provider: 'sendfleet', status: 403, headers: {}, body: { success: false, error: 'unauthorized', detail: 'Not approved.' } }),
      JSON.stringify({ provider: 'ses', error: { name: 'Throttling', code: 'Throttling', message: 'Daily message quota exceeded.', $metadata: { httpStatusCode: 400 } } }),
      JSON.stringify({ provider: 'resend', status: 429, headers: { 'retry-after': '2' }, body: '{"statusCode":429,"name":"rate_limit_exceeded","message":"Too many requests."}' }),
    ].join('\n');
    const run = runCli(['normalize'], `${input}\n`);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(out).toHaveLength(3);
    expect(out[0]).toEqual({
      provider: 'sendfleet',
      code: 'account.not_approved',
      category: 'account',
      retry: 'never',
      retryAfterMs: null,
      status: 403,
      providerCode: 'unauthorized',
      message: 'Not approved.',
      retrySchedule: null,
    });
    expect(out[1]).toMatchObject({ provider: 'ses', code: 'quota.daily_exceeded', retry: 'at_reset', status: 400, providerCode: 'Throttling' });
    expect(out[2]).toMatchObject({ provider: 'resend', code: 'throttling.rate_limited', retryAfterMs: 2000 });
  });

  it('answers a bad line with an error line, carries on, and exits non-zero at the end', () => {
    const input = ['{not json', JSON.stringify({ provider: 'sparkpost', status: 500 }), JSON.stringify({ provider: 'relay' }), JSON.stringify({ provider: 'relay', status: 500 })].join('\n');
    const run = runCli(['normalize'], input);
    expect(run.status).toBe(1);
    const out = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(out).toHaveLength(4);
    expect(out[0]?.error).toMatch(/^line 1: not valid JSON/);
    expect(out[1]?.error).toMatch(/^line 2: unknown provider "sparkpost"; expected one of relay, sendfleet, ses, scaisend, resend, smtp, sendgrid, mailgun, postmark/);
    expect(out[2]?.error).toMatch(/^line 3: expected "status"/);
    expect(out[3]).toMatchObject({ provider: 'relay', code: 'provider.internal_error' });
  });

  it("reads the new send paths' thrown errors from the fields each SDK throws them with", () => {
    const thrown = [
      // nodemailer: code, responseCode, response, command (lib/smtp-connection).
      { provider: 'smtp', error: { code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 <jane@example.org>: Recipient address rejected: User unknown', command: 'RCPT TO' } },
      // @sendgrid/client ResponseError: code is the HTTP status, the body under response.body.
      { provider: 'sendgrid', error: { code: 429, response: { headers: { 'retry-after': '7' }, body: { errors: [{ message: 'too many requests' }] } } } },
      // mailgun.js APIError: status, details, type.
      { provider: 'mailgun', error: { status: 401, details: 'Forbidden', type: 'MailgunAPIError' } },
      // postmark.js: statusCode is the HTTP status, code is Postmark's ErrorCode.
      { provider: 'postmark', error: { statusCode: 422, code: 406, message: 'You tried to send to recipient(s) that have been marked as inactive.' } },
    ];
    const run = runCli(['normalize'], `${thrown.map((line) => JSON.stringify(line)).join('\n')}\n`);
    expect(run.status, run.stderr).toBe(0);
    const out = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(out.map(({ provider, code, status, providerCode }) => ({ provider, code, status, providerCode }))).toEqual([
      { provider: 'smtp', code: 'recipient.invalid_address', status: null, providerCode: '550 5.1.1' },
      { provider: 'sendgrid', code: 'throttling.rate_limited', status: 429, providerCode: null },
      { provider: 'mailgun', code: 'auth.invalid_credentials', status: 401, providerCode: null },
      { provider: 'postmark', code: 'suppression.recipient_suppressed', status: 422, providerCode: '406' },
    ]);
    expect(out[1]?.retryAfterMs).toBe(7000);
    expect(run.stdout).not.toContain('jane@example.org');
  });

  it('normalizes the bundled sample (the quick start) without refusing a line', () => {
    const run = runCli(['normalize', '--sample', '--format', 'table']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/24 normalized, 0 refused/);
    expect(run.stdout).toContain('account.not_approved');
    expect(run.stdout).not.toMatch(/@example\./);
  });

  it('refuses an unknown format in one line on stderr', () => {
    const run = runCli(['normalize', '--format', 'xml'], '');
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe('sendlens: --format must be jsonl or table, not xml');
  });
});

describe('reading lines with a bound', () => {
  it('reports an overlong line without holding it, and keeps the lines around it', async () => {
    const huge = 'x'.repeat(5000);
    const chunks = ['first\nsec', 'ond\r\n', huge.slice(0, 2500), huge.slice(2500), '\nlast'];
    const lines = [];
    for await (const line of readLines(Readable.from(chunks.map((c) => Buffer.from(c))), 1000)) lines.push(line);
    expect(lines).toEqual([
      { number: 1, text: 'first' },
      { number: 2, text: 'second' },
      { number: 3, tooLong: true },
      { number: 4, text: 'last' },
    ]);
  });
});

describe('sendlens catalog and --help', () => {
  it('prints the catalog as JSON with every provider', () => {
    const run = runCli(['catalog', '--json']);
    expect(run.status).toBe(0);
    const lines = JSON.parse(run.stdout) as { provider: string; code: string }[];
    expect(new Set(lines.map((l) => l.provider))).toEqual(new Set(['relay', 'sendfleet', 'ses', 'scaisend', 'resend', 'smtp', 'sendgrid', 'mailgun', 'postmark', 'any']));
    expect(lines).toContainEqual(expect.objectContaining({ provider: 'sendfleet', providerCode: 'unauthorized', status: 403, code: 'account.not_approved' }));
    expect(lines).toContainEqual(expect.objectContaining({ provider: 'smtp', providerCode: '5.2.2', code: 'recipient.mailbox_full', retry: 'never' }));
  });

  it('prints a table for one provider', () => {
    const run = runCli(['catalog', '--provider', 'resend']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('restricted_api_key');
    expect(run.stdout).not.toContain('MessageRejected');
  });

  it('has --help on the program and on every command', () => {
    const top = runCli(['--help']);
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/normalize/);
    expect(top.stdout).toMatch(/catalog/);
    for (const command of ['normalize', 'catalog']) {
      const run = runCli([command, '--help']);
      expect(run.status, command).toBe(0);
      expect(run.stdout).toMatch(/Usage: sendlens/);
    }
  });

  it('fails with a non-zero exit and a message on stderr for an unknown command', () => {
    const run = runCli(['frobnicate']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
