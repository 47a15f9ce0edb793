/**
 * The SES event destination the local peers lack: reads what aws-ses-v2-local stored (`GET /store`) and publishes,
 * for each message it has not published yet, the events SES would — `Send`, then `Delivery` (or the `Bounce` /
 * `Complaint` chosen for its address) — to an SNS topic on fauxqs, which fans them out to the events queue in the
 * standard notification envelope.
 *
 * aws-ses-v2-local does not keep `EmailTags`, so the tags dn-mailer sent are rebuilt from what it does keep: the
 * `recipient` tag is `recipientHash(To)` (src/core/send/outgoing.ts), and the `campaign` tag comes from the
 * message's Message-ID header (`<campaign>.<hash>@<domain>`, src/core/send/message-id.ts) when the store has one,
 * else from the `campaign` option. `mail.messageId` is the emulator's ID — what SendEmail returned to dn-mailer.
 * `mail.timestamp` (when SES accepted it) is the emulator's `at`, which has whole seconds only: it is rounded down,
 * never later than the real acceptance.
 */
import { createHash } from 'node:crypto';
import { recipientHash } from '../../src/core/send/message-id.js';
import type { Fauxqs } from './fauxqs.js';
import { type SesEventType, sesEvent } from './ses-event-builder.js';
import type { SesLocal, StoredEmail } from './ses-local.js';

export interface EventPumpOptions {
  ses: Pick<SesLocal, 'emails'>;
  fauxqs: Pick<Fauxqs, 'publish'>;
  /** The SNS topic the SES configuration set publishes to (subscribed to the events queue). */
  topicArn: string;
  /** The campaign of a stored message without a Message-ID header: one ID, or a function of the message. */
  campaign?: string | ((email: StoredEmail) => string | undefined);
  /** Addresses whose messages bounce instead of being delivered, with the bounce type. */
  bounces?: Readonly<Record<string, 'Permanent' | 'Transient' | 'Undetermined'>>;
  /** Addresses that complain after delivery. */
  complaints?: readonly string[];
  /** Receives errors of the background pump (`start`); by default they are kept and rethrown by `stop`. */
  onError?: (error: unknown) => void;
}

/** One event the pump published: what SNS was given, to publish it again on `replay`. */
export interface PublishedEvent {
  type: SesEventType;
  /** The emulator's message ID (SES `mail.messageId`). */
  messageId: string;
  to: string;
  campaign: string;
  /** The SNS `Message`: the SES event as JSON. */
  message: string;
}

export interface EventPump {
  /** Publishes the events of every stored message not published yet; returns how many events it published. */
  pumpOnce(): Promise<number>;
  /** Pumps every `intervalMs` until `stop`. */
  start(intervalMs: number): void;
  /** Stops the background pump, waits for a pump in progress, and throws the first error it met (if any). */
  stop(): Promise<void>;
  /** Publishes every event published so far once more, in the same order (a redelivered queue); returns the count. */
  replay(): Promise<number>;
  /** Publishes `message` as is (e.g. a malformed event); returns the SNS message ID. Not remembered for `replay`. */
  publishRaw(message: string | object): Promise<string>;
  /** Everything published, in order. */
  readonly published: readonly PublishedEvent[];
  /** Emulator message IDs whose events were published. */
  readonly seen: ReadonlySet<string>;
}

/**
 * How long after acceptance a message is delivered (SES `processingTimeMillis`): 200–2,199 ms, different from message
 * to message as with SES, and the same on every publish of one message (a replay repeats the event exactly).
 */
function processingMs(messageId: string): number {
  return 200 + (createHash('sha256').update(messageId).digest().readUInt32BE(0) % 2_000);
}

/** A complaint arrives a minute after the message (feedback loops report later than the delivery). */
const COMPLAINT_DELAY_MS = 60_000;

export function createEventPump(options: EventPumpOptions): EventPump {
  const published: PublishedEvent[] = [];
  const seen = new Set<string>();
  const bounces = new Map(Object.entries(options.bounces ?? {}).map(([a, t]) => [a.toLowerCase(), t]));
  const complaints = new Set((options.complaints ?? []).map((a) => a.toLowerCase()));
  let chain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let failure: unknown;

  /** One pump at a time: the background pump and a test's own call never publish a message twice. */
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = chain.then(work, work);
    chain = next.catch(() => {});
    return next;
  };

  const campaignOf = (email: StoredEmail): string => {
    const header = email.headers?.find((h) => h.name.toLowerCase() === 'message-id')?.value;
    const fromHeader = header ? /^<?(.+)\.[0-9a-f]+@[^>]+>?$/.exec(header.trim())?.[1] : undefined;
    const given = typeof options.campaign === 'function' ? options.campaign(email) : options.campaign;
    const campaign = fromHeader ?? given;
    if (!campaign) {
      throw new Error(
        `event pump: stored message ${email.messageId} has no Message-ID header and no campaign was given`,
      );
    }
    return campaign;
  };

  const publish = async (event: PublishedEvent) => {
    await options.fauxqs.publish(options.topicArn, event.message);
    published.push(event);
  };

  const eventsOf = (email: StoredEmail): PublishedEvent[] => {
    const campaign = campaignOf(email);
    const sentAt = new Date(email.at * 1000);
    const later = (ms: number) => new Date(sentAt.getTime() + ms).toISOString();
    return email.destination.to.flatMap((to) => {
      const input = {
        messageId: email.messageId,
        to,
        tags: { campaign, recipient: recipientHash(to) },
        sentAt: sentAt.toISOString(),
        // `mail.source` is the bare address; the store keeps the From header as written (`Name <address>`).
        from: /<([^>]+)>/.exec(email.from)?.[1] ?? email.from,
        subject: email.subject,
      };
      const bounce = bounces.get(to.toLowerCase());
      const types: [SesEventType, string, Record<string, unknown>][] = [
        ['Send', sentAt.toISOString(), {}],
        bounce
          ? ['Bounce', later(processingMs(email.messageId)), { bounceType: bounce }]
          : ['Delivery', later(processingMs(email.messageId)), {}],
      ];
      if (complaints.has(to.toLowerCase())) types.push(['Complaint', later(COMPLAINT_DELAY_MS), {}]);
      return types.map(([type, at, extra]) => ({
        type,
        messageId: email.messageId,
        to,
        campaign,
        message: JSON.stringify(sesEvent(type, { ...input, ...extra, at })),
      }));
    });
  };

  const pumpOnce = () =>
    serial(async () => {
      let count = 0;
      const emails = (await options.ses.emails()).filter((email) => !seen.has(email.messageId));
      for (const email of emails.sort((a, b) => a.at - b.at)) {
        for (const event of eventsOf(email)) {
          await publish(event);
          count += 1;
        }
        seen.add(email.messageId);
      }
      return count;
    });

  return {
    pumpOnce,
    start(intervalMs) {
      if (timer) return;
      const tick = () => {
        void pumpOnce()
          .catch((error: unknown) => {
            if (options.onError) options.onError(error);
            else failure ??= error;
          })
          .finally(() => {
            if (timer) timer = setTimeout(tick, intervalMs);
          });
      };
      timer = setTimeout(tick, intervalMs);
    },
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      await chain;
      if (failure !== undefined) {
        const error = failure;
        failure = undefined;
        throw error;
      }
    },
    replay: () =>
      serial(async () => {
        const again = [...published];
        for (const event of again) await options.fauxqs.publish(options.topicArn, event.message);
        return again.length;
      }),
    publishRaw: (message) => options.fauxqs.publish(options.topicArn, message),
    published,
    seen,
  };
}
