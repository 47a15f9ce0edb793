import type { DeliveryState, LedgerRow, LedgerStatus, SendLedger } from '../../ports.js';

export interface CampaignStatus {
  campaignId: string;
  counts: Record<LedgerStatus, number>;
  total: number;
  /** Failed and unknown rows (and rows stuck in `sending`), with their reasons. */
  problems: LedgerRow[];
  rows: LedgerRow[];
}

const STATUSES: readonly LedgerStatus[] = ['planned', 'sending', 'sent', 'failed', 'skipped', 'unknown'];

/** `dn-mailer status`: counts per state and the rows that need attention, straight from the ledger. */
export async function loadCampaignStatus(ledger: SendLedger, campaignId: string): Promise<CampaignStatus> {
  const rows = await ledger.listRows(campaignId);
  const counts = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<LedgerStatus, number>;
  for (const row of rows) counts[row.status] += 1;
  const problems = rows.filter(
    (row) => row.status === 'failed' || row.status === 'unknown' || row.status === 'sending',
  );
  return { campaignId, counts, total: rows.length, problems, rows };
}

/**
 * What the provider reported about the `sent` rows (accepted messages), from the delivery events synced into the
 * ledger: one count per delivery state, and `noEvent` for the accepted rows no event has been recorded for yet.
 */
export interface DeliveryCounts {
  /** Rows with status `sent`: what every other count is a part of. */
  accepted: number;
  delivered: number;
  bounced: number;
  complained: number;
  delayed: number;
  rejected: number;
  noEvent: number;
  /**
   * Rows NOT marked sent (failed, unknown, planned, skipped) that an event nevertheless names: the provider did
   * something with a message the ledger thinks it did not send. Not part of `accepted`.
   */
  notSentWithEvent: number;
}

/** The delivery states in the order people read them: the good news, the bad news, then "still trying". */
export const DELIVERY_ORDER: readonly DeliveryState[] = [
  'delivered',
  'bounced',
  'complained',
  'rejected',
  'delayed',
];

/**
 * States after which the creator did not get the statement as intended (`status --bounced` lists them): a bounce
 * or a reject never arrived, a complaint arrived and was marked as spam (the address is then opted out).
 */
export const UNDELIVERED: readonly DeliveryState[] = ['bounced', 'complained', 'rejected'];

export function countDeliveries(rows: readonly LedgerRow[]): DeliveryCounts {
  const counts: DeliveryCounts = {
    accepted: 0,
    delivered: 0,
    bounced: 0,
    complained: 0,
    delayed: 0,
    rejected: 0,
    noEvent: 0,
    notSentWithEvent: 0,
  };
  for (const row of rows) {
    if (row.status !== 'sent') {
      if (row.delivery) counts.notSentWithEvent += 1;
      continue;
    }
    counts.accepted += 1;
    if (row.delivery) counts[row.delivery.state] += 1;
    else counts.noEvent += 1;
  }
  return counts;
}

/** Whether any row of the campaign carries a delivery state (an event was synced or imported for it). */
export function hasDeliveryEvents(rows: readonly LedgerRow[]): boolean {
  return rows.some((row) => row.delivery !== undefined);
}

/** Sent rows the creator did not get as intended (bounced, complained, rejected), in ledger order. */
export function undeliveredRows(rows: readonly LedgerRow[]): LedgerRow[] {
  return rows.filter(
    (row) => row.status === 'sent' && row.delivery !== undefined && UNDELIVERED.includes(row.delivery.state),
  );
}
