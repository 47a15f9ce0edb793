import type { LedgerRow, LedgerStatus, SendLedger } from '../../ports.js';
import { normalizeEmail } from '../common/email-address.js';
import { InputError } from '../common/errors.js';
import { monthName } from '../common/months.js';
import { defaultCampaignId } from '../plan/plan-campaign.js';
import { type CampaignStatus, loadCampaignStatus, undeliveredRows } from './campaign-status.js';
import {
  isCanaryCampaign,
  isFinished,
  isUnfinishedStatus,
  listCampaigns,
  periodOfCampaign,
} from './campaigns.js';

/**
 * Which rows `status` lists: the ones needing a decision (default), failed/unknown/stuck, every unfinished, all, or
 * the sent ones the creator did not get as intended (bounced, complained, rejected: delivery events).
 */
export type RowView = 'attention' | 'failed' | 'unfinished' | 'all' | 'bounced';

/** One part of an unfinished campaign: rows in one state and the command that finishes them. */
export interface FinishStep {
  status: Exclude<LedgerStatus, 'sent' | 'skipped'>;
  count: number;
  /** Why these rows are not done, in the operator's words. */
  why: string;
  command: string;
}

export interface CampaignProgress extends CampaignStatus {
  /** Rows exist and every one is sent or skipped. */
  finished: boolean;
  /** What is left, with the command for each part; empty when finished. */
  toFinish: FinishStep[];
}

/** Campaigns named in the "unknown campaign" error; `dn-mailer campaigns` lists them all. */
const KNOWN_SHOWN = 10;

/**
 * `dn-mailer status`: the campaign's rows and whether it is finished. A campaign with no rows is almost always a
 * mistyped ID or month, so it is refused (exit 4) with the campaigns the ledger does hold, never shown as "0 rows".
 */
export async function checkCampaign(
  ledger: SendLedger,
  campaignId: string,
  where = ledger.location,
): Promise<CampaignProgress> {
  const status = await loadCampaignStatus(ledger, campaignId);
  if (status.total === 0) throw await unknownCampaign(ledger, campaignId, where);
  const finished = isFinished(status.counts, status.total);
  return { ...status, finished, toFinish: finished ? [] : finishingSteps(campaignId, status.counts) };
}

async function unknownCampaign(ledger: SendLedger, campaignId: string, where: string): Promise<InputError> {
  const { campaigns, total } = await listCampaigns(ledger, { limit: KNOWN_SHOWN });
  const details = campaigns.map((c) => `${c.campaignId}: ${c.total} rows, last change ${c.lastUpdatedAt}`);
  if (total > campaigns.length) details.push(`… and ${total - campaigns.length} older`);
  if (total === 0) details.push('the ledger holds no campaigns yet');
  return new InputError(`no rows for campaign "${campaignId}" in ${where}`, {
    details,
    hint:
      total === 0
        ? 'check the config (tracking) points at the ledger the sends used'
        : 'dn-mailer campaigns lists them; pass one with --campaign-id, or check --month/--year',
  });
}

/** The rows `status` lists for a view, in ledger order. */
export function selectRows(status: CampaignStatus, view: RowView): LedgerRow[] {
  if (view === 'all') return status.rows;
  if (view === 'unfinished') return status.rows.filter((row) => isUnfinishedStatus(row.status));
  if (view === 'bounced') return undeliveredRows(status.rows);
  return status.problems;
}

/** `status --email`: the one row of an address, or exit 4 when the campaign has none for it. */
export function findRecipientRow(status: CampaignStatus, email: string): LedgerRow {
  const wanted = normalizeEmail(email);
  const row = status.rows.find((r) => r.email === wanted);
  if (!row) {
    throw new InputError(`no row for this address in ${status.campaignId}`, {
      hint: 'check the address and the campaign; --all lists every recipient of the campaign',
    });
  }
  return row;
}

/** For every unfinished state with rows: why, and the command that finishes them (most urgent first). */
export function finishingSteps(campaignId: string, counts: Record<LedgerStatus, number>): FinishStep[] {
  const resume = resumeCommand(campaignId);
  const steps: FinishStep[] = [
    {
      status: 'sending',
      count: counts.sending,
      why: "claimed by a run that is still sending or stopped mid-send; a stopped run's rows turn unknown once their lease is over",
      command: resume,
    },
    {
      status: 'unknown',
      count: counts.unknown,
      why: "may have arrived: check the provider's logs before resending them",
      command: `${resume} --retry-unknown`,
    },
    {
      status: 'failed',
      count: counts.failed,
      why: 'refused by the provider: fix the cause in REASON, then resend',
      command: `${resume} --retry-failed`,
    },
    { status: 'planned', count: counts.planned, why: 'not sent yet', command: resume },
  ];
  return steps.filter((step) => step.count > 0);
}

/**
 * The `send-report` that continues a campaign: its period read from the ID (`financial-YYYY-MM[-…]`), plus
 * `--campaign-id` when the ID is not the period's default. A canary (`…-canary`) is continued as a canary, so the
 * suggested command can never mail the real recipients.
 */
export function resumeCommand(campaignId: string): string {
  const canary = isCanaryCampaign(campaignId);
  // A canary is continued under its own ID (`--campaign-id …-canary-<n>`), always with --redirect-to.
  const base = campaignId;
  const period = periodOfCampaign(base);
  const parts = [
    'dn-mailer send-report',
    period ? `--month ${monthName(period.month)} --year ${period.year}` : '--month <month> --year <year>',
  ];
  if (!period || defaultCampaignId(period) !== base) parts.push(`--campaign-id ${base}`);
  if (canary) parts.push('--redirect-to <your address>');
  return parts.join(' ');
}
