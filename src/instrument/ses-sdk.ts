import { normalizeThrown } from '../normalize/index.js';
import type { Operation } from '../events/index.js';
import type { AttemptContext, AttemptResult, OutcomeReader, SendInstrumentation } from './instrumentation.js';

/** Which SESv2 commands are which operation; first match wins. */
const OPERATION_BY_COMMAND: readonly [RegExp, Operation][] = [
  [/^SendEmailCommand$/, 'send'],
  [/^SendBulkEmailCommand$/, 'send_batch'],
  [/^(Get|Put)EmailIdentity(DkimAttributes|MailFromAttributes)?Command$|Verify/, 'domain_verify'],
  [/EmailIdentity|DomainDeliverability|DedicatedIp/, 'domain_manage'],
  [/EventDestination|ConfigurationSet/, 'webhook_manage'],
  [/Template/, 'template_manage'],
  [/Suppress/, 'suppression_manage'],
];

export function operationForCommand(commandName: string | undefined): Operation {
  if (!commandName) return 'other';
  return OPERATION_BY_COMMAND.find(([pattern]) => pattern.test(commandName))?.[1] ?? 'other';
}

interface SesInput {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[] };
  BulkEmailEntries?: { Destination?: { ToAddresses?: string[] } }[];
}

interface FinalizeArgs {
  input: SesInput;
  request: { hostname?: string; protocol?: string; port?: number; path?: string; method?: string; headers?: Record<string, string> };
}

interface FinalizeOutput {
  response: { statusCode?: number };
  output: { MessageId?: string; BulkEmailEntryResults?: { MessageId?: string }[]; $metadata?: { httpStatusCode?: number } };
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
    const id = result.output.MessageId ?? result.output.BulkEmailEntryResults?.[0]?.MessageId;
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
 * Adds a middleware to an AWS SDK v3 SESv2 (or SES) client so users keep
 * calling `client.send(command)`. It sits right after the SDK's retry
 * middleware, so every try the SDK makes is its own span and event, with its
 * attempt number. `context` adds what commands do not say (workspace).
 */
export function instrumentSesClient<T extends SesClientLike>(instrumentation: SendInstrumentation, client: T, context: Partial<AttemptContext> = {}): T {
  const middleware: Middleware = (next, handlerContext) => async (args) => {
    const input = args.input ?? {};
    const to = input.Destination?.ToAddresses ?? input.BulkEmailEntries?.[0]?.Destination?.ToAddresses;
    const request = args.request ?? {};
    const attempt: AttemptContext = {
      provider: 'ses',
      operation: operationForCommand(handlerContext.commandName),
      method: request.method ?? 'POST',
      ...(request.hostname !== undefined && { url: `${request.protocol ?? 'https:'}//${request.hostname}${request.port ? `:${request.port}` : ''}${request.path ?? '/'}` }),
      ...(input.FromEmailAddress !== undefined && { from: input.FromEmailAddress }),
      ...(to !== undefined && { to }),
      attempt: attemptOf(request.headers),
      ...context,
    };
    return instrumentation.attempt(attempt, () => next(args), sesOutcomeReader);
  };
  client.middlewareStack.addRelativeTo(middleware as never, { name: SES_MIDDLEWARE_NAME, relation: 'after', toMiddleware: 'retryMiddleware', override: true });
  return client;
}
