/**
 * The library as a service installs it: the packed tarball (never the source tree) installed into
 * a fresh project from the registry, as `npm install sendlens` would. Install size, ESM import and
 * CommonJS require, the CLI without the embedded engine, a host with its own OpenTelemetry SDK
 * (spans in its own traces and on otlp_spans, through the real broker), and a host without one.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTraceRequest } from '../../src/ingest/index.js';
import { brokers, createTopic, readTopic, testSettings } from '../helpers/kafka.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const hostScripts = fileURLToPath(new URL('./host', import.meta.url));
/** The bound the README promises for a service's install of the library. */
const MAX_INSTALL_BYTES = 60 * 1024 * 1024;
/** What the README tells a service without an SDK of its own to add for startSendlens's spans. */
const TRACE_SDK_PACKAGES = ['@opentelemetry/sdk-trace', '@opentelemetry/resources', '@opentelemetry/core', '@opentelemetry/context-async-hooks'];

function npm(cwd: string, args: string[]): string {
  return execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function sizeOf(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat || stat.isSymbolicLink()) return 0;
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((total, name) => total + sizeOf(join(path, name)), 0);
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe('the packed library in a fresh project', () => {
  const work = mkdtempSync(join(tmpdir(), 'sendlens-package-'));
  const project = join(work, 'service');
  let installBytes = 0;
  const run = (file: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Run => {
    const result = spawnSync(process.execPath, [file, ...args], { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 120_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const json = (result: Run): Record<string, unknown> => {
    expect(result.status, result.stderr).toBe(0);
    return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
  };

  beforeAll(() => {
    const tarball = npm(root, ['pack', '--silent', '--ignore-scripts', '--pack-destination', work]).trim().split('\n').at(-1)!;
    cpSync(hostScripts, project, { recursive: true });
    npm(project, ['init', '-y']);
    npm(project, ['pkg', 'set', 'type=module']);
    npm(project, ['install', join(work, tarball)]);
    installBytes = sizeOf(join(project, 'node_modules'));
  }, 300_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it(`installs in at most ${MAX_INSTALL_BYTES / 1024 / 1024} MB, without the embedded engine or an OpenTelemetry SDK`, () => {
    expect(installBytes).toBeGreaterThan(1024 * 1024);
    expect(installBytes).toBeLessThanOrEqual(MAX_INSTALL_BYTES);
    const installed = readdirSync(join(project, 'node_modules'));
    expect(installed).not.toContain('chdb');
    expect(readdirSync(join(project, 'node_modules', '@opentelemetry')).sort()).toEqual(['api']);
  });

  it('imports as ESM, and importing registers and connects nothing', () => {
    expect(json(run('import-esm.mjs'))).toEqual({ missing: [], providerRegistered: false, handles: [] });
  });

  it('loads in a CommonJS service with require()', () => {
    expect(json(run('require-cjs.cjs'))).toEqual({ instrumentFetch: 'function', startSendlens: 'function', code: 'throttling.rate_limited', instrumentation: 'SendInstrumentation' });
  });

  it('has the CLI say in one line how to get the embedded engine, and exit 1', () => {
    const result = run('node_modules/sendlens/bin/sendlens.js', ['sql', 'SELECT 1'], { SENDLENS_DATA_DIR: join(work, 'data') });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('sendlens: the embedded ClickHouse engine (chdb) is not installed: run `npm install chdb`, or set CLICKHOUSE_URL to use a ClickHouse server\n');
  });

  it('has startSendlens without a host SDK say what to install for its spans', () => {
    const result = json(run('no-host.mjs', [], { KAFKA_BROKERS: brokers(), SENDLENS_RECIPIENT_KEY: 'package-test-key-0123456789' }));
    expect(result.name).toBe('MissingDependencyError');
    expect(result.error).toContain(`npm install ${TRACE_SDK_PACKAGES.join(' ')}`);
  });

  describe('with an OpenTelemetry SDK installed beside it', () => {
    beforeAll(() => {
      npm(project, ['install', ...TRACE_SDK_PACKAGES, '@opentelemetry/sdk-node']);
    }, 300_000);

    it("a host's own SDK gets the send span as a child of its active span, and otlp_spans gets it too; sendlens loads no SDK", async () => {
      const kafka = testSettings();
      await createTopic(brokers(), kafka.spansTopic, 1);
      const result = json(run('host-sdk.mjs', [], { KAFKA_BROKERS: brokers(), SENDLENS_SPANS_TOPIC: kafka.spansTopic, SENDLENS_EVENTS_TOPIC: kafka.eventsTopic, SENDLENS_RECIPIENT_KEY: 'package-test-key-0123456789' }));
      expect(result.tracing).toBe('host');
      expect((result.logs as string[]).filter((line) => line.startsWith('info sendlens'))).toEqual([expect.stringContaining("using the host's OpenTelemetry tracer provider")]);
      expect(result.sdkLoadsBySendlens).toEqual([]);
      const parent = result.parent as { traceId: string; spanId: string };
      const spans = result.spans as { name: string; scope: string; traceId: string; spanId: string; parentSpanId: string | null }[];
      const send = spans.find((span) => span.scope === 'sendlens');
      expect(send).toMatchObject({ name: 'send resend', traceId: parent.traceId, parentSpanId: parent.spanId });
      expect(spans.find((span) => span.name === 'POST /checkout')).toMatchObject({ traceId: parent.traceId, spanId: parent.spanId });

      // The same span on otlp_spans, and only the send path's span (the host's own stays the host's).
      const [message] = await readTopic(brokers(), kafka.spansTopic, 1);
      const rows = decodeTraceRequest(message!.value);
      expect(rows.map((row) => ({ SpanName: row.SpanName, TraceId: row.TraceId, SpanId: row.SpanId, ParentSpanId: row.ParentSpanId, ServiceName: row.ServiceName }))).toEqual([
        { SpanName: 'send resend', TraceId: parent.traceId, SpanId: send!.spanId, ParentSpanId: parent.spanId, ServiceName: 'host-service' },
      ]);
    }, 120_000);

    it('a host without an SDK gets one started by startSendlens, its spans on otlp_spans', async () => {
      const kafka = testSettings();
      await createTopic(brokers(), kafka.spansTopic, 1);
      const result = json(run('no-host.mjs', [], { KAFKA_BROKERS: brokers(), SENDLENS_SPANS_TOPIC: kafka.spansTopic, SENDLENS_EVENTS_TOPIC: kafka.eventsTopic, SENDLENS_RECIPIENT_KEY: 'package-test-key-0123456789' }));
      expect(result).toMatchObject({ tracing: 'sendlens', registered: 'TracerProvider' });
      const parent = result.parent as { traceId: string; spanId: string };
      const [message] = await readTopic(brokers(), kafka.spansTopic, 1);
      const rows = decodeTraceRequest(message!.value);
      expect(rows.map((row) => ({ SpanName: row.SpanName, TraceId: row.TraceId, ParentSpanId: row.ParentSpanId, ServiceName: row.ServiceName, ScopeName: row.ScopeName }))).toEqual([
        { SpanName: 'send resend', TraceId: parent.traceId, ParentSpanId: parent.spanId, ServiceName: 'lone-service', ScopeName: 'sendlens' },
      ]);
    }, 120_000);
  });
});
