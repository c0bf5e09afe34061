import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DATASOURCE_UID } from '../../src/alerts/index.js';
import { createStoreClient } from '../../src/store/index.js';
import { runCli } from '../helpers/cli.js';

/**
 * Docker does not run here, so the stack is checked by reading it: the
 * services, pinned images, health checks, ports, that every file it mounts
 * exists, that the sendlens commands it runs are real, that every variable it
 * sets for sendlens is one the code reads, and that Grafana's provisioning
 * points at the compose services and at each other.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;

/** Every environment variable name the code reads. */
function variablesReadBySrc(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) for (const match of read(path).matchAll(/env\.([A-Z][A-Z0-9_]+)/g)) names.add(match[1] as string);
    }
  };
  walk('src');
  return names;
}

describe('docker-compose.yml', () => {
  it('runs Kafka, ClickHouse, Grafana, the migration, the loader, the webhook receiver and the traffic generator', () => {
    expect(Object.keys(services).sort()).toEqual(['clickhouse', 'grafana', 'ingest', 'kafka', 'migrate', 'traffic', 'webhooks']);
  });

  it('pins every image to an explicit version, and the plugin too', () => {
    for (const [name, service] of Object.entries(services)) {
      expect({ name, image: service.image }).toEqual({ name, image: expect.stringMatching(/^[a-z0-9./-]+:\d+(\.\d+)+$/) });
    }
    expect(services.grafana?.environment?.GF_PLUGINS_PREINSTALL_SYNC).toMatch(/^grafana-clickhouse-datasource@\d+\.\d+\.\d+$/);
    // The image runs the Node.js line CI tests on (.ci/run's LTS_MAJOR), pinned to a release.
    const ciMajor = /^LTS_MAJOR=(\d+)$/m.exec(read('.ci/run'))?.[1];
    expect(ciMajor).toBeDefined();
    expect(read('Dockerfile')).toMatch(new RegExp(`^FROM node:${ciMajor}\\.\\d+\\.\\d+-bookworm-slim$`, 'm'));
  });

  it('runs the ClickHouse server release line of the embedded engine the migrations are tested on', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sendlens-compose-'));
    const client = await createStoreClient({ dataDir });
    try {
      const result = await client.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' });
      const [row] = (await result.json()) as { version: string }[];
      const embeddedLine = /^(\d+\.\d+)\./.exec(row?.version ?? '')?.[1];
      expect(embeddedLine).toBeDefined();
      expect(services.clickhouse?.image).toBe(`clickhouse/clickhouse-server:${embeddedLine}`);
    } finally {
      await client.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('health-checks the servers, and starts each service only once what it needs is healthy or done', () => {
    for (const name of ['kafka', 'clickhouse', 'grafana', 'webhooks']) expect(services[name]?.healthcheck?.test.length, name).toBeGreaterThan(1);
    expect(services.ingest?.depends_on).toEqual({ kafka: { condition: 'service_healthy' }, migrate: { condition: 'service_completed_successfully' } });
    expect(services.migrate?.depends_on).toEqual({ clickhouse: { condition: 'service_healthy' } });
    for (const name of ['webhooks', 'traffic']) expect(services[name]?.depends_on?.migrate).toEqual({ condition: 'service_completed_successfully' });
    expect(services.grafana?.depends_on?.clickhouse).toEqual({ condition: 'service_healthy' });
  });

  it('publishes Grafana, the webhook receiver and ClickHouse', () => {
    expect(services.grafana?.ports).toEqual(['3000:3000']);
    expect(services.webhooks?.ports).toEqual(['8787:8787']);
    expect(services.clickhouse?.ports).toEqual(['8123:8123']);
    expect(services.webhooks?.command).toEqual(expect.arrayContaining(['--port', '8787', '--host', '0.0.0.0']));
  });

  it('mounts only files that exist, and named volumes it declares', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const [source] = volume.split(':');
        if (source?.startsWith('./')) expect({ name, source, exists: existsSync(join(ROOT, source)) }).toEqual({ name, source, exists: true });
        else expect(Object.keys(compose.volumes)).toContain(source);
      }
    }
    expect(existsSync(join(ROOT, 'dashboards'))).toBe(true);
  });

  it('runs real sendlens commands, with options they accept', () => {
    for (const name of ['migrate', 'ingest', 'webhooks', 'traffic']) {
      const command = services[name]?.command ?? [];
      expect(services[name]?.build, name).toBe('.');
      const help = runCli([command[0] as string, '--help']);
      expect({ name, status: help.status }).toEqual({ name, status: 0 });
      for (const option of command.filter((part) => part.startsWith('--'))) expect({ name, option, known: help.stdout.includes(option) }).toEqual({ name, option, known: true });
    }
  });

  it('sets for sendlens only variables the code reads, and requires the secrets instead of defaulting them', () => {
    const known = variablesReadBySrc();
    for (const name of ['migrate', 'ingest', 'webhooks', 'traffic']) {
      for (const variable of Object.keys(services[name]?.environment ?? {})) expect({ name, variable, read: known.has(variable) }).toEqual({ name, variable, read: true });
    }
    const text = read('docker-compose.yml');
    for (const secret of ['SENDLENS_RECIPIENT_KEY', 'CLICKHOUSE_PASSWORD', 'GRAFANA_ADMIN_PASSWORD', 'SENDLENS_WEBHOOK_SECRET']) {
      expect(text).toMatch(new RegExp(`\\$\\{${secret}:\\?`));
      expect(read('.env.example')).toMatch(new RegExp(`^${secret}=`, 'm'));
    }
    expect(services.ingest?.environment?.KAFKA_BROKERS).toBe('kafka:9092');
    expect(services.kafka?.environment?.KAFKA_ADVERTISED_LISTENERS).toBe('PLAINTEXT://kafka:9092');
  });
});

describe('Grafana provisioning', () => {
  const datasources = parse(read('grafana/provisioning/datasources/clickhouse.yaml')) as { datasources: { uid: string; type: string; jsonData: { host: string; port: number; username: string; traces: { defaultTable: string } } }[] };
  const dashboards = parse(read('grafana/provisioning/dashboards/sendlens.yaml')) as { providers: { options: { path: string } }[] };
  const alerting = parse(read('grafana/provisioning/alerting/sendlens.yaml')) as { groups: { rules: { data: { datasourceUid: string }[] }[] }[] };

  it('the data source is the compose ClickHouse, with the user it creates and the OTel traces table', () => {
    const [source] = datasources.datasources;
    expect(source).toMatchObject({ uid: DATASOURCE_UID, type: 'grafana-clickhouse-datasource', jsonData: { host: 'clickhouse', port: 8123, username: services.clickhouse?.environment?.CLICKHOUSE_USER, traces: { defaultTable: 'otel_traces' } } });
    expect(services.clickhouse?.ports?.[0]).toMatch(/:8123$/);
  });

  it('dashboards load from where compose mounts dashboards/, and alert rules query the provisioned data source', () => {
    const mount = services.grafana?.volumes?.find((v) => v.startsWith('./dashboards:'))?.split(':')[1];
    expect(dashboards.providers[0]?.options.path).toBe(mount);
    expect(readdirSync(join(ROOT, 'dashboards')).filter((f) => f.endsWith('.json')).length).toBeGreaterThanOrEqual(6);
    const uids = new Set(alerting.groups.flatMap((g) => g.rules.flatMap((r) => r.data.map((d) => d.datasourceUid))));
    expect(uids).toEqual(new Set([DATASOURCE_UID, '__expr__']));
    expect(services.grafana?.volumes).toContain('./grafana/provisioning:/etc/grafana/provisioning:ro');
  });
});
