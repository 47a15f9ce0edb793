import { describe, expect, it } from 'vitest';
import { applyEvents, type EventPorts } from '../../src/core/events/apply-events.js';
import type { DeliveryEvent } from '../../src/core/events/delivery-event.js';
import { importEvents } from '../../src/core/events/import-events.js';
import { parseQueueMessage } from '../../src/core/events/parse-queue-message.js';
import {
  resolveUnknownsFromProvider,
  resolveUnknownsFromStream,
} from '../../src/core/events/resolve-unknowns.js';
import { syncEvents } from '../../src/core/events/sync-events.js';
import { recipientHash } from '../../src/core/send/message-id.js';
import type { EventSource, LedgerRow, LedgerStatus } from '../../src/ports.js';
import { memoryAuditLog, memoryContactList } from '../support/memory-contacts.js';
import { memoryLedger, memorySuppressions, memoryTracking } from '../support/memory-ports.js';

const CAMPAIGN = 'financial-2025-01';
const NOW = new Date('2025-02-10T12:00:00.000Z');
const TOPIC = 'financial-reports';

function row(email: string, status: LedgerStatus, messageId?: string): LedgerRow {
  return {
    campaignId: CAMPAIGN,
    email,
    status,
    customIds: [email.split('@')[0]?.toUpperCase() ?? ''],
    messageId,
    attempts: 1,
    runId: 'run-1',
    updatedAt: '2025-02-10T10:00:00.000Z',
  };
}

function world() {
  const ledger = memoryLedger();
  for (const r of [
    row('a@example.com', 'sent', 'ses-a'),
    row('b@example.com', 'sent', 'ses-b'),
    row('c@example.com', 'unknown'),
    row('d@example.com', 'sending'),
    row('e@example.com', 'sent', 'ses-e'),
  ])
    ledger.rows.set(`${CAMPAIGN}\n${r.email}`, r);
  const ports = {
    ledger,
    tracking: memoryTracking(),
    suppressions: memorySuppressions(),
    contacts: memoryContactList(),
    audit: memoryAuditLog(),
    topic: TOPIC,
    clock: { now: () => NOW },
    actor: 'operator',
    trackingTtlDays: 90,
    suppressionDays: 365,
  } satisfies EventPorts;
  return ports;
}

/** An SES event for a message dn-mailer sent to `to`, in AWS's shape (configuration-set event publishing). */
function sesEvent(
  eventType: string,
  to: string,
  messageId: string,
  extra: Record<string, unknown> = {},
  tags: Record<string, string[]> = { campaign: [CAMPAIGN], recipient: [recipientHash(to)] },
) {
  return {
    eventType,
    mail: {
      timestamp: '2025-02-10T11:00:00.000Z',
      source: 'reports@distro-nation.test',
      messageId,
      destination: [to, 'equity@distro-nation.test'],
      tags,
    },
    ...extra,
  };
}

const at = (s: number) => `2025-02-10T11:00:${String(s).padStart(2, '0')}.000Z`;
const delivery = (to: string, id: string) =>
  sesEvent('Delivery', to, id, { delivery: { timestamp: at(5), recipients: [to], smtpResponse: '250 ok' } });
const bounce = (to: string, id: string, bounceType: string) =>
  sesEvent('Bounce', to, id, {
    bounce: {
      bounceType,
      bounceSubType: 'General',
      timestamp: at(6),
      bouncedRecipients: [{ emailAddress: to, diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
    },
  });
const complaint = (to: string, id: string) =>
  sesEvent('Complaint', to, id, {
    complaint: {
      timestamp: at(7),
      complainedRecipients: [{ emailAddress: to }],
      complaintFeedbackType: 'abuse',
    },
  });
const send = (to: string, id: string) => sesEvent('Send', to, id, { send: {} });

function parsed(body: unknown): DeliveryEvent {
  const message = parseQueueMessage(JSON.stringify(body));
  if (message.kind !== 'event') throw new Error(`not an event: ${JSON.stringify(message)}`);
  return message.event;
}

function snapshot(ports: ReturnType<typeof world>) {
  return JSON.stringify({
    rows: [...ports.ledger.rows.values()],
    suppressions: [...ports.suppressions.entries.values()],
    contacts: [...ports.contacts.contacts.values()],
    audit: ports.audit.entries,
  });
}

const EVENTS = [
  delivery('a@example.com', 'ses-a'),
  complaint('a@example.com', 'ses-a'),
  bounce('b@example.com', 'ses-b', 'Permanent'),
  bounce('e@example.com', 'ses-e', 'Transient'),
  send('c@example.com', 'ses-c'),
  delivery('d@example.com', 'ses-d'),
  sesEvent(
    'Delivery',
    'x@other.test',
    'ses-x',
    { delivery: { timestamp: at(8), recipients: ['x@other.test'] } },
    {},
  ),
];

describe('applyEvents', () => {
  it('records delivery states, proves unknown and abandoned rows sent, suppresses and opts out with audit', async () => {
    const ports = world();
    const result = await applyEvents(EVENTS.map(parsed), ports);
    const rowOf = (email: string) => ports.ledger.rows.get(`${CAMPAIGN}\n${email}`);
    expect(rowOf('a@example.com')?.delivery).toMatchObject({ state: 'complained', detail: 'abuse' });
    expect(rowOf('b@example.com')?.delivery).toMatchObject({
      state: 'bounced',
      detail: 'Permanent/General: smtp; 550 5.1.1 user unknown',
    });
    expect(rowOf('e@example.com')?.delivery?.state).toBe('bounced');
    expect(rowOf('c@example.com')).toMatchObject({ status: 'sent', messageId: 'ses-c' });
    expect(rowOf('d@example.com')).toMatchObject({ status: 'sent', messageId: 'ses-d' });
    expect(rowOf('d@example.com')?.delivery?.state).toBe('delivered');
    expect(result).toMatchObject({ applied: 6, unmatched: 1, unknownResolved: 2, transientBounces: 1 });
    expect(result.suppressed).toEqual([
      { email: 'a@example.com', reason: 'complaint' },
      { email: 'b@example.com', reason: 'bounce' },
    ]);
    expect(await ports.suppressions.get('e@example.com')).toBeUndefined();
    expect((await ports.contacts.get('a@example.com'))?.topics[TOPIC]).toBe('OPT_OUT');
    expect(ports.audit.entries).toEqual([
      expect.objectContaining({
        email: 'a@example.com',
        action: 'unsubscribe',
        source: 'complaint',
        topic: TOPIC,
      }),
    ]);
    expect(result.optedOut).toEqual(['a@example.com']);
    expect(ports.tracking.rows.map((r) => `${r.email} ${r.eventType} ${r.sendStatus}`)).toEqual([
      'a@example.com delivery success',
      'a@example.com complaint failed',
      'b@example.com bounce failed',
      'e@example.com bounce failed',
      'd@example.com delivery success',
    ]);
    expect(ports.tracking.rows[0]).toMatchObject({
      month: '01',
      year: '2025',
      campaignId: CAMPAIGN,
      sesMessageId: 'ses-a',
    });
  });

  it('a replay of the same events changes nothing (ledger, suppressions, contacts, audit)', async () => {
    const ports = world();
    await applyEvents(EVENTS.map(parsed), ports);
    const before = snapshot(ports);
    const again = await applyEvents(EVENTS.map(parsed), ports);
    expect(snapshot(ports)).toBe(before);
    expect(again).toMatchObject({ suppressed: [], optedOut: [], unknownResolved: 0 });
  });

  it('an already-opted-out address is not audited again by a complaint', async () => {
    const ports = world();
    await ports.contacts.setTopic('a@example.com', TOPIC, 'OPT_OUT');
    await applyEvents([parsed(complaint('a@example.com', 'ses-a'))], ports);
    expect(ports.audit.entries).toEqual([]);
  });
});

describe('importEvents', () => {
  it('reads any envelope, one per line; counts ignored lines and names malformed ones by number', async () => {
    const ports = world();
    const lines = [
      JSON.stringify({
        Type: 'Notification',
        MessageId: 'n1',
        Message: JSON.stringify(delivery('a@example.com', 'ses-a')),
      }),
      '',
      JSON.stringify(bounce('b@example.com', 'ses-b', 'Permanent')),
      JSON.stringify({
        version: '0',
        'detail-type': 'Email Complaint Received',
        source: 'aws.ses',
        detail: complaint('a@example.com', 'ses-a'),
      }),
      JSON.stringify({
        Type: 'SubscriptionConfirmation',
        MessageId: 'n2',
        SubscribeURL: 'https://example.test',
      }),
      '{ not json',
    ];
    const summary = await importEvents(lines, ports);
    expect(summary).toMatchObject({ received: 5, applied: 3, ignored: 1, unmatched: 0 });
    expect(summary.malformed).toEqual([{ where: 'line 6', problem: expect.any(String) }]);
    expect(summary.byType).toMatchObject({ delivery: 1, bounce: 1, complaint: 1 });
  });
});

/**
 * A queue in memory with SQS's visibility rule: a received message is invisible until deleted, or until two more
 * receives have happened (its visibility timeout), then it comes back with a higher receive count.
 */
function fakeQueue(bodies: string[]): EventSource & { remaining: () => number } {
  const messages = bodies.map((body, index) => ({ id: `m${index}`, body, receiveCount: 0, hiddenUntil: 0 }));
  let receives = 0;
  return {
    location: 'memory queue',
    remaining: () => messages.length,
    async receive(max) {
      receives += 1;
      const visible = messages.filter((m) => m.hiddenUntil <= receives).slice(0, max);
      for (const message of visible) {
        message.receiveCount += 1;
        message.hiddenUntil = receives + 3;
      }
      return visible.map((m) => ({
        id: m.id,
        receipt: `r-${m.id}-${m.receiveCount}`,
        body: m.body,
        receiveCount: m.receiveCount,
      }));
    },
    async acknowledge(receipts) {
      for (const receipt of receipts) {
        const index = messages.findIndex((m) => receipt.startsWith(`r-${m.id}-`));
        if (index >= 0) messages.splice(index, 1);
      }
    },
    async depth() {
      return { visible: messages.length, inFlight: 0, oldestAgeSeconds: undefined };
    },
  };
}

describe('syncEvents', () => {
  it('drains the queue, deletes what it applied or ignored, leaves a malformed message for the DLQ, and ends', async () => {
    const ports = world();
    const bodies = [
      ...EVENTS.map((e) =>
        JSON.stringify({ Type: 'Notification', MessageId: 'x', Message: JSON.stringify(e) }),
      ),
      JSON.stringify({
        Type: 'Notification',
        MessageId: 'y',
        Message: 'Successfully validated SNS topic for Amazon SES event publishing.',
      }),
      JSON.stringify({ eventType: 'Bounce', mail: { messageId: 'broken' } }),
    ];
    const queue = fakeQueue(bodies);
    const summary = await syncEvents(queue, ports, { receivers: 3 });
    expect(summary).toMatchObject({
      received: 9,
      applied: 6,
      unmatched: 1,
      ignored: 1,
      acknowledged: 8,
      leftOnQueue: 1,
    });
    expect(summary.malformed).toHaveLength(1);
    expect(queue.remaining()).toBe(1);
    const before = snapshot(ports);
    // The replay a crash before the deletes would cause changes nothing.
    await syncEvents(fakeQueue(bodies.slice(0, 7)), ports, { receivers: 2 });
    expect(snapshot(ports)).toBe(before);
  });
});

describe('resolveUnknownsFromProvider', () => {
  it('sent when the provider holds the message, planned when it certainly does not, else unchanged', async () => {
    const ports = world();
    ports.ledger.rows.set(`${CAMPAIGN}\nf@example.com`, row('f@example.com', 'unknown'));
    ports.ledger.rows.set(`${CAMPAIGN}\ng@example.com`, row('g@example.com', 'unknown'));
    const held: Record<string, 'sent' | 'not-sent' | 'unknown'> = {
      'id-c@example.com': 'sent',
      'id-f@example.com': 'not-sent',
      'id-g@example.com': 'unknown',
    };
    const result = await resolveUnknownsFromProvider(
      {
        ledger: ports.ledger,
        clock: ports.clock,
        providerRecord: { lookup: async (id) => held[id] ?? 'unknown' },
      },
      CAMPAIGN,
      (r) => `id-${r.email}`,
    );
    expect(result).toEqual({ sent: 1, unsent: 1, stillUnknown: 1 });
    const status = (email: string) => ports.ledger.rows.get(`${CAMPAIGN}\n${email}`)?.status;
    expect([status('c@example.com'), status('f@example.com'), status('g@example.com')]).toEqual([
      'sent',
      'planned',
      'unknown',
    ]);
    // `sending` rows of a live run are never touched (no instance given: nothing is abandoned).
    expect(status('d@example.com')).toBe('sending');
  });
});

describe('resolveUnknownsFromStream', () => {
  const MINUTE = 60_000;
  function streamWorld(acceptedAt: string | undefined, claimedAt: string | undefined) {
    const ports = world();
    const unknown = { ...row('u@example.com', 'unknown'), claimedAt };
    ports.ledger.rows.set(`${CAMPAIGN}\nu@example.com`, unknown);
    const sent = ports.ledger.rows.get(`${CAMPAIGN}\na@example.com`);
    if (sent && acceptedAt) sent.delivery = { state: 'delivered', at: acceptedAt, acceptedAt };
    return ports;
  }
  const resolve = (ports: ReturnType<typeof world>, now: string) =>
    resolveUnknownsFromStream(
      { ledger: ports.ledger, clock: { now: () => new Date(now) } },
      CAMPAIGN,
      15 * MINUTE,
    );
  const statusOf = (ports: ReturnType<typeof world>) =>
    ports.ledger.rows.get(`${CAMPAIGN}\nu@example.com`)?.status;

  it('proves a row unsent when later messages have events and the settle time has passed', async () => {
    const ports = streamWorld('2025-02-10T10:01:00.000Z', '2025-02-10T10:00:00.000Z');
    expect(await resolve(ports, '2025-02-10T10:16:00.000Z')).toMatchObject({ unsent: 1, stillUnknown: 1 }); // c@example.com: no claim time recorded
    expect(statusOf(ports)).toBe('planned');
  });

  it.each([
    [
      'within the settle time',
      '2025-02-10T10:01:00.000Z',
      '2025-02-10T10:00:00.000Z',
      '2025-02-10T10:10:00.000Z',
      /events may still arrive: proof after 2025-02-10T10:15:00.000Z/,
    ],
    [
      'with no event for a message accepted after its claim',
      '2025-02-10T09:59:00.000Z',
      '2025-02-10T10:00:00.000Z',
      '2025-02-10T12:00:00.000Z',
      /no event yet for a message SES accepted after its claim/,
    ],
    [
      'with no events at all',
      undefined,
      '2025-02-10T10:00:00.000Z',
      '2025-02-10T12:00:00.000Z',
      /no event yet/,
    ],
    [
      'without a recorded claim time',
      '2025-02-10T10:01:00.000Z',
      undefined,
      '2025-02-10T12:00:00.000Z',
      /claim time is not recorded/,
    ],
  ])('leaves it unknown %s, and says why', async (_, acceptedAt, claimedAt, now, why) => {
    const ports = streamWorld(acceptedAt, claimedAt);
    const result = await resolve(ports, now);
    expect(result).toMatchObject({ unsent: 0, stillUnknown: 2 });
    expect(result.waiting.find((w) => w.email === 'u@example.com')?.why).toMatch(why);
    expect(statusOf(ports)).toBe('unknown');
  });
});
