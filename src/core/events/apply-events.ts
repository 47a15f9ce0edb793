import type {
  AuditLog,
  Clock,
  ContactList,
  DeliveryOutcome,
  DeliveryUpdate,
  LedgerRow,
  SendLedger,
  SuppressionStore,
  TrackingEventType,
  TrackingRow,
  TrackingStore,
} from '../../ports.js';
import { monthNumber } from '../common/months.js';
import { periodOfCampaign } from '../send/campaigns.js';
import { recipientHash } from '../send/message-id.js';
import type { DeliveryEvent, DeliveryEventType } from './delivery-event.js';

/** Where events are applied: the ledger and tracking rows, suppressions, and the contact list with its audit trail. */
export interface EventPorts {
  ledger: SendLedger;
  tracking: TrackingStore;
  suppressions: SuppressionStore;
  contacts: ContactList;
  audit: AuditLog;
  /** The contact-list topic a complaint opts the address out of. */
  topic: string;
  clock: Clock;
  /** Who applies them (the operator's identity), for the audit rows of complaints. */
  actor: string;
  /** Days tracking rows are kept (their TTL), as for send rows. */
  trackingTtlDays: number;
  /** Days a suppression lasts (its TTL); undefined: it never expires. */
  suppressionDays?: number | undefined;
}

/** What applying a batch of events did; every count is of events, not of rows. */
export interface EventsApplied {
  /** Events that matched a message dn-mailer sent (a ledger row), applied or already applied before. */
  applied: number;
  /** Events for messages dn-mailer never sent (another sender on the configuration set, an old ledger). */
  unmatched: number;
  byType: Partial<Record<DeliveryEventType, number>>;
  /** Addresses suppressed by this batch (permanent bounces, complaints), with the reason. */
  suppressed: { email: string; reason: string }[];
  /** Addresses a complaint opted out of the topic in this batch. */
  optedOut: string[];
  /** Rows that were `unknown` (or left `sending`) and that an event proved sent. */
  unknownResolved: number;
  /** Transient / undetermined bounces: counted, never suppressed. */
  transientBounces: number;
}

export function emptyEventsApplied(): EventsApplied {
  return {
    applied: 0,
    unmatched: 0,
    byType: {},
    suppressed: [],
    optedOut: [],
    unknownResolved: 0,
    transientBounces: 0,
  };
}

const TRACKING_TYPE: Record<DeliveryEventType, TrackingEventType | undefined> = {
  send: undefined,
  delivery: 'delivery',
  bounce: 'bounce',
  complaint: 'complaint',
  reject: 'reject',
  'delivery-delay': 'delivery_delay',
  'rendering-failure': 'rendering_failure',
  open: 'open',
  click: 'click',
  subscription: undefined,
};

/**
 * Applies parsed SES events, idempotently: applying the same events again changes nothing (the ledger keeps the
 * strongest delivery state and its first time, suppressions keep their first reason, tracking rows are keyed by the
 * event, a complaint's opt-out is audited only when it changed the contact). Everything an event says is written
 * before this returns, so the caller may then delete the queue messages.
 */
export async function applyEvents(
  events: readonly DeliveryEvent[],
  ports: EventPorts,
  result: EventsApplied = emptyEventsApplied(),
): Promise<EventsApplied> {
  return createEventApplier(ports).apply(events, result);
}

/** One applier per sync: it reads each campaign's rows once, not once per batch of ten. */
export function createEventApplier(ports: EventPorts): {
  apply(events: readonly DeliveryEvent[], result: EventsApplied): Promise<EventsApplied>;
} {
  const rowsOf = createRowLookup(ports.ledger);
  return { apply: (events, result) => applyBatch(events, ports, rowsOf, result) };
}

async function applyBatch(
  events: readonly DeliveryEvent[],
  ports: EventPorts,
  rowsOf: RowLookup,
  result: EventsApplied,
): Promise<EventsApplied> {
  const tracking: TrackingRow[] = [];
  // The batch's delivery outcomes, written to the ledger in one call (one transaction on SQLite), in event order.
  // A campaign's rows are read again only after the ones so far are written, as if each had been written at once.
  const deliveries: DeliveryUpdate[] = [];
  const writeDeliveries = async () => {
    if (deliveries.length > 0) await ports.ledger.recordDeliveries(deliveries.splice(0));
  };
  for (const event of events) {
    const row = await findRow(event, rowsOf, writeDeliveries);
    result.byType[event.type] = (result.byType[event.type] ?? 0) + 1;
    await suppressFor(event, ports, result);
    if (!row) {
      result.unmatched += 1;
      continue;
    }
    result.applied += 1;
    const delivery = deliveryOf(event, row.email);
    if (await applyToRow(event, row, delivery, ports, deliveries)) result.unknownResolved += 1;
    if (event.type === 'complaint' && event.recipients.includes(row.email))
      await optOut(row.email, event, ports, result);
    const trackingRow = trackingRowFor(event, row, delivery, ports);
    if (trackingRow) tracking.push(trackingRow);
  }
  await writeDeliveries();
  await ports.tracking.record(tracking);
  return result;
}

/**
 * A campaign's rows by recipient hash (the `recipient` tag). `fresh` reads them again, once per campaign (rows a
 * send added since), after `beforeReread`: events of other senders must not cost a read each.
 */
type RowLookup = (
  campaignId: string,
  fresh?: boolean,
  beforeReread?: () => Promise<void>,
) => Promise<Map<string, LedgerRow>>;

function createRowLookup(ledger: SendLedger): RowLookup {
  const campaigns = new Map<string, Promise<Map<string, LedgerRow>>>();
  const refreshed = new Set<string>();
  return (campaignId, fresh = false, beforeReread) => {
    let rows = campaigns.get(campaignId);
    const reread = fresh && !refreshed.has(campaignId);
    if (reread) refreshed.add(campaignId);
    if (!rows || reread) {
      const read = reread && beforeReread ? beforeReread() : Promise.resolve();
      rows = read
        .then(() => ledger.listRows(campaignId))
        .then((list) => {
          const byHash = new Map<string, LedgerRow>();
          for (const row of list) byHash.set(recipientHash(row.email), row);
          return byHash;
        });
      campaigns.set(campaignId, rows);
    }
    return rows;
  };
}

/** The ledger row an event is about: by its `campaign` and `recipient` tags, else by a recipient's address. */
async function findRow(
  event: DeliveryEvent,
  rowsOf: RowLookup,
  beforeReread: () => Promise<void>,
): Promise<LedgerRow | undefined> {
  const campaignId = event.tags.campaign?.[0];
  const hash = event.tags.recipient?.[0];
  if (!campaignId || !hash) return undefined;
  const match = (rows: Map<string, LedgerRow>) => {
    const byTag = rows.get(hash);
    if (byTag) return byTag;
    // A planned address with capitals hashes differently from its lower-cased row: match it by address.
    for (const email of event.recipients) {
      const row = rows.get(recipientHash(email));
      if (row) return row;
    }
    return undefined;
  };
  return match(await rowsOf(campaignId)) ?? match(await rowsOf(campaignId, true, beforeReread));
}

/**
 * The ledger's part; true when the row was `unknown`/`sending` and the event proved it sent. A delivery outcome is
 * queued on `deliveries` (applyBatch writes them); a finish is written at once.
 */
async function applyToRow(
  event: DeliveryEvent,
  row: LedgerRow,
  delivery: DeliveryOutcome | undefined,
  ports: EventPorts,
  deliveries: DeliveryUpdate[],
): Promise<boolean> {
  const unresolved = row.status === 'unknown' || row.status === 'sending';
  if (delivery) {
    deliveries.push({ campaignId: row.campaignId, email: row.email, delivery, messageId: event.messageId });
  } else if (unresolved && event.type !== 'subscription') {
    // Send (and open/click) events carry no delivery state but prove SES accepted the message.
    await ports.ledger.finish(
      row.campaignId,
      row.email,
      row.status,
      { status: 'sent', messageId: event.messageId, reason: `accepted by SES (${event.type} event)` },
      new Date(event.at),
    );
  }
  if (unresolved) {
    row.status = 'sent';
    row.messageId = event.messageId;
  }
  return unresolved;
}

/** The delivery state an event gives the row of `email`, if it concerns that address. */
function deliveryOf(event: DeliveryEvent, email: string): DeliveryOutcome | undefined {
  const concerns = event.recipients.length === 0 || event.recipients.includes(email);
  if (!concerns) return undefined;
  switch (event.type) {
    case 'delivery':
      return { state: 'delivered', at: event.at, acceptedAt: event.sentAt };
    case 'bounce':
      return { state: 'bounced', at: event.at, acceptedAt: event.sentAt, detail: describeBounce(event) };
    case 'complaint':
      return { state: 'complained', at: event.at, acceptedAt: event.sentAt, detail: event.detail };
    case 'reject':
      return { state: 'rejected', at: event.at, acceptedAt: event.sentAt, detail: event.detail };
    case 'rendering-failure':
      return {
        state: 'rejected',
        at: event.at,
        acceptedAt: event.sentAt,
        detail: `rendering failure: ${event.detail ?? 'no reason given'}`,
      };
    case 'delivery-delay':
      return { state: 'delayed', at: event.at, acceptedAt: event.sentAt, detail: event.detail };
    default:
      return undefined;
  }
}

function describeBounce(event: DeliveryEvent): string {
  const bounce = event.bounce;
  if (!bounce) return 'bounced';
  return `${bounce.type}/${bounce.subType}${bounce.diagnostic ? `: ${bounce.diagnostic}` : ''}`;
}

/** Permanent bounces and complaints suppress every address they name; transient bounces are only counted. */
async function suppressFor(event: DeliveryEvent, ports: EventPorts, result: EventsApplied): Promise<void> {
  if (event.type === 'bounce' && event.bounce?.type !== 'Permanent') {
    result.transientBounces += 1;
    return;
  }
  if (event.type !== 'bounce' && event.type !== 'complaint') return;
  const reason = event.type;
  // The suppression lasts suppressionDays from when dn-mailer learns of it (an event synced late still suppresses
  // for the whole period), never from an event time already long past.
  const since = Math.max(Date.parse(event.at), ports.clock.now().getTime());
  const expirationTime =
    ports.suppressionDays === undefined
      ? undefined
      : Math.floor(since / 1000) + ports.suppressionDays * 86_400;
  const fresh: string[] = [];
  for (const email of event.recipients) {
    if (!(await ports.suppressions.get(email))) fresh.push(email);
  }
  await ports.suppressions.add(
    event.recipients.map((email) => ({ email, reason, at: event.at, expirationTime })),
  );
  for (const email of fresh) result.suppressed.push({ email, reason });
}

/** A complaint opts the address out of the topic, audited with source `complaint` — once. */
async function optOut(
  email: string,
  event: DeliveryEvent,
  ports: EventPorts,
  result: EventsApplied,
): Promise<void> {
  const before = await ports.contacts.get(email);
  if (before?.unsubscribeAll || before?.topics[ports.topic] === 'OPT_OUT') return;
  await ports.contacts.setTopic(email, ports.topic, 'OPT_OUT');
  await ports.audit.record({
    at: event.at,
    email,
    action: 'unsubscribe',
    topic: ports.topic,
    actor: ports.actor,
    source: 'complaint',
    reason: `complaint${event.detail ? ` (${event.detail})` : ''} on message ${event.messageId}`,
  });
  result.optedOut.push(email);
}

/** The events whose tracking row says the message did not get through. */
const FAILED_EVENTS: ReadonlySet<DeliveryEventType> = new Set([
  'bounce',
  'complaint',
  'reject',
  'rendering-failure',
]);

function trackingRowFor(
  event: DeliveryEvent,
  row: LedgerRow,
  delivery: DeliveryOutcome | undefined,
  ports: EventPorts,
): TrackingRow | undefined {
  const eventType = TRACKING_TYPE[event.type];
  if (!eventType) return undefined;
  const timestamp = Date.parse(event.at);
  const period = periodOfCampaign(row.campaignId);
  return {
    campaignId: row.campaignId,
    timestamp,
    email: row.email,
    recipient: row.email,
    eventType,
    sendStatus: FAILED_EVENTS.has(event.type) ? 'failed' : 'success',
    sesMessageId: event.messageId,
    reason: delivery?.detail ?? (event.type === 'click' ? event.detail : undefined),
    month: period ? monthNumber(period.month) : '',
    year: period ? String(period.year) : '',
    customIds: row.customIds,
    tags: [`campaign:${row.campaignId}`],
    provider: 'ses',
    expirationTime: Math.floor(timestamp / 1000) + ports.trackingTtlDays * 86_400,
  };
}
