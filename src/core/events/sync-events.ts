import type { EventSource, ReceivedMessage, StopSignal } from '../../ports.js';
import { createEventApplier, type EventPorts } from './apply-events.js';
import { createInboundApplier, type InboundPorts } from './apply-inbound.js';
import type { DeliveryEvent, InboundNotification } from './delivery-event.js';
import { type EventsSummary, emptyEventsSummary } from './import-events.js';
import { parseQueueMessage } from './parse-queue-message.js';

export interface SyncOptions {
  /** Receivers polling in parallel (each takes batches of 10). */
  receivers: number;
  /** After each applied batch: how many messages so far. */
  onBatch?: (summary: EventsSummary) => void;
  stop?: StopSignal | undefined;
}

export interface SyncSummary extends EventsSummary {
  /** Messages deleted from the queue: applied, or not SES events. */
  acknowledged: number;
  /**
   * Messages left for the queue's redrive policy (malformed, or inbound mail stored in S3 that could not be read),
   * or for a later reader (inbound mail, when the ports cannot read it).
   */
  leftOnQueue: number;
}

/**
 * `events sync`: drains the event queue with a few receivers in parallel, short polls until it is empty. Each batch
 * is applied (ledger, tracking, suppressions, contacts — durably) before its messages are deleted, so a crash
 * mid-sync loses nothing and the replay it causes changes nothing. A message that is not an SES event is counted
 * and deleted; a malformed one is reported and left, so the queue's redrive policy moves it to its dead-letter queue.
 */
export async function syncEvents(
  source: EventSource,
  ports: EventPorts | InboundPorts,
  options: SyncOptions,
): Promise<SyncSummary> {
  const summary: SyncSummary = { ...emptyEventsSummary(), acknowledged: 0, leftOnQueue: 0 };
  const applier = createEventApplier(ports);
  const inbound = 'parseMime' in ports ? createInboundApplier(ports) : undefined;
  // A message left on the queue comes back once its visibility timeout ends: count it once, and stop a receiver
  // that gets nothing but messages it already left (the queue holds nothing new for it).
  const left = new Set<string>();
  const receive = async (): Promise<void> => {
    for (;;) {
      if (options.stop?.aborted) return;
      const batch = await source.receive(10);
      const fresh = batch.filter((message) => !left.has(message.id));
      if (fresh.length === 0) return;
      await applyBatch(fresh, applier, summary, left, inbound);
      const receipts = acknowledgeable(fresh, left);
      await source.acknowledge(receipts);
      summary.acknowledged += receipts.length;
      options.onBatch?.(summary);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.receivers) }, receive));
  return summary;
}

async function applyBatch(
  batch: readonly ReceivedMessage[],
  applier: ReturnType<typeof createEventApplier>,
  summary: SyncSummary,
  left: Set<string>,
  inbound: InboundApplier | undefined,
): Promise<void> {
  const events: DeliveryEvent[] = [];
  const mails = new Map<InboundNotification, ReceivedMessage>();
  for (const message of batch) {
    summary.received += 1;
    const parsed = parseQueueMessage(message.body);
    if (parsed.kind === 'event') events.push(parsed.event);
    else if (parsed.kind === 'ignored') summary.ignored += 1;
    else if (parsed.kind === 'inbound' && inbound) {
      summary.inbound += 1;
      mails.set(parsed.mail, message);
    } else {
      left.add(message.id);
      summary.leftOnQueue += 1;
      if (parsed.kind === 'inbound') summary.inbound += 1;
      else
        summary.malformed.push({
          where: `message ${message.id} (received ${message.receiveCount}×)`,
          problem: parsed.problem,
        });
    }
  }
  await applier.apply(events, summary);
  if (inbound) await applyMails(mails, inbound, summary, left);
}

type InboundApplier = ReturnType<typeof createInboundApplier>;

/**
 * mailto opt-outs (apply-inbound.ts): applied and refused mails are both handled, so acknowledged (a refused one is
 * reported); one stored in S3 that could not be read stays on the queue and is reported like a malformed message.
 */
async function applyMails(
  mails: ReadonlyMap<InboundNotification, ReceivedMessage>,
  inbound: InboundApplier,
  summary: SyncSummary,
  left: Set<string>,
): Promise<void> {
  if (mails.size === 0) return;
  const unread = await inbound.apply([...mails.keys()], summary);
  for (const { mail, problem } of unread) {
    const message = mails.get(mail);
    if (!message) continue;
    left.add(message.id);
    summary.leftOnQueue += 1;
    summary.malformed.push({ where: `message ${message.id} (received ${message.receiveCount}×)`, problem });
  }
}

function acknowledgeable(batch: readonly ReceivedMessage[], left: ReadonlySet<string>): string[] {
  return batch.filter((message) => !left.has(message.id)).map((message) => message.receipt);
}
