import type { CampaignSummary, LedgerStatus, Period, SendLedger } from '../../ports.js';

/** Rows of one campaign in one state, as a ledger adapter reads them (one row: `count` 1). */
export interface StatusGroup {
  campaignId: string;
  status: LedgerStatus;
  count: number;
  /** ISO time of the latest change in the group. */
  updatedAt: string;
}

export interface CampaignListing extends CampaignSummary {
  /** Every row is sent or skipped. */
  finished: boolean;
}

export interface CampaignList {
  /** Newest first, at most `limit`. */
  campaigns: CampaignListing[];
  /** How many campaigns the ledger holds in all. */
  total: number;
}

const UNFINISHED: readonly LedgerStatus[] = ['planned', 'sending', 'failed', 'unknown'];

/** Folds (campaign, status) groups into one summary per campaign; shared by every ledger adapter. */
export function summariseCampaigns(groups: Iterable<StatusGroup>): CampaignSummary[] {
  const campaigns = new Map<string, CampaignSummary>();
  for (const group of groups) {
    let summary = campaigns.get(group.campaignId);
    if (!summary) {
      const counts = { planned: 0, sending: 0, sent: 0, failed: 0, skipped: 0, unknown: 0 };
      summary = { campaignId: group.campaignId, counts, total: 0, lastUpdatedAt: group.updatedAt };
      campaigns.set(group.campaignId, summary);
    }
    summary.counts[group.status] += group.count;
    summary.total += group.count;
    if (group.updatedAt > summary.lastUpdatedAt) summary.lastUpdatedAt = group.updatedAt;
  }
  return [...campaigns.values()];
}

/** `dn-mailer campaigns`: the ledger's campaigns, the most recently changed first (ties: by ID). */
export async function listCampaigns(ledger: SendLedger, options: { limit: number }): Promise<CampaignList> {
  const all = await ledger.listCampaigns();
  all.sort(
    (a, b) => b.lastUpdatedAt.localeCompare(a.lastUpdatedAt) || a.campaignId.localeCompare(b.campaignId),
  );
  const campaigns = all
    .slice(0, options.limit)
    .map((c) => ({ ...c, finished: isFinished(c.counts, c.total) }));
  return { campaigns, total: all.length };
}

/** A campaign is finished when it has rows and every one is sent or skipped. */
export function isFinished(counts: Record<LedgerStatus, number>, total: number): boolean {
  return total > 0 && UNFINISHED.every((status) => counts[status] === 0);
}

export function isUnfinishedStatus(status: LedgerStatus): boolean {
  return UNFINISHED.includes(status);
}

const CANARY = /-canary(-\d+)?$/i;

/**
 * Whether a campaign ID names a canary (`…-canary`, `…-canary-<n>`, any case): such a campaign only ever goes to
 * `--redirect-to`, never to the creators. The one test of it (send, status, campaigns).
 */
export function isCanaryCampaign(campaignId: string): boolean {
  return CANARY.test(campaignId);
}

const CAMPAIGN_PERIOD = /^financial-(\d{4})-(0[1-9]|1[0-2])(?:-|$)/;

/** The period of a default-style campaign ID (`financial-2025-01`, `financial-2025-01-canary`), if it has one. */
export function periodOfCampaign(campaignId: string): Period | undefined {
  const match = CAMPAIGN_PERIOD.exec(campaignId);
  if (!match) return undefined;
  return { year: Number(match[1]), month: Number(match[2]) };
}
