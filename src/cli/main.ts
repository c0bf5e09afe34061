import { readFileSync } from 'node:fs';
import { installWarningFilter } from './warnings.js';
import { Command, CommanderError } from 'commander';
import { runCatalog } from './commands/catalog.js';
import { runNormalize } from './commands/normalize.js';
import { runMigrate } from './commands/migrate.js';
import { runIngest } from './commands/ingest.js';
import { runWebhooks } from './commands/webhooks.js';
import { DEFAULT_DEMO_SENDS, runDemoCommand } from './commands/demo.js';
import { runSql } from './commands/sql.js';
import { runReport } from './commands/report.js';
import type { ReportCommandOptions } from './commands/report.js';
import { runAlertsCheck } from './commands/alerts.js';
import type { AlertsCheckOptions } from './commands/alerts.js';
import type { SqlCommandOptions } from './commands/sql.js';
import type { DemoCommandOptions } from './commands/demo.js';
import type { WebhooksCommandOptions } from './commands/webhooks.js';
import { DEFAULT_MAX_BODY_BYTES } from '../webhooks/index.js';
import { UsageError } from './errors.js';

installWarningFilter();

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function fail(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`sendlens: ${message.split('\n')[0]}\n`);
  process.exit(error instanceof UsageError ? error.exitCode : 1);
}

const program = new Command('sendlens')
  .description('Error analytics for transactional email: one normalized error language across providers.')
  .version(version)
  .showHelpAfterError()
  .exitOverride();

program
  .command('normalize')
  .description('Normalize provider failures: JSON Lines in on stdin, one JSON line out per line, in order.')
  .option('--sample', 'read the bundled sample of provider responses instead of stdin')
  .option('--format <format>', 'jsonl (default) or table')
  .addHelpText(
    'after',
    `
Each input line is an HTTP answer or something thrown:
  {"provider": "ses", "status": 400, "headers": {...}, "body": "<ErrorResponse>..."}
  {"provider": "ses", "error": {"name": "MessageRejected", "message": "...", "$metadata": {"httpStatusCode": 400}}}
A line that is not valid JSON or names an unknown provider gets {"error": "..."};
processing continues and the exit code is 1 at the end.`,
  )
  .action(async (options: { sample?: boolean; format?: string }) => {
    process.exitCode = await runNormalize(options, process.stdin, process.stdout);
  });

program
  .command('catalog')
  .description('Print the error catalog: every provider code and what it normalizes to.')
  .option('--json', 'print JSON instead of a table')
  .option('--provider <id>', 'only this provider (relay, sendfleet, ses, scaisend, resend, sendgrid, mailgun, postmark)')
  .action((options: { json?: boolean; provider?: string }) => {
    process.exitCode = runCatalog(options, process.stdout);
  });

program
  .command('migrate')
  .description('Create or update the ClickHouse schema (embedded by default, CLICKHOUSE_URL for a server); idempotent.')
  .option('--print', 'print the DDL rendered for this configuration instead of applying it')
  .option('--cluster <name>', 'render ON CLUSTER DDL with Replicated engines (also SENDLENS_CLICKHOUSE_CLUSTER)')
  .option('--json', 'print the result as JSON')
  .action(async (options: { print?: boolean; json?: boolean; cluster?: string }) => {
    process.exitCode = await runMigrate(options, process.stdout);
  });

program
  .command('ingest')
  .description('Load events from Kafka into ClickHouse until SIGTERM (consumer group; offsets committed after each insert).')
  .option('--group <id>', 'consumer group id', 'sendlens-ingest')
  .option('--max-invalid-ratio <ratio>', 'stop when more than this share of events (0-1) is invalid', '0.5')
  .option('--batch-rows <n>', 'rows per batch (default 100000)')
  .option('--batch-wait-ms <ms>', 'longest a batch waits before it is written (default 1000)')
  .option('--no-migrate', 'do not apply the schema before starting')
  .action(async (options: { group?: string; maxInvalidRatio?: string; batchRows?: string; batchWaitMs?: string; migrate?: boolean }) => {
    process.exitCode = await runIngest(options);
  });

program
  .command('webhooks')
  .description('Receive provider webhooks (SES via SNS, Resend, ScaiSend, generic signed JSON) until SIGTERM; events to Kafka, or straight to the store without KAFKA_BROKERS.')
  .option('--port <n>', 'port to listen on (0: any free port)', '8787')
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--max-body-bytes <n>', `largest request body accepted (default ${DEFAULT_MAX_BODY_BYTES})`)
  .action(async (options: WebhooksCommandOptions) => {
    process.exitCode = await runWebhooks(options);
  });

program
  .command('demo')
  .description('Simulate a week of email traffic for nine providers, with incidents, through the real pipeline into ClickHouse; print a summary.')
  .option('--seed <n>', 'seed of the simulation (same seed, same week)', '42')
  .option('--days <n>', 'simulated days, ending now', '7')
  .option('--sends <n>', 'sends to simulate over the whole span', String(DEFAULT_DEMO_SENDS))
  .option('--json', 'print the run and the summary as JSON')
  .option('--reset', 'allow emptying the demo tables on a ClickHouse server (CLICKHOUSE_URL)')
  .option('--report <path>', 'write the HTML report of the dashboards here at the end', 'sendlens-report.html')
  .option('--no-report', 'do not write the report')
  .option('--live', 'send live traffic in real time until SIGTERM, without emptying anything (the compose stack)')
  .option('--rate <n>', 'with --live: sends per second, averaged over a day (quiet nights, busy afternoons)', '5')
  .action(async (options: DemoCommandOptions) => {
    process.exitCode = await runDemoCommand(options);
  });

program
  .command('sql')
  .argument('[query]', 'one SQL statement (or use -f)')
  .description('Run one SQL statement over the error history (read-only unless --write); see docs/queries.md.')
  .option('-f, --file <path>', 'read the statement from a file (- for stdin)')
  .option('--format <format>', 'table, json (an array of objects) or csv (RFC 4180, with a header)', 'table')
  .option('--max-rows <n>', 'read at most this many rows', '10000')
  .option('--write', 'allow statements that change data or schema')
  .action(async (query: string | undefined, options: SqlCommandOptions) => {
    process.exitCode = await runSql(query, options, process.stdout, process.stderr);
  });

const alerts = program.command('alerts').description('The alert rules Grafana is provisioned with (src/alerts).');
alerts
  .command('check')
  .description('Evaluate every alert rule against ClickHouse and print the firing ones (exit 0 when the check ran, 1 when it could not).')
  .option('--json', 'print the firing alerts as JSON')
  .option('--webhook <url>', 'also POST them as JSON to this URL (10 s timeout; a non-2xx answer is an error)')
  .option('--at <time>', 'evaluate as of this ISO 8601 time instead of now')
  .action(async (options: AlertsCheckOptions) => {
    process.exitCode = await runAlertsCheck(options, process.stdout);
  });

program
  .command('report')
  .description('Write one self-contained HTML file with every dashboard panel (same SQL as Grafana, charts as inline SVG).')
  .option('--out <path>', 'the HTML file to write', 'sendlens-report.html')
  .option('--from <time>', 'start of the range, ISO 8601 (default: 7 days before --to)')
  .option('--to <time>', 'end of the range, ISO 8601 (default: now)')
  .action(async (options: ReportCommandOptions) => {
    process.exitCode = await runReport(options, process.stdout, process.stderr);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  fail(error);
}
