import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The embedded engine takes an exclusive lock on `<data dir>/status` for as
 * long as a process has the store open (chDB, like clickhouse-server, refuses
 * a second one with "Cannot lock file …/status"). This names that process.
 */

export interface StoreHolder {
  pid: number;
  /** Its command line when /proc shows it, credentials masked. */
  command?: string;
}

/** The embedded store is open in another process; the message says which one and the ways out. */
export class StoreLockedError extends Error {
  constructor(
    readonly path: string,
    readonly holder: StoreHolder,
  ) {
    super(
      `the embedded store ${path} is in use by another process: pid ${holder.pid}${holder.command ? ` (${holder.command})` : ''}. ` +
        'The embedded engine opens a store in one process at a time: stop that process, give this command its own SENDLENS_DATA_DIR, ' +
        'or point every sendlens process at one ClickHouse server with CLICKHOUSE_URL',
    );
    this.name = 'StoreLockedError';
  }
}

/** A command line is printed, so values that look like secrets are masked first. */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/(\/\/)[^/@\s]*:[^/@\s]*@/g, '$1***@'],
  [/(--?[\w-]*(?:password|secret|token|key)[\w-]*[= ])\S+/gi, '$1***'],
];
const MAX_COMMAND_CHARS = 200;

function commandLine(pid: number): string | undefined {
  try {
    // One line, whatever the arguments hold: the message is printed as one.
    let command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').replace(/\s+/g, ' ').trim();
    for (const [pattern, replacement] of SECRET_PATTERNS) command = command.replace(pattern, replacement);
    return command.length > MAX_COMMAND_CHARS ? `${command.slice(0, MAX_COMMAND_CHARS)}…` : command || undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this id is running (EPERM: it is, and belongs to someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Linux's dev_t split as /proc/locks prints it (major:minor in hex). */
function deviceOf(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`;
}

/** The pid holding a lock on the file, from /proc/locks; null when /proc/locks cannot be read (not Linux). */
function lockHolderFromProc(file: string): number | undefined | null {
  let locks: string;
  try {
    locks = readFileSync('/proc/locks', 'utf8');
  } catch {
    return null;
  }
  let ino: bigint;
  let dev: bigint;
  try {
    ({ ino, dev } = statSync(file, { bigint: true }));
  } catch {
    return undefined; // closed while we looked
  }
  const device = deviceOf(dev);
  for (const line of locks.split('\n')) {
    // "1: FLOCK  ADVISORY  WRITE 14627 fe:00:10002914 0 EOF"; waiters ("1: -> FLOCK …") hold nothing.
    const match = /^\d+:\s+(?!->)\S+\s+\S+\s+\S+\s+(\d+)\s+([0-9a-f]+:[0-9a-f]+):(\d+)\s/.exec(line);
    if (match && BigInt(match[3] ?? -1) === ino && match[2] === device) return Number(match[1]);
  }
  return undefined;
}

/**
 * Which other process has the embedded store at `path` open, if any. The
 * status file stays behind when a process dies, so its PID line is trusted
 * only where the lock itself cannot be seen, and only for a live process.
 */
export function embeddedStoreHolder(path: string): StoreHolder | undefined {
  const status = join(path, 'status');
  let text: string;
  try {
    text = readFileSync(status, 'utf8');
  } catch {
    return undefined;
  }
  let pid = lockHolderFromProc(status);
  if (pid === null) {
    const written = Number(/^PID: (\d+)/m.exec(text)?.[1]);
    pid = Number.isInteger(written) && written > 0 && isAlive(written) ? written : undefined;
  }
  if (pid === undefined || pid === process.pid) return undefined;
  const command = commandLine(pid);
  return command ? { pid, command } : { pid };
}
