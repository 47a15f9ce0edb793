import { describe, expect, it } from 'vitest';
import {
  createEventApplier,
  type EventPorts,
  emptyEventsApplied,
} from '../../src/core/events/apply-events.js';
import type { DeliveryEvent } from '../../src/core/events/delivery-event.js';
import { parseQueueMessage } from '../../src/core/events/parse-queue-message.js';
import { recipientHash } from '../../src/core/send/message-id.js';
import type { LedgerRow, LedgerStatus, SendLedger, TrackingStore } from '../../src/ports.js';
import { memoryAuditLog, memoryContactList } from '../support/memory-contacts.js';
import { memoryLedger, memorySuppressions, memoryTracking } from '../support/memory-ports.js';

/**
 * applyEvents writes a batch's delivery outcomes to the ledger in ONE `recordDeliveries` call (one transaction on
 * SQLite, where a commit per event was most of `events sync`'s time), in event order, before the tracking rows —
 * and decides exactly what it decided when each was written at once.
 */

const CAMPAIGN = 'financial-2025-01';
const key = (email: string) => `${CAMPAIGN}\n${email}`;

function row(email: string, status: LedgerStatus, messageId?: string, reason?: string): LedgerRow {
  return {
    campaignId: CAMPAIGN,
    email,
    status,
    customIds: [email],
    messageId,
    reason,
    attempts: 1,
    runId: 'run-1',
    updatedAt: '2025-02-10T10:00:00.000Z',
  };
}

/** The memory ports, with the ledger's and the tracking store's writes logged in the order they are made. */
function world(rows: LedgerRow[]) {
  const memory = memoryLedger();
  for (const r of rows) memory.rows.set(key(r.email), r);
  const writes: string[] = [];
  const ledger: SendLedger = {
    ...memory,
    async recordDelivery(...args) {
      writes.push(`recordDelivery ${args[1]}`);
      return memory.recordDelivery(...args);
    },
    async recordDeliveries(updates) {
      writes.push(`recordDeliveries ${updates.map((u) => `${u.email}:${u.delivery.state}`).join(' ')}`);
      return memory.recordDeliveries(updates);
    },
    async finish(...args) {
      writes.push(`finish ${args[1]}`);
      return memory.finish(...args);
    },
  };
  const memoryRows = memoryTracking();
  const tracking: TrackingStore = {
    async record(trackingRows) {
      writes.push(`tracking ${trackingRows.length}`);
      return memoryRows.record(trackingRows);
    },
  };
  const ports = {
    ledger,
    tracking,
    suppressions: memorySuppressions(),
    contacts: memoryContactList(),
    audit: memoryAuditLog(),
    topic: 'financial-reports',
    clock: { now: () => new Date('2025-02-10T12:00:00.000Z') },
    actor: 'operator',
    trackingTtlDays: 90,
    suppressionDays: 365,
  } satisfies EventPorts;
  return { ports, rows: memory.rows, writes };
}

const at = (s: number) => `2025-02-10T11:00:${String(s).padStart(2, '0')}.000Z`;

function event(
  eventType: string,
  to: string,
  messageId: string,
  extra: Record<string, unknown> = {},
): DeliveryEvent {
  const body = {
    eventType,
    mail: {
      timestamp: at(0),
      source: 'reports@distro-nation.test',
      messageId,
      destination: [to],
      tags: { campaign: [CAMPAIGN], recipient: [recipientHash(to)] },
    },
    ...extra,
  };
  const message = parseQueueMessage(JSON.stringify(body));
  if (message.kind !== 'event') throw new Error(`not an event: ${JSON.stringify(message)}`);
  return message.event;
}
const delivery = (to: string, id: string) =>
  event('Delivery', to, id, { delivery: { timestamp: at(5), recipients: [to] } });
const bounce = (to: string, id: string) =>
  event('Bounce', to, id, {
    bounce: {
      bounceType: 'Permanent',
      bounceSubType: 'General',
      timestamp: at(6),
      bouncedRecipients: [{ emailAddress: to }],
    },
  });
const send = (to: string, id: string) => event('Send', to, id, { send: {} });

describe('applying a batch of events: the ledger', () => {
  it("writes the batch's delivery outcomes in one call, in event order, after its finishes and before tracking", async () => {
    const { ports, rows, writes } = world([
      row('a@x.test', 'sent', 'ses-a'),
      row('b@x.test', 'unknown', undefined, 'timed out'),
      row('c@x.test', 'sending'),
    ]);
    const applier = createEventApplier(ports);
    const result = await applier.apply(
      [
        delivery('a@x.test', 'ses-a'),
        send('c@x.test', 'ses-c'),
        delivery('b@x.test', 'ses-b'),
        bounce('a@x.test', 'ses-a'),
        // b is sent by now (the delivery before): this proves nothing more, so no finish.
        send('b@x.test', 'ses-b'),
      ],
      emptyEventsApplied(),
    );
    expect(writes).toEqual([
      'finish c@x.test',
      'recordDeliveries a@x.test:delivered b@x.test:delivered a@x.test:bounced',
      'tracking 3',
    ]);
    expect(result).toMatchObject({ applied: 5, unknownResolved: 2 });
    expect(rows.get(key('a@x.test'))?.delivery?.state).toBe('bounced');
    expect(rows.get(key('b@x.test'))).toMatchObject({
      status: 'sent',
      messageId: 'ses-b',
      reason: undefined,
    });
    expect(rows.get(key('c@x.test'))).toMatchObject({
      status: 'sent',
      messageId: 'ses-c',
      reason: 'accepted by SES (send event)',
    });

    // A batch without delivery outcomes does not call the ledger.
    writes.length = 0;
    await applier.apply([send('a@x.test', 'ses-a')], emptyEventsApplied());
    expect(writes).toEqual(['tracking 0']);
  });

  it("writes what it has before it reads a campaign's rows again, so a row an earlier event resolved stays resolved", async () => {
    const { ports, rows, writes } = world([
      row('a@x.test', 'sent', 'ses-a'),
      row('u@x.test', 'unknown', undefined, 'timed out'),
    ]);
    const applier = createEventApplier(ports);
    // The first batch reads the campaign's rows; then a send adds n@x.test, which that read did not see.
    await applier.apply([delivery('a@x.test', 'ses-a')], emptyEventsApplied());
    rows.set(key('n@x.test'), row('n@x.test', 'sent', 'ses-n'));
    writes.length = 0;

    const result = await applier.apply(
      [delivery('u@x.test', 'ses-u'), delivery('n@x.test', 'ses-n'), send('u@x.test', 'ses-u')],
      emptyEventsApplied(),
    );
    // u's delivery is written before the rows are read again (for n), so the read sees u sent: the Send event
    // after it neither finishes u again nor counts it twice — as when every event was written at once.
    expect(writes).toEqual([
      'recordDeliveries u@x.test:delivered',
      'recordDeliveries n@x.test:delivered',
      'tracking 2',
    ]);
    expect(result).toMatchObject({ applied: 3, unmatched: 0, unknownResolved: 1 });
    expect(rows.get(key('u@x.test'))).toMatchObject({
      status: 'sent',
      messageId: 'ses-u',
      reason: undefined,
    });
    expect(rows.get(key('n@x.test'))?.delivery?.state).toBe('delivered');
  });
});
