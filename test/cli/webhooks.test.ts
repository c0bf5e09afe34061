import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { RecipientHasher } from '../../src/events/index.js';
import { fromGenericEvents, signGeneric } from '../../src/feedback/index.js';
import { createStoreClient } from '../../src/store/index.js';
import { fixtureText } from '../feedback/helpers.js';
import { BIN, runCli } from '../helpers/cli.js';
import { largeBounceBatch, postJson } from '../webhooks/large-payload.js';

const KEY = 'cli-webhooks-test-key-0123456789';

describe('sendlens webhooks (single-process mode)', () => {
  it('refuses to start without a recipient key or without any endpoint', () => {
    const noKey = runCli(['webhooks', '--port', '0'], '', { KAFKA_BROKERS: '', SENDLENS_RECIPIENT_KEY: '', SENDLENS_WEBHOOK_SECRET: 'x'.repeat(32) });
    expect(noKey.status).toBe(2);
    expect(noKey.stderr).toMatch(/^sendlens: set SENDLENS_RECIPIENT_KEY/);
    const none = runCli(['webhooks', '--port', '0'], '', { KAFKA_BROKERS: '', SENDLENS_RECIPIENT_KEY: KEY, SENDLENS_WEBHOOK_SECRET: '', RESEND_WEBHOOK_SECRET: '', SENDLENS_SES_TOPIC_ARNS: '', SCAISEND_WEBHOOK_PUBLIC_KEY: '' });
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/no webhook endpoint is configured/);
    const badPort = runCli(['webhooks', '--port', 'http'], '', { KAFKA_BROKERS: '', SENDLENS_RECIPIENT_KEY: KEY, SENDLENS_WEBHOOK_SECRET: 'x'.repeat(32) });
    expect(badPort.stderr).toMatch(/--port must be an integer/);
  });

  it('stores a signed generic webhook in the embedded store before answering 200, refuses an unsigned one, and stops on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-cli-webhooks-'));
    const secret = randomBytes(32).toString('hex');
    const child = spawn(process.execPath, [BIN, 'webhooks', '--port', '0'], {
      env: { ...process.env, KAFKA_BROKERS: '', SENDLENS_DATA_DIR: dataDir, SENDLENS_RECIPIENT_KEY: KEY, SENDLENS_WEBHOOK_SECRET: secret, SENDLENS_RETENTION_DAYS: '3650' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the receiver did not start listening within 30 s')), 30_000);
        createInterface({ input: child.stderr }).on('line', (line) => {
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === 'listening' && entry.port) {
            clearTimeout(timer);
            resolve(entry.port);
          }
        });
      });
      const body = fixtureText('generic/sendfleet-batch.json');
      const url = `http://127.0.0.1:${port}/webhooks/generic`;
      const signed = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-sendlens-signature': signGeneric(body, secret) } });
      const expected = fromGenericEvents(JSON.parse(body), { hasher: new RecipientHasher(KEY), receivedAt: Date.now() });
      expect({ status: signed.status, body: await signed.json() }).toEqual({ status: 200, body: { accepted: expected.length } });
      const unsigned = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      expect(unsigned.status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${port}/webhooks/resend`, { method: 'POST', body })).status).toBe(404);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);

    // The receiver has exited, so this process may open its store.
    const client = await createStoreClient({ dataDir });
    try {
      const stored = (await (await client.query({ query: 'SELECT toString(event_id) AS id, outcome FROM email_delivery_events ORDER BY id', format: 'JSONEachRow' })).json()) as { id: string; outcome: string }[];
      const expected = fromGenericEvents(JSON.parse(fixtureText('generic/sendfleet-batch.json')), { hasher: new RecipientHasher(KEY), receivedAt: Date.now() });
      expect(stored).toEqual(expected.map((e) => ({ id: e.event_id, outcome: e.outcome })).sort((a, b) => a.id.localeCompare(b.id)));
    } finally {
      await client.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('stores all 10,000 events of a 10,000-recipient payload before answering 200 (single-process mode)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-cli-webhooks-large-'));
    const secret = randomBytes(32).toString('base64');
    const child = spawn(process.execPath, [BIN, 'webhooks', '--port', '0'], {
      env: { ...process.env, KAFKA_BROKERS: '', SENDLENS_DATA_DIR: dataDir, SENDLENS_RECIPIENT_KEY: KEY, RESEND_WEBHOOK_SECRET: '', SENDLENS_WEBHOOK_SECRET: secret, SENDLENS_RETENTION_DAYS: '3650' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const payload = largeBounceBatch(10_000, secret, new RecipientHasher(KEY));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the receiver did not start listening within 30 s')), 30_000);
        createInterface({ input: child.stderr }).on('line', (line) => {
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === 'listening' && entry.port) {
            clearTimeout(timer);
            resolve(entry.port);
          }
        });
      });
      expect(await postJson(port, '/webhooks/generic', payload.body, payload.headers)).toEqual({ status: 200, body: { accepted: 10_000 } });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);

    const client = await createStoreClient({ dataDir });
    try {
      const stored = (await (await client.query({ query: 'SELECT toString(event_id) AS id, recipient_hash FROM email_delivery_events ORDER BY id', format: 'JSONEachRow' })).json()) as { id: string; recipient_hash: string }[];
      expect(stored.length).toBe(10_000);
      expect(stored).toEqual(payload.expected.map((e) => ({ id: e.event_id, recipient_hash: e.recipient_hash })).sort((a, b) => a.id.localeCompare(b.id)));
    } finally {
      await client.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
