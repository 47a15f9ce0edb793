import type { LedgerRow } from '../../ports.js';
import { monthName } from '../common/months.js';
import { isHeldBack, type Plan, type UnsentRecipient } from '../plan/build-plan.js';
import { sumRunTotals } from '../plan/campaign-totals.js';
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

interface SummaryInput {
  campaign: CampaignPlan;
  prep: SendPreparation;
  result: ExecuteResult;
  runId: string;
  provider: string;
  durationMs: number;
}

/** This run's outcomes by status, and the plan's messages held back (not finished). */
interface RunOutcomes {
  sent: SendOutcome[];
  failed: SendOutcome[];
  unknown: SendOutcome[];
  skipped: SendOutcome[];
  /** Held back by the plan (payout data malformed, or a custom ID another address claims): not finished. */
  heldBack: UnsentRecipient[];
  /**
   * Left planned by --limit: the campaign is not finished. A canary is a sample, so what --limit left out of it
   * is not owed to anyone (0).
   */
  deferred: number;
}

/**
 * The run's result in the shape of the old system's FinancialReportResponse (success, message, data with
 * campaignId, batchId, provider, totals, per-status lists, reporting counts), plus what the ledger adds.
 */
export function buildSendSummary(input: SummaryInput) {
  const { prep, result } = input;
  const by = (status: SendOutcome['status']) => result.outcomes.filter((o) => o.status === status);
  const outcomes: RunOutcomes = {
    sent: by('sent'),
    failed: by('failed'),
    unknown: by('unknown'),
    skipped: by('skipped'),
    heldBack: input.campaign.plan.unsent.filter(isHeldBack),
    deferred: prep.deferred,
  };
  const { sent, failed, unknown, skipped, heldBack, deferred } = outcomes;
  // A row an earlier run left failed or unknown, not retried now, still leaves the campaign incomplete.
  const partial =
    failed.length > 0 ||
    unknown.length > 0 ||
    heldBack.length > 0 ||
    prep.heldForRetry.length > 0 ||
    deferred > 0 ||
    result.stopped !== undefined;
  return {
    success: !partial,
    message:
      deferred > 0 && !result.stopped && failed.length + unknown.length + heldBack.length === 0
        ? `${deferred} recipient(s) left for the next run (--limit): run the same command again to continue`
        : describeRun(result.stopped, partial, sent.length + skipped.length, prep.alreadySent.length),
    data: buildSummaryData(input, outcomes),
  };
}

function buildSummaryData(input: SummaryInput, outcomes: RunOutcomes) {
  const { campaign, prep, result } = input;
  const { plan } = campaign;
  const { sent, failed, unknown, skipped } = outcomes;
  // Outcomes of rows another run left behind are not this run's to start: only `toSend` counts as started.
  const toSend = new Set(prep.toSend.map((c) => c.message.to));
  const started = result.outcomes.filter((o) => o.status !== 'skipped' && toSend.has(o.email)).length;
  return {
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
    notStarted: prep.toSend.length - started - result.claimedElsewhere.length,
    deferred: outcomes.deferred,
    duration: input.durationMs,
    durationMs: input.durationMs,
    achievedRate: achievedRate(result, sent.length + failed.length + unknown.length),
    customIds: [...new Set(plan.messages.flatMap((m) => m.customIds.map((id) => id.resolved)))],
    reporting: {
      payoutCount: plan.messages.reduce((sum, m) => sum + m.contracts, 0),
      downloadLinkGroups: plan.messages.reduce((sum, m) => sum + m.links.length, 0),
    },
    results: buildSummaryResults(plan, prep, outcomes),
    missingReports: plan.missingReports,
    payoutWarnings: plan.payoutWarnings,
    payoutTotals: sumRunTotals(
      plan.messages,
      campaign.currency,
      sent.map((o) => o.email),
    ),
    stopped: result.stopped ? result.stopped.reason : null,
    interrupted: result.stopped?.interrupted === true,
    trackingErrors: result.trackingErrors,
  };
}

function buildSummaryResults(plan: Plan, prep: SendPreparation, outcomes: RunOutcomes) {
  return {
    successful: outcomes.sent.map(outcomeEntry),
    failed: outcomes.failed.map(outcomeEntry),
    unknown: outcomes.unknown.map(outcomeEntry),
    skipped: outcomes.skipped.map(outcomeEntry),
    heldForRetry: prep.heldForRetry.map(rowEntry),
    heldBack: outcomes.heldBack.map((u) => ({
      email: u.email,
      customIds: u.customIds,
      reason: `${u.reason}: ${u.detail}`,
    })),
    nothingToSend: plan.unsent
      .filter((u) => !isHeldBack(u))
      .map((u) => ({ email: u.email, customIds: u.customIds, reason: u.detail })),
  };
}

export type SendSummary = ReturnType<typeof buildSendSummary>;

function describeRun(
  stopped: ExecuteResult['stopped'],
  partial: boolean,
  handled: number,
  alreadySent: number,
): string {
  if (stopped?.interrupted) return `${stopped.reason} — run the same command again to continue`;
  if (stopped) return `stopped: ${stopped.reason}`;
  if (partial) return 'some messages were not sent (see failed / unknown / heldForRetry / heldBack)';
  if (handled === 0 && alreadySent > 0) return `nothing new to send: ${alreadySent} already sent (ledger)`;
  return 'every message was sent or skipped';
}

/**
 * The one achieved rate (the terminal, the summary and report.html show this number): messages handed to the
 * provider per second, from the first send's start to the last one's end. Null without a measurable window.
 */
export function achievedRate(result: Pick<ExecuteResult, 'sendWindow'>, messages: number): number | null {
  const window = result.sendWindow;
  if (!window || messages === 0) return null;
  const seconds = (window.lastEnd - window.firstStart) / 1000;
  return seconds > 0 ? Math.round((messages / seconds) * 100) / 100 : null;
}
