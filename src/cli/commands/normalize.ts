import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isProviderId, normalizeResponse, normalizeThrown, PROVIDERS } from '../../normalize/index.js';
import type { NormalizedError } from '../../normalize/index.js';
import { readLines } from '../lines.js';
import { renderTable } from '../table.js';
import { UsageError } from '../errors.js';

/** Input lines past this size are refused (with an error line) rather than buffered. */
export const MAX_INPUT_LINE_BYTES = 1024 * 1024;

export const SAMPLE_PATH = fileURLToPath(new URL('../../../samples/provider-responses.jsonl', import.meta.url));

export type LineResult = { ok: true; normalized: NormalizedError } | { ok: false; error: string };

/**
 * One input line: `{"provider", "status", "headers", "body"}` for an HTTP
 * answer, or `{"provider", "error": {...}}` for something thrown.
 */
export function normalizeInputLine(text: string, now?: number): LineResult {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (cause) {
    return { ok: false, error: `not valid JSON (${(cause as Error).message})` };
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, error: 'expected a JSON object' };
  const { provider, status, error } = input as Record<string, unknown>;
  if (!isProviderId(provider)) {
    return { ok: false, error: `unknown provider ${JSON.stringify(provider) ?? 'undefined'}; expected one of ${PROVIDERS.join(', ')}` };
  }
  const options = now === undefined ? {} : { now };
  if (error !== undefined) return { ok: true, normalized: normalizeThrown(provider, error, options) };
  if (typeof status !== 'number') return { ok: false, error: 'expected "status" (a number, for an HTTP answer) or "error" (for something thrown)' };
  const { headers, body } = input as Record<string, unknown>;
  return { ok: true, normalized: normalizeResponse(provider, { status, headers, body }, options) };
}

export interface NormalizeCommandOptions {
  sample?: boolean;
  format?: string;
}

/** Returns the exit code: 0 when every line normalized, 1 when any line was refused. */
export async function runNormalize(options: NormalizeCommandOptions, stdin: NodeJS.ReadableStream, stdout: NodeJS.WritableStream): Promise<number> {
  const format = options.format ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'table') throw new UsageError(`--format must be jsonl or table, not ${format}`);
  const input = options.sample ? createReadStream(SAMPLE_PATH) : stdin;

  let failures = 0;
  const tableRows: unknown[][] = [];
  for await (const line of readLines(input as AsyncIterable<Buffer>, MAX_INPUT_LINE_BYTES)) {
    if (!('tooLong' in line) && line.text.trim() === '') continue;
    const result: LineResult = 'tooLong' in line ? { ok: false, error: `line longer than ${MAX_INPUT_LINE_BYTES} bytes` } : normalizeInputLine(line.text);
    if (!result.ok) failures += 1;
    if (format === 'jsonl') {
      stdout.write(`${JSON.stringify(result.ok ? result.normalized : { error: `line ${line.number}: ${result.error}` })}\n`);
    } else if (result.ok) {
      const n = result.normalized;
      tableRows.push([n.provider, n.status ?? '-', n.providerCode ?? '-', n.code, n.retry, n.retryAfterMs ?? '', n.message]);
    } else {
      tableRows.push(['-', '-', '-', `error: line ${line.number}: ${result.error}`, '', '', '']);
    }
  }
  if (format === 'table') {
    stdout.write(`${renderTable(['provider', 'status', 'provider code', 'normalized code', 'retry', 'retry after ms', 'message'], tableRows, 56)}\n`);
    stdout.write(`\n${tableRows.length - failures} normalized, ${failures} refused\n`);
  }
  return failures === 0 ? 0 : 1;
}
