import type { DeliveryEvent } from '../../events/index.js';
import { confirmSnsSubscription, readSnsMessage, verifySnsMessage } from '../../feedback/index.js';
import { fromSesNotification } from './feedback.js';
import type { SnsConfirmOptions, SnsVerifyOptions } from '../../feedback/index.js';
import type { DirectAnswer } from '../../webhooks/index.js';
import type { ProviderWebhook } from '../types.js';

export const SES_WEBHOOK_PATH = '/webhooks/ses';

export interface SesWebhookConfig {
  /** The SNS topics accepted (required: anyone can subscribe an endpoint to a topic of theirs). */
  allowedTopicArns: string[];
  verify?: Omit<SnsVerifyOptions, 'allowedTopicArns'>;
  confirm?: SnsConfirmOptions;
}

/**
 * Amazon SES feedback through SNS (notifications and event publishing): the SNS signature and
 * topic allow-list, the subscription handshake (confirmed only for a verified message from an
 * allowed topic), then the notification normalized.
 */
export const sesWebhook: ProviderWebhook<SesWebhookConfig> = {
  path: SES_WEBHOOK_PATH,
  settings: ['SENDLENS_SES_TOPIC_ARNS'],
  fromEnv(env) {
    const arns = (env.SENDLENS_SES_TOPIC_ARNS ?? '')
      .split(',')
      .map((arn) => arn.trim())
      .filter(Boolean);
    return arns.length > 0 ? { allowedTopicArns: arns } : undefined;
  },
  endpoint(config, context) {
    if (config.allowedTopicArns.length === 0) throw new Error('the SES endpoint needs at least one allowed SNS topic ARN');
    return {
      path: SES_WEBHOOK_PATH,
      verify: (request) => verifySnsMessage(request.rawBody, { ...config.verify, allowedTopicArns: config.allowedTopicArns }),
      normalize: async (body): Promise<DeliveryEvent[] | DirectAnswer> => {
        const read = readSnsMessage(body);
        if (read.ok && read.message.Type === 'SubscriptionConfirmation') {
          const verdict = await confirmSnsSubscription(read.message, config.confirm);
          return verdict.ok ? { status: 200, body: { confirmed: true } } : { status: 502, body: { error: `subscription not confirmed: ${verdict.reason}` } };
        }
        if (read.ok && read.message.Type === 'UnsubscribeConfirmation') return { status: 200, body: { unsubscribed: true } };
        return fromSesNotification(body, context());
      },
    };
  },
};
