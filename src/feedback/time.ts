/**
 * Times in provider payloads. `Date.parse` reads an ISO 8601 date-time that
 * has no zone in the process's own time zone, so the same payload would land
 * hours apart on two servers (with TZ=America/New_York, 4 or 5 hours late).
 * Every provider we read writes UTC (SES, SNS and Resend with `Z` or
 * `+00:00`), so a time without a zone is taken as UTC, on every server.
 * Impossible dates (February 30th) are refused rather than rolled over.
 */

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
/** Longer than any ISO 8601 date-time: not worth matching. */
const MAX_LENGTH = 40;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Minutes east of UTC of `Z`, `±hh`, `±hhmm` or `±hh:mm`; null when out of range; 0 when absent. */
function offsetMinutes(zone: string | undefined): number | null {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 23 || minutes > 59) return null;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

/** Unix milliseconds of an ISO 8601 date-time (`2026-11-21T10:00:00.894719+00:00`); UTC when it has no zone; null when it is not one. */
export function parseIsoTime(text: string): number | null {
  if (text.length > MAX_LENGTH) return null;
  const match = ISO_DATE_TIME.exec(text);
  if (match === null) return null;
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return null;
  const offset = offsetMinutes(zone);
  if (offset === null) return null;
  const millis = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offset * 60_000;
}
