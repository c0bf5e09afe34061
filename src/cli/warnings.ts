/**
 * The CLI's process warnings: printed as Node prints them, except one known-harmless warning.
 *
 * kafkajs 2.2.4 (its last release) schedules its request queue's throttle check with a negative
 * delay when it was never throttled (`throttledUntil` starts at -1); Node 24 warns about every such
 * timer ("TimeoutNegativeWarning … Timeout duration was set to 1"), which is exactly what kafkajs
 * meant. Only that warning, raised from that file, is dropped; every other warning still prints.
 * A library never touches its host's listeners: this is installed by the `sendlens` command only.
 */
const KAFKAJS_REQUEST_QUEUE = /kafkajs[\\/]src[\\/]network[\\/]requestQueue[\\/]/;

export function isKafkajsNegativeTimeout(warning: Error): boolean {
  return warning.name === 'TimeoutNegativeWarning' && KAFKAJS_REQUEST_QUEUE.test(warning.stack ?? '');
}

export function installWarningFilter(): void {
  // Node prints warnings through its own 'warning' listener; replace it with one that skips the above.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (isKafkajsNegativeTimeout(warning)) return;
    process.stderr.write(`(node:${process.pid}) ${warning.name}: ${warning.message}\n`);
  });
}
