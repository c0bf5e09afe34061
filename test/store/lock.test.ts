import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { createStoreClient, StoreLockedError } from '../../src/store/index.js';
import { runCliAsync } from '../helpers/cli.js';

/** A process that opens the embedded store through the same factory as every command, and holds it until its stdin closes. */
const HOLDER = `
const { createStoreClient } = await import(${JSON.stringify(new URL('../../dist/store/index.js', import.meta.url).href)});
const client = await createStoreClient({ dataDir: process.env.HOLD_DIR });
await client.query({ query: 'SELECT 1' });
process.stdout.write('ready\\n');
process.stdin.on('end', () => client.close().then(() => process.exit(0)));
process.stdin.resume();
`;
const SECRET = 'holder-secret-value-0123456789';

function startHolder(dataDir: string, script: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script, 'store-holder-marker', `--signing-key=${SECRET}`], {
    env: { ...process.env, HOLD_DIR: dataDir },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the holder did not open the store within 60 s')), 60_000);
    child.on('exit', (code) => reject(new Error(`the holder exited (${code}) before opening the store`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line === 'ready') {
        clearTimeout(timer);
        resolve(child);
      }
    });
  });
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.on('exit', () => resolve())));
}

describe('an embedded store open in another process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-lock-'));
  const scriptDir = mkdtempSync(join(tmpdir(), 'sendlens-lock-holder-'));
  const script = join(scriptDir, 'holder.mjs');
  writeFileSync(script, HOLDER);
  const env = { SENDLENS_DATA_DIR: dataDir, CLICKHOUSE_URL: '', KAFKA_BROKERS: '' };
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(scriptDir, { recursive: true, force: true });
  });

  it('is named in one line, pid and command, with the ways to share a store, by sendlens sql and by the client factory', async () => {
    const holder = await startHolder(dataDir, script);
    try {
      const result = await runCliAsync(['sql', 'SELECT 1'], env);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(new RegExp(`^sendlens: the embedded store \\S+ is in use by another process: pid ${holder.pid} \\(.*store-holder-marker`));
      expect(result.stderr).toMatch(/SENDLENS_DATA_DIR/);
      expect(result.stderr).toMatch(/CLICKHOUSE_URL/);
      // The holder's command line is shown, its secret-looking values are not.
      expect(result.stderr).toContain('--signing-key=***');
      expect(result.stderr).not.toContain(SECRET);

      const refused = await createStoreClient({ dataDir }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(StoreLockedError);
      expect((refused as StoreLockedError).holder.pid).toBe(holder.pid);
    } finally {
      holder.stdin!.end();
      await exitOf(holder);
    }
    // Closed: the store opens again.
    const after = await runCliAsync(['sql', '--format', 'json', 'SELECT 1 AS one'], env);
    expect({ status: after.status, stderr: after.stderr, stdout: after.stdout }).toEqual({ status: 0, stderr: '', stdout: '[{"one":1}]\n' });
  }, 120_000);

  it('is not blamed on a process that died holding it (its status file stays behind, its lock does not)', async () => {
    const holder = await startHolder(dataDir, script);
    holder.kill('SIGKILL');
    await exitOf(holder);
    expect(existsSync(join(dataDir, 'clickhouse', 'status'))).toBe(true);
    const result = await runCliAsync(['sql', '--format', 'json', 'SELECT 1 AS one'], env);
    expect({ status: result.status, stderr: result.stderr, stdout: result.stdout }).toEqual({ status: 0, stderr: '', stdout: '[{"one":1}]\n' });
  }, 120_000);
});
