import type { LedgerRow, LedgerStatus, SendLedger } from '../../ports.js';

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
