/** Structured logs: one JSON object per line on stderr, so stdout stays for data. */
export function jsonLogger(minimum: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const order = { debug: 0, info: 1, warn: 2, error: 3 } as const;
  return (level: keyof typeof order, message: string, fields: Record<string, unknown> = {}): void => {
    if (order[level] < order[minimum]) return;
    process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), level, msg: message, ...fields }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
  };
}
