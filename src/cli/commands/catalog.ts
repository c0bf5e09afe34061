import { catalogLines, isProviderId, PROVIDERS } from '../../normalize/index.js';
import { renderTable } from '../table.js';
import { UsageError } from '../errors.js';

export interface CatalogCommandOptions {
  json?: boolean;
  provider?: string;
}

export function runCatalog(options: CatalogCommandOptions, stdout: NodeJS.WritableStream): number {
  if (options.provider !== undefined && !isProviderId(options.provider)) {
    throw new UsageError(`unknown provider ${options.provider}; expected one of ${PROVIDERS.join(', ')}`);
  }
  const lines = catalogLines().filter((line) => options.provider === undefined || line.provider === options.provider || line.provider === 'any');
  if (options.json) {
    stdout.write(`${JSON.stringify(lines, null, 2)}\n`);
    return 0;
  }
  const rows = lines.map((l) => [l.provider, l.providerCode, l.status ?? '', l.whenMessage ?? '', l.code, l.retry, l.schedule ?? '']);
  stdout.write(`${renderTable(['provider', 'provider code', 'status', 'message matches', 'normalized code', 'retry', 'schedule'], rows, 44)}\n`);
  return 0;
}
