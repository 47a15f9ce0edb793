import { describe, expect, it } from 'vitest';
import { applyEvents, type EventPorts } from '../../src/core/events/apply-events.js';
import type { DeliveryEvent } from '../../src/core/events/delivery-event.js';
import { parseQueueMessage } from '../../src/core/events/parse-queue-message.js';
import { recipientHash } from '../../src/core/send/message-id.js';
import type { LedgerRow } from '../../src/ports.js';
import { memoryAuditLog, memoryContactList } from '../support/memory-contacts.js';
import { memoryLedger, memorySuppressions, memoryTracking } from '../support/memory-ports.js';

/**
 * A delivery event's `mail.timestamp` (when SES accepted the message) reaches the ledger row with the outcome, as
 * `delivery.acceptedAt`: with the row's `claimedAt`, the proof an `unknown` row needs.
 */

const CAMPAIGN = 'financial-2025-01';
const ACCEPTED = '2025-02-10T10:59:58.250Z';

function ports(rows: LedgerRow[]) {
  const ledger = memoryLedger();
  for (const row of rows) ledger.rows.set(`${CAMPAIGN}\n${row.email}`, row);
  return {
    ledger,
    tracking: memoryTracking(),
    suppressions: memorySuppressions(),
    contacts: memoryContactList(),
    audit: memoryAuditLog(),
    topic: 'financial-reports',
    clock: { now: () => new Date('2025-02-10T12:00:00.000Z') },
    actor: 'operator',
    trackingTtlDays: 90,
    suppressionDays: 365,
  } satisfies EventPorts;
}

function sesEvent(eventType: string, to: string, messageId: string, extra: Record<string, unknown>) {
  const body = {
    eventType,
    mail: {
      timestamp: ACCEPTED,
      source: 'reports@distro-nation.test',
      messageId,
      destination: [to],
      tags: { campaign: [CAMPAIGN], recipient: [recipientHash(to)] },
    },
    ...extra,
  };
  const message = parseQueueMessage(JSON.stringify(body));
  if (message.kind !== 'event') throw new Error(`not an event: ${JSON.stringify(message)}`);
  return message.event as DeliveryEvent;
}

const row = (email: string, status: LedgerRow['status'], messageId?: string): LedgerRow => ({
  campaignId: CAMPAIGN,
  email,
  status,
  customIds: ['ID0'],
  messageId,
  attempts: 1,
  runId: 'run-1',
  updatedAt: '2025-02-10T10:00:00.000Z',
  claimedAt: '2025-02-10T10:59:57.000Z',
});

describe('applyEvents: acceptedAt', () => {
  it("records the event's mail.timestamp as the delivery's acceptedAt, and leaves claimedAt as it was", async () => {
    const p = ports([row('a@example.com', 'sent', 'ses-a'), row('u@example.com', 'unknown')]);
    const delivered = sesEvent('Delivery', 'a@example.com', 'ses-a', {
      delivery: { timestamp: '2025-02-10T11:00:05.000Z', recipients: ['a@example.com'] },
    });
    const bounced = sesEvent('Bounce', 'u@example.com', 'ses-u', {
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        timestamp: '2025-02-10T11:00:06.000Z',
        bouncedRecipients: [{ emailAddress: 'u@example.com' }],
      },
    });
    expect(delivered.sentAt).toBe(ACCEPTED);
    await applyEvents([delivered, bounced], p);

    const rowOf = (email: string) => p.ledger.rows.get(`${CAMPAIGN}\n${email}`);
    expect(rowOf('a@example.com')?.delivery).toMatchObject({
      state: 'delivered',
      at: '2025-02-10T11:00:05.000Z',
      acceptedAt: ACCEPTED,
    });
    expect(rowOf('u@example.com')).toMatchObject({
      status: 'sent',
      messageId: 'ses-u',
      claimedAt: '2025-02-10T10:59:57.000Z',
      delivery: { state: 'bounced', at: '2025-02-10T11:00:06.000Z', acceptedAt: ACCEPTED },
    });
  });
});
