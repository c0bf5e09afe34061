import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs a script in a fresh Node process with the CLI's warning filter installed, returning its stderr. */
function stderrWithFilter(body: string): string {
  const script = `
    import { createRequire } from 'node:module';
    import { installWarningFilter } from './dist/cli/warnings.js';
    const require = createRequire(import.meta.url);
    installWarningFilter();
    ${body}
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return run.stderr;
}

describe('the CLI warning filter', () => {
  it("drops the negative-timeout warning kafkajs's request queue raises on Node 24, from kafkajs itself", () => {
    // The real kafkajs code path: a queue that was never throttled schedules its check at -1 - now.
    const stderr = stderrWithFilter(`
      const RequestQueue = require('kafkajs/src/network/requestQueue/index.js');
      const queue = new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 1000, clientId: 't', broker: 'b', logger: { debug() {}, warn() {}, error() {}, info() {} } });
      queue.scheduleCheckPendingRequests();
      await new Promise((resolve) => setTimeout(resolve, 20));
      clearTimeout(queue.throttleCheckTimeoutId);
    `);
    expect(stderr).toBe('');
  });

  it('still prints every other warning, negative timeouts of other code included', () => {
    const stderr = stderrWithFilter(`
      setTimeout(() => {}, -5);
      process.emitWarning('something else', 'DeprecationWarning');
      await new Promise((resolve) => setTimeout(resolve, 20));
    `);
    expect(stderr).toContain('TimeoutNegativeWarning: -5 is a negative number');
    expect(stderr).toContain('DeprecationWarning: something else');
  });
});
