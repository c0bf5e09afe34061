import type { RequestFields } from './types.js';

/** Readers for a send request's fields, shared by the providers' HTTP API descriptions. */
export const objectField = (value: unknown): RequestFields | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as RequestFields) : undefined;
export const stringField = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
export const stringList = (value: unknown): string[] =>
  typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
/** "a@example.com, b@example.com" (and repeated fields) as addresses. */
export const commaList = (value: unknown): string[] =>
  stringList(value)
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter(Boolean);
