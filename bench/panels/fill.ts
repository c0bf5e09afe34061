/**
 * Fills a store with the scenario (bench/panels/scenario.ts) in ClickHouse
 * itself: `INSERT INTO email_send_events SELECT … FROM numbers(…)` in chunks,
 * then the feedback the same way, so the materialized views see insert blocks
 * of realistic size and the fill costs no JavaScript per row.
 *
 * Every value is a pure function of the row's number (hashes of it, never
 * rand()), so a feedback row can recompute the send it follows: feedback row i
 * follows send ⌊i · N / D⌋ and takes its workspace, domain, provider,
 * recipient and message. Send n occurs at now − 30 days + n · 30 days / N.
 * (So about 10% of feedback follows a failed attempt, as if its retry had
 * gone out, and 3% a management call, with no recipient: the panels count
 * feedback and sends apart, and these keep the fill one pass per table.)
 */
import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import {
  BATCH_RECIPIENTS,
  BENCH_RECIPIENT_KEY,
  DELIVERIES_PER_SEND,
  FAILOVER_SHARE,
  FAILURE_CODE_WEIGHTS,
  FAILURE_SHARE,
  FEEDBACK_INCIDENT,
  FEEDBACK_KINDS,
  FEEDBACK_WITHOUT_SENDER_DOMAIN,
  HISTORY_MS,
  OPERATION_WEIGHTS,
  PROVIDER_WEIGHTS,
  RECIPIENT_DOMAINS,
  RECIPIENT_POOL,
  RETRIED_SHARE,
  RETRY_AFTER_MS,
  RETRY_AFTER_PROVIDERS,
  RETRY_BY_CODE,
  SEND_INCIDENTS,
  SENDER_DOMAINS,
  SERVICES,
  STAGING_SHARE,
  STATUS_BY_CATEGORY,
  THIRD_ATTEMPT_SHARE,
  WORKSPACES,
} from './scenario.js';

export interface FillOptions {
  /** Send events N; feedback events are round(0.7 N). */
  events: number;
  /** The end of the history (exclusive); default: now, to the second. */
  now?: Date;
  /** Send events per INSERT (feedback chunks are 0.7 of it). Default 1,000,000. */
  chunkRows?: number;
  /** Called after each chunk, for progress lines. */
  onChunk?: (done: { sends: number; deliveries: number }) => void;
}

export interface FillResult {
  sends: number;
  deliveries: number;
  now: Date;
  seconds: number;
}

export const DEFAULT_CHUNK_ROWS = 1_000_000;

export const deliveryCount = (events: number): number => Math.round(events * DELIVERIES_PER_SEND);

// ---------------------------------------------------------------------------
// SQL pieces.

const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const stringArray = (values: readonly string[]) => `[${values.map(quote).join(', ')}]`;
const numberArray = (values: readonly number[]) => `[${values.join(', ')}]`;

/** Independent hash streams, one per random choice. */
const SALT = {
  workspace: 1,
  domainPrefix: 2,
  failover: 3,
  service: 4,
  environment: 5,
  operation: 6,
  batchSize: 7,
  recipient: 8,
  recipientDomain: 9,
  failure: 10,
  failureCode: 11,
  incident: 12,
  attempt: 13,
  latency: 14,
  retryAfter: 15,
  eventIdA: 16,
  eventIdB: 17,
  variant: 18,
  traceA: 19,
  traceB: 20,
  span: 21,
  message: 22,
  providerMessage: 23,
  feedbackKind: 24,
  feedbackDelay: 25,
  receiptDelay: 26,
  providerEvent: 27,
  primaryProvider: 28,
  secondaryProvider: 29,
} as const;

/** A uniform number in [0, 1) from hashing `of` with a salt (32 bits: never 1.0). */
const uniform = (of: string, salt: number) => `((cityHash64(${of}, ${salt}) % 4294967296) / 4294967296.0)`;

/** The value whose cumulative weight first exceeds `u`, as SQL (weights normalized to their sum). */
function weightedPick(entries: readonly (readonly [string, number])[], u: string): string {
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let running = 0;
  const bounds = entries.map(([, weight], index) => {
    running += weight;
    return index === entries.length - 1 ? 2 : running / total;
  });
  return `${stringArray(entries.map(([value]) => value))}[arrayFirstIndex(bound -> bound > ${u}, ${numberArray(bounds)})]`;
}

/** Hex digits of two 64-bit hashes of `of`: 32 characters. */
const hex32 = (of: string, saltA: number, saltB: number) =>
  `concat(leftPad(lower(hex(cityHash64(${of}, ${saltA}))), 16, '0'), leftPad(lower(hex(cityHash64(${of}, ${saltB}))), 16, '0'))`;

/** A UUIDv7 (the contract's event_id) with its time at `ms` and its random bits from hashes of `of`. */
function uuidv7(ms: string, of: string, stream: 'send' | 'feedback'): string {
  // Feedback row i and send n = i get different random bits.
  const offset = stream === 'send' ? 0 : 1000;
  const time = `leftPad(lower(hex(toUInt64(${ms}))), 12, '0')`;
  const random = hex32(of, SALT.eventIdA + offset, SALT.eventIdB + offset);
  const variant = `['8', '9', 'a', 'b'][1 + cityHash64(${of}, ${SALT.variant + offset}) % 4]`;
  return `toUUID(concat(substring(${time}, 1, 8), '-', substring(${time}, 9, 4), '-7', substring(${random}, 1, 3), '-', ${variant}, substring(${random}, 4, 3), '-', substring(${random}, 7, 12)))`;
}

/**
 * HMAC-SHA256 of `address` under `key`, in hex, as RecipientHasher computes
 * it (src/events/recipient.ts): SHA256((K ⊕ opad) ‖ SHA256((K ⊕ ipad) ‖ m)).
 */
export function hmacSha256HexSql(address: string, key: string = BENCH_RECIPIENT_KEY): string {
  const block = Buffer.alloc(64);
  const keyBytes = Buffer.from(key, 'utf8');
  (keyBytes.length > 64 ? createHash('sha256').update(keyBytes).digest() : keyBytes).copy(block);
  const pad = (byte: number) => Buffer.from(block.map((b) => b ^ byte)).toString('hex');
  return `lower(hex(SHA256(concat(unhex('${pad(0x5c)}'), SHA256(concat(unhex('${pad(0x36)}'), ${address}))))))`;
}

/** The workspace rank (0 = largest) of a uniform u: ⌊COUNT · u^SKEW⌋. */
export const workspaceRankSql = (u: string): string => `toUInt32(floor(${WORKSPACES.count} * pow(${u}, ${WORKSPACES.skew})))`;

const within = (fromAgoMs: number, toAgoMs: number) => `(t_ms >= now_ms - ${fromAgoMs} AND t_ms < now_ms - ${toAgoMs})`;

/**
 * What a send is, as SELECT items over a row number `n` (and the constants
 * now_ms, total): the columns a feedback row shares with its send.
 */
function sendBasis(): string[] {
  const { multiDomainRanks, prefixes, singleDomainRanks, sharedDomains } = SENDER_DOMAINS;
  const recipients = `greatest(${RECIPIENT_POOL.min}, toUInt64(total * ${RECIPIENT_POOL.perSend}))`;
  return [
    `now_ms - ${HISTORY_MS} + intDiv(n * ${HISTORY_MS}, total) AS t_ms`,
    `${workspaceRankSql(uniform('n', SALT.workspace))} AS ws_rank`,
    `concat('ws-', leftPad(toString(ws_rank), 4, '0')) AS workspace`,
    `multiIf(ws_rank < ${multiDomainRanks}, concat(${stringArray(prefixes)}[1 + cityHash64(n, ${SALT.domainPrefix}) % ${prefixes.length}], '.', workspace, '.example'),
             ws_rank < ${singleDomainRanks}, concat('mail.', workspace, '.example'),
             concat('s', toString(ws_rank % ${sharedDomains}), '.platform-mail.example')) AS sender_domain`,
    `if(${uniform('n', SALT.failover)} < ${FAILOVER_SHARE}, ${weightedPick(PROVIDER_WEIGHTS, uniform('sender_domain', SALT.secondaryProvider))}, ${weightedPick(PROVIDER_WEIGHTS, uniform('sender_domain', SALT.primaryProvider))}) AS provider`,
    `${weightedPick(OPERATION_WEIGHTS, uniform('n', SALT.operation))} AS operation`,
    `multiIf(operation = 'send', 1, operation = 'send_batch', 2 + cityHash64(n, ${SALT.batchSize}) % ${BATCH_RECIPIENTS}, 0) AS recipients_addressed`,
    `cityHash64(n, ${SALT.recipient}) % ${recipients} AS recipient_id`,
    `multiIf(recipients_addressed = 0, '',
             ${uniform('recipient_id', SALT.recipientDomain)} < ${RECIPIENT_DOMAINS.corporateShare}, concat('corp', toString(recipient_id % ${RECIPIENT_DOMAINS.corporateDomains}), '.example'),
             ${weightedPick(RECIPIENT_DOMAINS.consumer, uniform('recipient_id', SALT.recipientDomain + 100))}) AS to_domain`,
    `if(recipients_addressed = 0, '', ${hmacSha256HexSql(`concat('user', toString(recipient_id), '@', to_domain)`)}) AS to_hash`,
    `concat('<', ${hex32('n', SALT.message, SALT.message + 100)}, '@', sender_domain, '>') AS message`,
  ];
}

/** The send event's columns, in the table's order of the INSERT below. */
const SEND_COLUMNS = [
  'event_id', 'schema_version', 'occurred_at', 'service', 'environment', 'provider', 'operation', 'workspace', 'sender_domain',
  'recipient_domain', 'recipient_hash', 'recipient_count', 'rejected_recipient_count', 'message_id', 'provider_message_id', 'attempt',
  'outcome', 'status', 'provider_code', 'code', 'category', 'retry', 'retry_after_ms', 'error_message', 'latency_ms', 'trace_id', 'span_id',
];

function sendSelect(): string {
  const incidents = SEND_INCIDENTS.map((i) => `${within(i.fromAgoMs, i.toAgoMs)} AND ${i.column} = ${quote(i.value)} AND ${uniform('n', SALT.incident)} < ${i.share}, ${quote(i.code)}`);
  const statuses = Object.entries(STATUS_BY_CATEGORY);
  return `SELECT
    ${uuidv7('t_ms', 'n', 'send')} AS event_id,
    1 AS schema_version,
    fromUnixTimestamp64Milli(toInt64(t_ms), 'UTC') AS occurred_at,
    ${stringArray(SERVICES)}[1 + cityHash64(ws_rank, ${SALT.service}) % ${SERVICES.length}] AS service,
    if(${uniform('n', SALT.environment)} < ${STAGING_SHARE}, 'staging', 'production') AS environment,
    provider, operation, workspace, sender_domain,
    to_domain AS recipient_domain,
    to_hash AS recipient_hash,
    recipients_addressed AS recipient_count,
    0 AS rejected_recipient_count,
    message AS message_id,
    if(code = '', concat(provider, '-', ${hex32('n', SALT.providerMessage, SALT.providerMessage + 100)}), '') AS provider_message_id,
    toUInt16(1 + (${uniform('n', SALT.attempt)} < ${RETRIED_SHARE}) + (${uniform('n', SALT.attempt)} < ${THIRD_ATTEMPT_SHARE})) AS attempt,
    if(code = '', 'sent', 'failed') AS outcome,
    -- network failures have no status: 0 in the table below, null in the event
    if(code = '', toNullable(toUInt16(200)), nullIf(toUInt16(transform(category, ${stringArray(statuses.map(([c]) => c))}, ${numberArray(statuses.map(([, s]) => s ?? 0))}, 400)), 0)) AS status,
    splitByChar('.', code)[2] AS provider_code,
    multiIf(${incidents.join(',\n            ')},
            ${uniform('n', SALT.failure)} < ${FAILURE_SHARE}, ${weightedPick(FAILURE_CODE_WEIGHTS, uniform('n', SALT.failureCode))},
            '') AS code,
    if(code = '', '', splitByChar('.', code)[1]) AS category,
    transform(code, ${stringArray(RETRY_BY_CODE.map(([c]) => c))}, ${stringArray(RETRY_BY_CODE.map(([, r]) => r))}, '') AS retry,
    if(category IN ('throttling', 'quota') AND provider IN ${stringArray(RETRY_AFTER_PROVIDERS)},
       toNullable(toUInt32(${numberArray(RETRY_AFTER_MS)}[1 + cityHash64(n, ${SALT.retryAfter}) % ${RETRY_AFTER_MS.length}])), NULL) AS retry_after_ms,
    if(code = '', '', concat('simulated ', code)) AS error_message,
    toFloat32(if(code = 'network.timeout', 10000 + 20000 * ${uniform('n', SALT.latency)}, round(30 + 400 * pow(${uniform('n', SALT.latency)}, 3), 1))) AS latency_ms,
    ${hex32('n', SALT.traceA, SALT.traceB)} AS trace_id,
    leftPad(lower(hex(cityHash64(n, ${SALT.span}))), 16, '0') AS span_id`;
}

/** Sends [start, start + count) of `total` ending at nowMs, as a SELECT of the table's columns. */
export function sendRowsSql(start: number, count: number, total: number, nowMs: number): string {
  return `SELECT ${SEND_COLUMNS.join(', ')} FROM
(
  ${sendSelect()}
  FROM
  (
    SELECT number AS n, ${nowMs} AS now_ms, ${total} AS total,
      ${sendBasis().join(',\n      ')}
    FROM numbers(${start}, ${count})
  )
)`;
}

export const sendInsertSql = (start: number, count: number, total: number, nowMs: number): string =>
  `INSERT INTO email_send_events (${SEND_COLUMNS.join(', ')})\n${sendRowsSql(start, count, total, nowMs)}`;

const DELIVERY_COLUMNS = [
  'event_id', 'schema_version', 'occurred_at', 'received_at', 'provider', 'provider_type', 'workspace', 'sender_domain', 'recipient_domain',
  'recipient_hash', 'message_id', 'provider_message_id', 'provider_event_id', 'outcome', 'bounce_type', 'provider_bounce_type',
  'bounce_subtype', 'provider_reason', 'smtp_status', 'smtp_code', 'diagnostic', 'code', 'category',
];

function deliverySelect(): string {
  const kinds = FEEDBACK_KINDS.map((k) => k.kind);
  const column = (pick: (k: (typeof FEEDBACK_KINDS)[number]) => string) => `transform(kind, ${stringArray(kinds)}, ${stringArray(FEEDBACK_KINDS.map(pick))}, '')`;
  const spike = FEEDBACK_INCIDENT;
  let running = 0;
  const spikeKinds = spike.shares.map(([kind, share]) => {
    running += share;
    return `in_spike AND ${uniform('i', SALT.incident)} < ${running}, ${quote(kind)}`;
  });
  const smtpCodes = FEEDBACK_KINDS.map((k) => k.smtpCode ?? 0);
  return `SELECT
    ${uuidv7('feedback_ms', 'i', 'feedback')} AS event_id,
    1 AS schema_version,
    fromUnixTimestamp64Milli(toInt64(feedback_ms), 'UTC') AS occurred_at,
    fromUnixTimestamp64Milli(toInt64(least(now_ms, feedback_ms + 1000 + cityHash64(i, ${SALT.receiptDelay}) % 30000)), 'UTC') AS received_at,
    provider,
    ${column((k) => k.providerType)} AS provider_type,
    workspace,
    if(provider IN ${stringArray(FEEDBACK_WITHOUT_SENDER_DOMAIN)}, '', sender_domain) AS feedback_sender_domain,
    to_domain AS recipient_domain,
    to_hash AS recipient_hash,
    message AS message_id,
    concat(provider, '-', ${hex32('n', SALT.providerMessage, SALT.providerMessage + 100)}) AS provider_message_id,
    ${hex32('i', SALT.providerEvent, SALT.providerEvent + 100)} AS provider_event_id,
    multiIf(${spikeKinds.join(', ')}, ${weightedPick(FEEDBACK_KINDS.map((k) => [k.kind, k.share] as const), uniform('i', SALT.feedbackKind))}) AS kind,
    ${column((k) => k.outcome)} AS outcome,
    ${column((k) => k.bounceType)} AS bounce_type,
    ${column((k) => k.providerBounceType)} AS provider_bounce_type,
    ${column((k) => k.bounceSubtype)} AS bounce_subtype,
    if(outcome IN ('bounced', 'rejected'), 'simulated', '') AS provider_reason,
    ${column((k) => k.smtpStatus)} AS smtp_status,
    nullIf(transform(kind, ${stringArray(kinds)}, ${numberArray(smtpCodes)}, 0), 0) AS smtp_code,
    ${column((k) => k.diagnostic)} AS diagnostic,
    ${column((k) => k.code)} AS code,
    if(code = '', '', splitByChar('.', code)[1]) AS category`;
}

/** Feedback [start, start + count) of `deliveries`, following `total` sends ending at nowMs, as a SELECT of the table's columns. */
export function deliveryRowsSql(start: number, count: number, total: number, deliveries: number, nowMs: number): string {
  const spike = FEEDBACK_INCIDENT;
  const columns = DELIVERY_COLUMNS.map((c) => (c === 'sender_domain' ? 'feedback_sender_domain AS sender_domain' : c));
  return `SELECT ${columns.join(', ')} FROM
(
  ${deliverySelect()}
  FROM
  (
    SELECT *,
      least(now_ms - 1, t_ms + 2000 + cityHash64(i, ${SALT.feedbackDelay}) % 600000) AS feedback_ms,
      sender_domain = ${quote(spike.senderDomain)} AND ${within(spike.fromAgoMs, spike.toAgoMs)} AS in_spike
    FROM
    (
      SELECT number AS i, intDiv(number * ${total}, ${deliveries}) AS n, ${nowMs} AS now_ms, ${total} AS total,
        ${sendBasis().join(',\n        ')}
      FROM numbers(${start}, ${count})
    )
  )
)`;
}

export const deliveryInsertSql = (start: number, count: number, total: number, deliveries: number, nowMs: number): string =>
  `INSERT INTO email_delivery_events (${DELIVERY_COLUMNS.join(', ')})\n${deliveryRowsSql(start, count, total, deliveries, nowMs)}`;

/**
 * Fills the store's raw tables (the migrations must have run): sends in
 * chunks of `chunkRows`, each followed by the feedback of the same sends,
 * as a live system's inserts would go.
 */
export async function fillStore(client: ClickHouseClient, options: FillOptions): Promise<FillResult> {
  const total = options.events;
  if (!Number.isInteger(total) || total < 1) throw new Error(`events must be a whole number ≥ 1, got ${total}`);
  const chunk = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const deliveries = deliveryCount(total);
  const now = new Date(Math.floor((options.now ?? new Date()).getTime() / 1000) * 1000);
  const started = performance.now();
  for (let start = 0; start < total; start += chunk) {
    const end = Math.min(total, start + chunk);
    await client.command({ query: sendInsertSql(start, end - start, total, now.getTime()) });
    // Feedback rows whose send falls in [start, end): i with ⌊i · N / D⌋ in that range.
    const from = Math.ceil((start * deliveries) / total);
    const to = end === total ? deliveries : Math.ceil((end * deliveries) / total);
    if (to > from) await client.command({ query: deliveryInsertSql(from, to - from, total, deliveries, now.getTime()) });
    options.onChunk?.({ sends: end, deliveries: to });
  }
  return { sends: total, deliveries, now, seconds: (performance.now() - started) / 1000 };
}
