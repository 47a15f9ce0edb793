import { z } from 'zod';
import { count, httpsUrl } from '../fields.js';

/** The most receivers `events sync` runs in parallel (each takes up to ten messages per call). */
export const MAX_EVENT_RECEIVERS = 16;

/** Where SES delivery events and inbound unsubscribe mails arrive, and how `events sync` reads them. */
export function createEventsSection() {
  return z
    .strictObject({
      queueUrl: httpsUrl(
        'SQS queue the SES configuration set (through SNS) and the unsubscribe receipt rule deliver to (aws backend); unset: no events are read',
        'https://sqs.eu-west-1.amazonaws.com/123456789012/dn-mailer-events',
      ).optional(),
      settleMinutes: count(
        'minutes after its claim before the event stream may prove an unknown row unsent (resendable): events must also have arrived for messages SES accepted after that claim; 0 relies on that alone',
        15,
        0,
        24 * 60,
      ),
      receivers: count(
        'ReceiveMessage calls in flight while events sync drains the queue',
        4,
        1,
        MAX_EVENT_RECEIVERS,
      ),
      suppressionDays: count(
        "days a permanent bounce or a complaint keeps an address suppressed (the suppression row's expirationTime)",
        365,
        1,
        3650,
      ),
    })
    .default({ settleMinutes: 15, receivers: 4, suppressionDays: 365 })
    .meta({
      description: 'delivery events (bounces, complaints, deliveries) and mailto opt-outs, read from a queue',
    });
}
