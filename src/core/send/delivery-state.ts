import type { DeliveryOutcome, DeliveryState, LedgerStatus } from '../../ports.js';

/**
 * How a delivery event changes a ledger row: the one rule every SendLedger adapter applies (SQLite inside a write
 * transaction, DynamoDB as a read then an UpdateItem conditional on what it read, the in-memory ledger directly), so
 * they cannot drift apart.
 */

/** Weakest first: a later event of a stronger kind replaces a weaker one, never the other way round. */
export const DELIVERY_STATES: readonly DeliveryState[] = [
  'delayed',
  'delivered',
  'rejected',
  'bounced',
  'complained',
];

const STRENGTH: Readonly<Record<DeliveryState, number>> = Object.fromEntries(
  DELIVERY_STATES.map((state, i) => [state, i]),
) as Record<DeliveryState, number>;

export function isDeliveryState(value: unknown): value is DeliveryState {
  return typeof value === 'string' && (DELIVERY_STATES as readonly string[]).includes(value);
}

/**
 * The delivery a row keeps after `next` arrives. The stronger state wins, with its own `acceptedAt`; for the same
 * state the earliest event stays (its time and detail), so a replay changes nothing and two events of one kind give
 * the same result in whichever order the queue hands them out. When the outcome that stays has no `acceptedAt` (a
 * row recorded before it was stored) it takes the other's, so old rows fill in. Returns `current` itself when it
 * stays unchanged.
 */
export function mergeDelivery(current: DeliveryOutcome | undefined, next: DeliveryOutcome): DeliveryOutcome {
  if (!current) return next;
  const stronger = STRENGTH[next.state] - STRENGTH[current.state];
  if (stronger !== 0) return stronger > 0 ? next : current;
  const [kept, other] = isEarlier(next.at, current.at) ? [next, current] : [current, next];
  if (kept.acceptedAt !== undefined || other.acceptedAt === undefined) return kept;
  return { ...kept, acceptedAt: other.acceptedAt };
}

/** What `recordDelivery` reads of a row. */
export interface DeliveryRowState {
  status: LedgerStatus;
  messageId?: string | undefined;
  reason?: string | undefined;
  delivery?: DeliveryOutcome | undefined;
  updatedAt: string;
}

/** The row's fields after the event (every one, changed or not). */
export interface DeliveryRowUpdate {
  status: LedgerStatus;
  messageId: string | undefined;
  reason: string | undefined;
  delivery: DeliveryOutcome;
  updatedAt: string;
}

/**
 * Applies a delivery event for `messageId` to a row; undefined when nothing changes (a replay, a weaker event), so
 * the adapter writes nothing.
 *
 * - `unknown` / `sending` → `sent` with `messageId`: the event proves the provider accepted the message. The reason
 *   (why it was unknown) goes, as with every finish to `sent`.
 * - `sent` keeps its status and message ID, and takes `messageId` only when it had none.
 * - `planned`, `failed`, `skipped` keep their status: the ledger's moves stay with the send, which decides resends
 *   from them. The delivery is still recorded, because an event is a fact about what the provider did, and `status`
 *   must be able to show a "failed" row that was in fact delivered.
 * - `updatedAt` is the time of the last status change, so a delivery alone leaves it (and `listCampaigns`' latest
 *   change) as it was; a status change sets it to the event's time, never earlier than the row's last change.
 */
export function applyDelivery(
  row: DeliveryRowState,
  event: DeliveryOutcome,
  messageId: string,
): DeliveryRowUpdate | undefined {
  const delivery = mergeDelivery(row.delivery, event);
  const accepted = row.status === 'unknown' || row.status === 'sending';
  const gainsMessageId = row.status === 'sent' && row.messageId === undefined;
  if (delivery === row.delivery && !accepted && !gainsMessageId) return undefined;
  if (accepted) {
    const updatedAt = isEarlier(row.updatedAt, event.at) ? event.at : row.updatedAt;
    return { status: 'sent', messageId, reason: undefined, delivery, updatedAt };
  }
  return {
    status: row.status,
    messageId: gainsMessageId ? messageId : row.messageId,
    reason: row.reason,
    delivery,
    updatedAt: row.updatedAt,
  };
}

/** By the instant when both are times (SES writes `…:52.240Z`, we write `….000Z`), else as text. */
function isEarlier(a: string, b: string): boolean {
  const [ta, tb] = [Date.parse(a), Date.parse(b)];
  return Number.isNaN(ta) || Number.isNaN(tb) ? a < b : ta < tb;
}
