/**
 * The `events` bench's world: a SQLite ledger of `sent` rows for one campaign (written through the real
 * createSqliteLedger), the SES events SES would publish for them in the SNS-notification envelope, put straight on an
 * SQS queue with SendMessageBatch, and the bare receive + delete loop the sync is compared with.
 */
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import Database from 'better-sqlite3';
import { createSqliteLedger } from '../../src/adapters/local/sqlite-ledger.js';
import { openSqliteStore } from '../../src/adapters/local/sqlite-store.js';
import { recipientHash } from '../../src/core/send/message-id.js';
import type { DeliveryState } from '../../src/ports.js';
import { type SesEventType, sesEvent, snsEnvelope } from '../../test/support/ses-event-builder.js';

export const CAMPAIGN = 'financial-2026-10';
export const SENT_AT = '2026-11-02T09:00:00.000Z';
const EVENT_AT = '2026-11-02T09:00:02.000Z';
const FROM = 'statements@distro-nation.test';

export const addressOf = (i: number) => `creator-${String(i).padStart(6, '0')}@example.com`;
export const sesIdOf = (i: number) => `0100018c${i.toString(16).padStart(8, '0')}-bench-000000`;

/** Which event row `i` gets: 2% permanent bounces, 0.5% complaints, the rest deliveries (per 1,000 rows). */
export function kindOf(i: number): 'delivery' | 'bounce' | 'complaint' {
  const slot = i % 1_000;
  if (slot < 20) return 'bounce';
  if (slot < 25) return 'complaint';
  return 'delivery';
}

export const STATE_OF: Record<ReturnType<typeof kindOf>, DeliveryState> = {
  delivery: 'delivered',
  bounce: 'bounced',
  complaint: 'complained',
};

const SES_TYPE: Record<ReturnType<typeof kindOf>, SesEventType> = {
  delivery: 'Delivery',
  bounce: 'Bounce',
  complaint: 'Complaint',
};

/**
 * `rows` ledger rows planned, claimed and finished `sent` with their SES message ID, through createSqliteLedger on
 * a connection with synchronous=OFF (setup only: the sync under test opens the file as dn-mailer does, FULL).
 */
export async function buildSentLedger(file: string, rows: number): Promise<void> {
  openSqliteStore(file).close(); // creates the file (0600) and migrates the schema
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    const ledger = createSqliteLedger(db, file);
    const at = new Date(SENT_AT);
    const recipients = Array.from({ length: rows }, (_, i) => ({
      email: addressOf(i),
      customIds: [`yt-${i}`],
    }));
    await ledger.ensurePlanned(CAMPAIGN, recipients, at);
    db.exec('BEGIN');
    for (let i = 0; i < rows; i += 1) {
      const email = addressOf(i);
      if (!(await ledger.claim(CAMPAIGN, email, ['planned'], 'bench-run', at)))
        throw new Error(`could not claim ${email}`);
      const done = await ledger.finish(
        CAMPAIGN,
        email,
        'sending',
        { status: 'sent', messageId: sesIdOf(i) },
        at,
      );
      if (!done) throw new Error(`could not finish ${email}`);
    }
    db.exec('COMMIT');
  } finally {
    db.close();
  }
}

/**
 * The queue body of event `i` of `total`: the last `foreign` are another sender's deliveries on the same
 * configuration set (no dn-mailer tags), the rest one event per ledger row `i`, tagged as outgoing.ts tags it.
 */
export function bodyOf(i: number, total: number, foreign: number): string {
  const own = total - foreign;
  if (i >= own) {
    const event = sesEvent('Delivery', {
      messageId: `0100018cforeign-${i}`,
      to: `someone-${i}@elsewhere.example`,
      from: 'news@other-team.test',
      at: EVENT_AT,
      sentAt: SENT_AT,
    });
    return JSON.stringify(snsEnvelope(event));
  }
  const to = addressOf(i);
  const event = sesEvent(SES_TYPE[kindOf(i)], {
    messageId: sesIdOf(i),
    to,
    from: FROM,
    at: EVENT_AT,
    sentAt: SENT_AT,
    tags: { campaign: CAMPAIGN, recipient: recipientHash(to) },
    bounceType: 'Permanent',
  });
  return JSON.stringify(snsEnvelope(event));
}

/** Puts `total` bodies on the queue, ten per SendMessageBatch, `inFlight` calls at a time. */
export async function publish(
  sqs: SQSClient,
  queueUrl: string,
  total: number,
  body: (i: number) => string,
  inFlight = 16,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (;;) {
      const start = next;
      if (start >= total) return;
      next = Math.min(total, start + 10);
      const entries = [];
      for (let i = start; i < next; i += 1) entries.push({ Id: String(i - start), MessageBody: body(i) });
      const answer = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      if ((answer.Failed?.length ?? 0) > 0)
        throw new Error(`SendMessageBatch: ${answer.Failed?.length} failed (${answer.Failed?.[0]?.Message})`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

/**
 * The baseline: `receivers` loops that receive ten (short poll, as createSqsEventSource does) and delete them with
 * one DeleteMessageBatch, until the queue answers empty. Nothing is parsed or applied. Returns messages deleted.
 */
export async function drainBare(sqs: SQSClient, queueUrl: string, receivers: number): Promise<number> {
  let deleted = 0;
  const receiver = async () => {
    for (;;) {
      const answer = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      const messages = answer.Messages ?? [];
      if (messages.length === 0) return;
      const result = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m, index) => ({ Id: String(index), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      deleted += result.Successful?.length ?? 0;
    }
  };
  await Promise.all(Array.from({ length: receivers }, receiver));
  return deleted;
}
