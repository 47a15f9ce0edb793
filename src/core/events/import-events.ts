import {
  createEventApplier,
  type EventPorts,
  type EventsApplied,
  emptyEventsApplied,
} from './apply-events.js';
import {
  applyInbound,
  emptyInboundApplied,
  type InboundApplied,
  type InboundPorts,
} from './apply-inbound.js';
import type { DeliveryEvent, InboundNotification } from './delivery-event.js';
import { parseQueueMessage } from './parse-queue-message.js';

/** What an `events import` or `events sync` did. */
export interface EventsSummary extends EventsApplied, InboundApplied {
  /** Messages read (lines of a file, or queue messages). */
  received: number;
  /** Not SES events (subscription confirmations, test messages): counted, and deleted from a queue. */
  ignored: number;
  /**
   * Inbound mails to the unsubscribe address (mailto opt-outs): applied or refused (`mailtoOptOuts`,
   * `mailtoRefused`) when the ports can read them, else left on the queue (never deleted unread).
   */
  inbound: number;
  /** Messages that claim to be SES events but cannot be read: reported, left on the queue for its dead-letter queue. */
  malformed: { where: string; problem: string }[];
}

export function emptyEventsSummary(): EventsSummary {
  return {
    ...emptyEventsApplied(),
    ...emptyInboundApplied(),
    received: 0,
    ignored: 0,
    inbound: 0,
    malformed: [],
  };
}

/**
 * `events import FILE`: SES event JSON, one message per line, in any envelope (an SNS notification, raw, an
 * EventBridge event); blank lines skipped. Malformed lines are reported by number and change nothing.
 */
export async function importEvents(
  lines: readonly string[],
  ports: EventPorts | InboundPorts,
): Promise<EventsSummary> {
  const summary = emptyEventsSummary();
  const events: DeliveryEvent[] = [];
  const inbound = new Map<InboundNotification, number>();
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    summary.received += 1;
    const parsed = parseQueueMessage(line);
    if (parsed.kind === 'event') events.push(parsed.event);
    else if (parsed.kind === 'ignored') summary.ignored += 1;
    else if (parsed.kind === 'inbound') {
      summary.inbound += 1;
      inbound.set(parsed.mail, index + 1);
    } else summary.malformed.push({ where: `line ${index + 1}`, problem: parsed.problem });
  });
  await createEventApplier(ports).apply(events, summary);
  // mailto opt-outs (apply-inbound.ts): a mail that could not be read is reported like a malformed line.
  if ('parseMime' in ports) {
    const unread = await applyInbound([...inbound.keys()], ports, summary);
    for (const { mail, problem } of unread)
      summary.malformed.push({ where: `line ${inbound.get(mail)}`, problem });
  }
  return summary;
}
