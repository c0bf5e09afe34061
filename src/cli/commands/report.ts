import { writeFileSync } from 'node:fs';
import { buildReport } from '../../report/index.js';
import { createStoreClient, storeConfigFromEnv } from '../../store/index.js';
import { UsageError } from '../errors.js';

export interface ReportCommandOptions {
  out: string;
  from?: string;
  to?: string;
}

function time(value: string | undefined, name: string, fallback: Date): Date {
  if (value === undefined) return fallback;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw new UsageError(`${name} must be an ISO 8601 time, e.g. 2026-11-22T00:00:00Z`);
  return parsed;
}

/** `sendlens report`: every dashboard panel into one HTML file; exit 1 if a panel's query failed. */
export async function runReport(options: ReportCommandOptions, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  const to = time(options.to, '--to', new Date());
  const from = time(options.from, '--from', new Date(to.getTime() - 7 * 86_400_000));
  if (from >= to) throw new UsageError('--from must be before --to');
  const client = await createStoreClient(storeConfigFromEnv());
  try {
    const report = await buildReport(client, { from, to });
    writeFileSync(options.out, report.html);
    for (const failed of report.errors) stderr.write(`sendlens: panel ${failed.dashboard}/${failed.panel} failed: ${failed.error}\n`);
    stdout.write(`wrote ${options.out}: ${report.panels} panels (${report.errors.length} failed)\n`);
    return report.errors.length === 0 ? 0 : 1;
  } finally {
    await client.close();
  }
}
