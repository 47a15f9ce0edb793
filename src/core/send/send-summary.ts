import type { LedgerRow } from '../../ports.js';
import { monthName } from '../common/months.js';
import type { CampaignPlan } from '../plan/plan-campaign.js';
import type { ExecuteResult, SendOutcome } from './execute-sends.js';
import type { SendPreparation } from './prepare-sends.js';

const rowEntry = (row: LedgerRow) => ({
  email: row.email,
  customIds: row.customIds,
  status: row.status,
  reason: row.reason ?? null,
  messageId: row.messageId ?? null,
});
const outcomeEntry = (o: SendOutcome) => ({
  email: o.email,
  customIds: o.customIds,
  messageId: o.messageId ?? null,
  reason: o.reason ?? null,
});

/**
 * The run's result in the shape of the old system's FinancialReportResponse (success, message, data with
 * campaignId, batchId, provider, totals, per-status lists, reporting counts), plus what the ledger adds.
 */
export function buildSendSummary(input: {
  campaign: CampaignPlan;
  prep: SendPreparation;
  result: ExecuteResult;
  runId: string;
  provider: string;
  durationMs: number;
}) {
  const { campaign, prep, result } = input;
  const { plan } = campaign;
  const by = (status: SendOutcome['status']) => result.outcomes.filter((o) => o.status === status);
  const sent = by('sent');
  const failed = by('failed');
  const unknown = by('unknown');
  const skipped = by('skipped');
  const heldBack = plan.unsent.filter((u) => u.reason === 'payout-data-invalid');
  // A row an earlier run left failed or unknown, not retried now, still leaves the campaign incomplete.
  const partial =
    failed.length > 0 ||
    unknown.length > 0 ||
    heldBack.length > 0 ||
    prep.heldForRetry.length > 0 ||
    result.stopped !== undefined;
  return {
    success: !partial,
    message: result.stopped
      ? `stopped: ${result.stopped.reason}`
      : partial
        ? 'some messages were not sent (see failed / unknown / heldForRetry / heldBack)'
        : sent.length + skipped.length === 0 && prep.alreadySent.length > 0
          ? `nothing new to send: ${prep.alreadySent.length} already sent (ledger)`
          : 'every message was sent or skipped',
    data: {
      campaignId: prep.campaignId,
      batchId: input.runId,
      provider: input.provider,
      attachReporting: true,
      month: monthName(plan.period.month),
      year: String(plan.period.year),
      totalRecipients: plan.messages.length,
      successful: sent.length,
      failed: failed.length,
      unknown: unknown.length,
      skipped: skipped.length,
      alreadySent: prep.alreadySent.length,
      alreadySkipped: prep.alreadySkipped.length,
      heldForRetry: prep.heldForRetry.length,
      claimedElsewhere: result.claimedElsewhere.length,
      notStarted:
        prep.toSend.length -
        result.outcomes.filter((o) => o.status !== 'skipped').length -
        result.claimedElsewhere.length,
      duration: input.durationMs,
      durationMs: input.durationMs,
      customIds: [...new Set(plan.messages.flatMap((m) => m.customIds.map((id) => id.resolved)))],
      reporting: {
        payoutCount: plan.messages.reduce((sum, m) => sum + m.contracts, 0),
        downloadLinkGroups: plan.messages.reduce((sum, m) => sum + m.links.length, 0),
      },
      results: {
        successful: sent.map(outcomeEntry),
        failed: failed.map(outcomeEntry),
        unknown: unknown.map(outcomeEntry),
        skipped: skipped.map(outcomeEntry),
        heldForRetry: prep.heldForRetry.map(rowEntry),
        heldBack: heldBack.map((u) => ({ email: u.email, customIds: u.customIds, reason: u.detail })),
        nothingToSend: plan.unsent
          .filter((u) => u.reason === 'nothing-to-send')
          .map((u) => ({ email: u.email, customIds: u.customIds, reason: u.detail })),
      },
      missingReports: plan.missingReports,
      payoutWarnings: plan.payoutWarnings,
      stopped: result.stopped ? result.stopped.reason : null,
      trackingErrors: result.trackingErrors,
    },
  };
}

export type SendSummary = ReturnType<typeof buildSendSummary>;
