import { centsToDecimal } from '../common/money.js';
import { monthName } from '../common/months.js';
import { isHeldBack, type MessageSummary } from './build-plan.js';
import { sumCampaignTotals } from './campaign-totals.js';
import { LazyList } from './lazy-list.js';
import type { CampaignPlan } from './plan-campaign.js';
import { type CanonicalPlan, planDigest, type StreamedCanonicalPlan } from './plan-digest.js';

/** File names of one message's previews: `<n>-<first custom ID>.{html,txt,eml}`, numbered in plan order. */
export function previewBaseName(message: Pick<MessageSummary, 'index' | 'customIds'>, total: number): string {
  const width = Math.max(3, String(total).length);
  const id = message.customIds[0]?.resolved ?? 'recipient';
  return `${String(message.index).padStart(width, '0')}-${id}`;
}

/** `manifest.json` of a dry run: what would be sent, to whom, with which figures and links, and what would not. */
export function buildManifest(
  campaign: CampaignPlan<MessageSummary>,
  generatedAt: Date,
  reviewed?: CanonicalPlan | StreamedCanonicalPlan,
) {
  const { plan, users } = campaign;
  const total = plan.messages.length;
  return {
    campaignId: plan.campaignId,
    period: { ...plan.period, monthName: monthName(plan.period.month) },
    generatedAt: generatedAt.toISOString(),
    linksExpireAt: plan.expiresAt.toISOString(),
    currency: campaign.currency,
    unsubscribe: campaign.unsubscribe,
    counts: {
      userRows: users.totalRows,
      recipients: users.recipients,
      messages: total,
      links: plan.messages.reduce((sum, m) => sum + m.links.length, 0),
      nothingToSend: plan.unsent.filter((u) => !isHeldBack(u)).length,
      // Held back: payout data malformed, or a custom ID another address claims too (`sharedCustomIds`).
      heldBack: plan.unsent.filter(isHeldBack).length,
      sharedCustomIds: plan.unsent.filter((u) => u.reason === 'shared-custom-id').length,
      skippedUsers: users.skipped.length,
      rejectedIds: users.rejectedIds.length,
      userRowProblems: users.rowProblems.length,
      payoutProblems: campaign.payoutProblems.length,
      payoutWarnings: plan.payoutWarnings.length,
      /** IDs without every report type: `reportStatus.partial` + `reportStatus.none`. */
      missingReports: plan.missingReports.length,
    },
    /** Every recipient's custom IDs per report status, as `resolve-paths` counts them. */
    reportStatus: plan.reportStatus,
    /** The figures of every message added up, per currency, for matching the run against the books. */
    totals: sumCampaignTotals(plan.messages, campaign.currency, 'planned'),
    // Made from the compact records as manifest.json is written: a month's entries are never all held at once.
    messages: new LazyList(total, () => manifestMessages(plan.messages, total)),
    unsent: plan.unsent,
    missingReports: plan.missingReports,
    payoutWarnings: plan.payoutWarnings,
    payoutProblems: campaign.payoutProblems,
    skippedUsers: users.skipped,
    rejectedIds: users.rejectedIds,
    userRowProblems: users.rowProblems,
    unmatched: campaign.unmatched,
    /** What a send refuses until accepted (`--accept`), each with its recipients. */
    findings: campaign.findings.findings,
    /** Recipients mailed without one report type while having another (information, not a finding). */
    partialReports: campaign.findings.partialReports,
    /**
     * What `send-report --approve <digest>` (or `--approve-file manifest.json`) checks the fresh plan against:
     * the digest of the canonical plan, and the plan itself so a refusal can say what changed.
     */
    approval: reviewed ? { digest: planDigest(reviewed), plan: reviewed } : null,
  };
}

export type Manifest = ReturnType<typeof buildManifest>;

function* manifestMessages(messages: readonly MessageSummary[], total: number) {
  for (const message of messages) {
    yield {
      n: message.index,
      to: message.to,
      customIds: message.customIds.map((id) => id.resolved),
      subject: message.subject,
      files: ['html', 'txt', 'eml'].map((ext) => `${previewBaseName(message, total)}.${ext}`),
      totals: {
        opening: centsToDecimal(message.totals.openingCents),
        earnings: centsToDecimal(message.totals.earningsCents),
        payments: centsToDecimal(message.totals.paymentsCents),
        closing: centsToDecimal(message.totals.closingCents),
      },
      contracts: message.contracts,
      links: message.links.map(({ customId, type, label, key }) => ({ customId, type, label, key })),
      warnings: message.warnings,
    };
  }
}
