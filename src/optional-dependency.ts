import { createRequire } from 'node:module';

/**
 * The packages sendlens uses only on some paths, which a service's install does not carry (peer
 * dependencies marked optional in package.json): the embedded ClickHouse engine for the pipeline
 * commands, and the trace SDK for `startSendlens` in a service without an OpenTelemetry SDK of
 * its own. A missing one is a one-line instruction, never a stack trace from deep inside.
 */
export class MissingDependencyError extends Error {
  override readonly name = 'MissingDependencyError';
}

export interface OptionalDependency {
  /** What needs it, in a few words: "the embedded ClickHouse engine". */
  readonly purpose: string;
  /** The packages to install, as `npm install` takes them. */
  readonly packages: readonly string[];
  /** Another way out, if there is one: "or set CLICKHOUSE_URL to use a server". */
  readonly otherwise?: string;
}

function isModuleNotFound(error: unknown, specifier: string): boolean {
  const { code, message } = error as { code?: string; message?: string };
  const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
  // Only the package asked for: a missing file inside an installed package is a different failure.
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
  return missing && typeof message === 'string' && message.includes(`'${name}`);
}

export function missingDependency(dependency: OptionalDependency): MissingDependencyError {
  const install = `npm install ${dependency.packages.join(' ')}`;
  return new MissingDependencyError(`${dependency.purpose} is not installed: run \`${install}\`${dependency.otherwise ? `, ${dependency.otherwise}` : ''}`);
}

/** `import(specifier)`, or a MissingDependencyError saying what to install. */
export async function importOptional<T>(specifier: string, dependency: OptionalDependency): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    if (isModuleNotFound(error, specifier)) throw missingDependency(dependency);
    throw error;
  }
}

/** `require(specifier)` from sendlens's own location, or a MissingDependencyError. */
export function requireOptional<T>(specifier: string, dependency: OptionalDependency): T {
  try {
    return createRequire(import.meta.url)(specifier) as T;
  } catch (error) {
    if (isModuleNotFound(error, specifier)) throw missingDependency(dependency);
    throw error;
  }
}
