import { normalizeThrown } from '../../normalize/index.js';
import type { Operation } from '../../events/index.js';
import type { AttemptContext, AttemptResult, OutcomeReader, SendInstrumentation } from '../../instrument/index.js';

/** Which SESv2 and SES v1 commands are which operation; first match wins. */
const OPERATION_BY_COMMAND: readonly [RegExp, Operation][] = [
  // v2 SendEmail; v1 SendEmail, SendRawEmail, SendTemplatedEmail
  [/^Send(Raw|Templated)?EmailCommand$/, 'send'],
  // v2 SendBulkEmail; v1 SendBulkTemplatedEmail
  [/^SendBulk(Templated)?EmailCommand$/, 'send_batch'],
  [/^(Get|Put)EmailIdentity(DkimAttributes|MailFromAttributes)?Command$|Verify|^SendCustomVerificationEmailCommand$|^GetIdentity(Verification|Dkim|MailFromDomain)Attributes/, 'domain_verify'],
  // v1: where an identity's bounce, complaint and delivery notifications go
  [/^SetIdentity(NotificationTopic|FeedbackForwardingEnabled|HeadersInNotificationsEnabled)Command$/, 'webhook_manage'],
  [/EmailIdentity|DomainDeliverability|DedicatedIp|Identit/, 'domain_manage'],
  [/EventDestination|ConfigurationSet/, 'webhook_manage'],
  [/Template/, 'template_manage'],
  [/Suppress/, 'suppression_manage'],
];

export function operationForCommand(commandName: string | undefined): Operation {
  if (!commandName) return 'other';
  return OPERATION_BY_COMMAND.find(([pattern]) => pattern.test(commandName))?.[1] ?? 'other';
}

/** The From/To fields of both clients' send commands. */
interface SesInput {
  /** SESv2 */
  FromEmailAddress?: string;
  /** SES v1 (SendEmail, SendRawEmail, SendTemplatedEmail, SendBulkTemplatedEmail) */
  Source?: string;
  /** v2 SendEmail; v1 SendEmail and SendTemplatedEmail */
  Destination?: { ToAddresses?: string[] };
  /** v2 SendBulkEmail */
  BulkEmailEntries?: { Destination?: { ToAddresses?: string[] } }[];
  /** v1 SendBulkTemplatedEmail */
  Destinations?: unknown[];
}

/** The recipients a command names: the first destination's To for bulk sends; v1 SendRawEmail's envelope `Destinations` are plain strings. */
function recipientsOf(input: SesInput): string[] | undefined {
  if (input.Destination?.ToAddresses) return input.Destination.ToAddresses;
  const bulk = input.BulkEmailEntries?.[0]?.Destination?.ToAddresses;
  if (bulk) return bulk;
  const destinations = input.Destinations;
  if (!Array.isArray(destinations) || destinations.length === 0) return undefined;
  if (destinations.every((d): d is string => typeof d === 'string')) return destinations;
  const first = destinations[0] as { Destination?: { ToAddresses?: unknown } } | null;
  const to = first?.Destination?.ToAddresses;
  return Array.isArray(to) ? to.filter((a): a is string => typeof a === 'string') : undefined;
}

interface FinalizeArgs {
  input: SesInput;
  request: { hostname?: string; protocol?: string; port?: number; path?: string; method?: string; headers?: Record<string, string> };
}

interface FinalizeOutput {
  response: { statusCode?: number };
  output: { MessageId?: string; BulkEmailEntryResults?: { MessageId?: string }[]; Status?: { MessageId?: string }[]; $metadata?: { httpStatusCode?: number } };
}

type Handler = (args: FinalizeArgs) => Promise<FinalizeOutput>;
type Middleware = (next: Handler, context: { commandName?: string }) => Handler;

/** The part of an AWS SDK v3 client this needs; structural, so the SDK stays the user's dependency. */
export interface SesClientLike {
  middlewareStack: {
    // `never`: the SDK types its middleware generically over every command's input and output.
    addRelativeTo(middleware: never, options: { name: string; relation: 'after'; toMiddleware: string; override?: boolean }): void;
  };
}

export const SES_MIDDLEWARE_NAME = 'sendlensAttemptMiddleware';

export const sesOutcomeReader: OutcomeReader<FinalizeOutput> = {
  fromResult(result): AttemptResult {
    // v1 SendBulkTemplatedEmail answers its per-destination results as `Status`.
    const id = result.output.MessageId ?? result.output.BulkEmailEntryResults?.[0]?.MessageId ?? result.output.Status?.[0]?.MessageId;
    const status = result.response.statusCode ?? result.output.$metadata?.httpStatusCode ?? null;
    return { outcome: 'sent', status, ...(id !== undefined && { providerMessageId: id }) };
  },
  fromError: (error) => ({ outcome: 'failed', error: normalizeThrown('ses', error) }),
};

/** The SDK's retry middleware stamps each try: `amz-sdk-request: attempt=2; max=3`. */
function attemptOf(headers: Record<string, string> | undefined): number {
  const value = headers?.['amz-sdk-request'];
  const found = value ? /attempt=(\d+)/.exec(value) : null;
  return found?.[1] ? Number(found[1]) : 1;
}

/**
 * Adds a middleware to an AWS SDK v3 SESv2 or SES v1 client so users keep
 * calling `client.send(command)`. It sits right after the SDK's retry
 * middleware, so every try the SDK makes is its own span and event, with its
 * attempt number. `context` adds what commands do not say (workspace).
 */
export function instrumentSesClient<T extends SesClientLike>(instrumentation: SendInstrumentation, client: T, context: Partial<AttemptContext> = {}): T {
  const middleware: Middleware = (next, handlerContext) => async (args) => {
    const input = args.input ?? {};
    const to = recipientsOf(input);
    const from = input.FromEmailAddress ?? input.Source;
    const request = args.request ?? {};
    const attempt: AttemptContext = {
      provider: 'ses',
      operation: operationForCommand(handlerContext.commandName),
      method: request.method ?? 'POST',
      ...(request.hostname !== undefined && { url: `${request.protocol ?? 'https:'}//${request.hostname}${request.port ? `:${request.port}` : ''}${request.path ?? '/'}` }),
      ...(from !== undefined && { from }),
      ...(to !== undefined && { to }),
      attempt: attemptOf(request.headers),
      ...context,
    };
    return instrumentation.attempt(attempt, () => next(args), sesOutcomeReader);
  };
  client.middlewareStack.addRelativeTo(middleware as never, { name: SES_MIDDLEWARE_NAME, relation: 'after', toMiddleware: 'retryMiddleware', override: true });
  return client;
}
