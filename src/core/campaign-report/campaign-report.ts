import type { LedgerRow } from '../../ports.js';
import { maskEmail } from '../common/email-address.js';
import { toCents } from '../common/money.js';
import type { PayoutWarning } from '../payouts/payout-statements.js';
import { isHeldBack, type MissingReport } from '../plan/build-plan.js';
import type { CampaignTotals } from '../plan/campaign-totals.js';
import type { Manifest } from '../plan/manifest.js';
import { type Finding, showRecipient } from '../plan/plan-findings.js';
import { type ReportStatusCounts, WITHOUT_EVERY_REPORT_TYPE } from '../reports/classify-reports.js';
import {
  type CampaignStatus,
  countDeliveries,
  type DeliveryCounts,
  undeliveredRows,
} from '../send/campaign-status.js';
import type { SendSummary } from '../send/send-summary.js';

/** What report.html shows, whatever it was built from: a send summary, a dry-run manifest or the ledger. */
export interface CampaignReport {
  title: string;
  campaignId: string;
  /** e.g. "January 2025"; empty when the source does not know it (the ledger). */
  period: string;
  source: 'send' | 'dry-run' | 'ledger';
  /** Counts in display order; `state` is a stable key (`data-count` in the page). */
  counts: { state: string; label: string; count: number }[];
  attention: { email: string; customIds: string[]; state: string; reason: string }[];
  /** Null when the source does not know them (the ledger): "none" would be a false all-clear. */
  missingReports: { email: string; customId: string; labels: string[] }[] | null;
  /** Every custom ID per report status, as `resolve-paths` counts them; null when the source does not say. */
  reportStatus: ReportStatusCounts | null;
  /** Null when the source does not know them (the ledger). */
  payoutWarnings: PayoutWarning[] | null;
  /** The payout figures added up per currency (none from the ledger, which holds no figures). */
  totals: ReportTotals[];
  chart: SendSeries;
  /**
   * The funnel after the provider accepted the messages (accepted → delivered / bounced / complained / rejected /
   * delayed / no event yet), from the ledger's delivery states; null when nothing was sent (a dry run) or the source
   * has no ledger rows. Opens and clicks are not in it: the report does not read tracking rows.
   */
  delivery: DeliveryCounts | null;
  /** What the plan said (null from the ledger alone): how recipients unsubscribe, and its findings. */
  plan: ReportPlan | null;
}

export interface ReportPlan {
  unsubscribe: string;
  findings: {
    name: string;
    summary: string;
    entries: { email: string; customIds: string[]; detail: string }[];
  }[];
}

/** One line of campaign totals, in integer cents; `paidOutCents` is what was paid to creators (positive). */
export interface ReportTotals {
  currency: string;
  scope: CampaignTotals['scope'];
  label: string;
  messages: number;
  contracts: number;
  openingCents: number;
  earningsCents: number;
  paidOutCents: number;
  closingCents: number;
  /** closing − (opening + earnings − paid out): 0 when the figures add up, else the payout warnings' sum. */
  differenceCents: number;
}

export interface SendSeries {
  bucket: 'second' | 'minute';
  /** ISO start of each bucket and how many `sent` rows fall in it; consecutive, empty buckets included. */
  points: { at: string; count: number }[];
  /**
   * Sent rows per second over the span from the first to the last send; null with fewer than two sends, and always
   * from the ledger (completion times only, not the send's measured rate).
   */
  ratePerSecond: number | null;
}

interface ReportOptions {
  /** Full addresses instead of `a***@example.com`. */
  reveal: boolean;
  /**
   * Ledger rows of the campaign, for the chart of sends over time (a summary charts only its own run's rows) and
   * the delivery funnel (every sent row of the campaign, whichever run sent it).
   */
  ledgerRows?: readonly LedgerRow[];
  /** A send's plan: its unsubscribe mode and the findings that were accepted. */
  plan?: { unsubscribe: string; findings: readonly Finding[] } | undefined;
}

function reportPlan(
  plan: { unsubscribe: string; findings: readonly Finding[] },
  mask: (email: string) => string,
): ReportPlan {
  return {
    unsubscribe: plan.unsubscribe,
    findings: plan.findings.map(({ name, summary, entries }) => ({
      name,
      summary,
      entries: entries.map((entry) => ({ ...entry, email: showRecipient(entry.email, mask) })),
    })),
  };
}

type Entry = { email: string; customIds: string[]; reason: string | null };

/** The report of a `send-report` run, from its summary (plus the ledger rows, for the chart). */
export function buildReportFromSummary(summary: SendSummary, options: ReportOptions): CampaignReport {
  const d = summary.data;
  const r = d.results;
  const mask = masker(options.reveal);
  const attention = (state: string, entries: readonly Entry[]) =>
    entries.map((e) => ({ email: mask(e.email), customIds: e.customIds, state, reason: e.reason ?? '' }));
  return {
    title: `Campaign report: ${d.campaignId}`,
    campaignId: d.campaignId,
    period: `${d.month} ${d.year}`,
    source: 'send',
    counts: [
      { state: 'total', label: 'recipients', count: d.totalRecipients },
      { state: 'sent', label: 'sent', count: d.successful },
      { state: 'failed', label: 'failed', count: d.failed },
      { state: 'unknown', label: 'unknown', count: d.unknown },
      { state: 'skipped', label: 'skipped', count: d.skipped },
      { state: 'already-sent', label: 'already sent', count: d.alreadySent },
      { state: 'held-for-retry', label: 'held for retry', count: d.heldForRetry },
      { state: 'held-back', label: 'held back', count: r.heldBack.length },
      { state: 'not-started', label: 'not started', count: d.notStarted },
    ],
    attention: [
      ...attention('failed', r.failed),
      ...attention('unknown', r.unknown),
      ...attention('skipped', r.skipped),
      ...attention('held-for-retry', r.heldForRetry),
      ...attention('held-back', r.heldBack),
      ...undeliveredAttention(options.ledgerRows ?? [], mask),
    ],
    missingReports: maskMissing(d.missingReports, mask),
    // The summary lists the IDs without every report type, not the other statuses.
    reportStatus: null,
    payoutWarnings: d.payoutWarnings,
    totals: toReportTotals(d.payoutTotals),
    // The chart from the ledger's completion times; the rate is the summary's, measured from the first send's start.
    chart: {
      ...buildSendSeries((options.ledgerRows ?? []).filter((row) => row.runId === d.batchId)),
      ratePerSecond: d.achievedRate,
    },
    delivery: options.ledgerRows ? countDeliveries(options.ledgerRows) : null,
    plan: options.plan ? reportPlan(options.plan, mask) : null,
  };
}

/** The report of a dry run, from its manifest: nothing was sent, so the chart is empty. */
export function buildReportFromManifest(manifest: Manifest, options: ReportOptions): CampaignReport {
  const c = manifest.counts;
  const mask = masker(options.reveal);
  return {
    title: `Dry-run report: ${manifest.campaignId}`,
    campaignId: manifest.campaignId,
    period: `${manifest.period.monthName} ${manifest.period.year}`,
    source: 'dry-run',
    counts: [
      { state: 'recipients', label: 'recipients', count: c.recipients },
      { state: 'messages', label: 'messages', count: c.messages },
      { state: 'links', label: 'links', count: c.links },
      { state: 'nothing-to-send', label: 'nothing to send', count: c.nothingToSend },
      { state: 'held-back', label: 'held back', count: c.heldBack },
      { state: 'shared-custom-id', label: 'held back: shared custom ID', count: c.sharedCustomIds },
      { state: 'missing-reports', label: WITHOUT_EVERY_REPORT_TYPE, count: c.missingReports },
      { state: 'payout-warnings', label: 'payout warnings', count: c.payoutWarnings },
    ],
    attention: manifest.unsent.map((u) =>
      !isHeldBack(u)
        ? { email: mask(u.email), customIds: u.customIds, state: u.reason, reason: u.detail }
        : {
            email: mask(u.email),
            customIds: u.customIds,
            state: 'held-back',
            reason: `${u.reason}: ${u.detail}`,
          },
    ),
    missingReports: maskMissing(manifest.missingReports, mask),
    reportStatus: manifest.reportStatus,
    payoutWarnings: manifest.payoutWarnings,
    totals: toReportTotals(manifest.totals),
    chart: buildSendSeries([]),
    delivery: null,
    plan: reportPlan(manifest, mask),
  };
}

/**
 * `status --html`: the report from the ledger alone. The ledger holds no plan, so missing reports and payout warnings
 * are unknown (null, not "none"), and no rate: completion times alone misstate the send's measured rate.
 */
export function buildReportFromLedger(status: CampaignStatus, options: ReportOptions): CampaignReport {
  const mask = masker(options.reveal);
  const needsAttention = new Set(['failed', 'unknown', 'sending', 'skipped']);
  return {
    title: `Campaign report: ${status.campaignId}`,
    campaignId: status.campaignId,
    period: '',
    source: 'ledger',
    counts: [
      { state: 'total', label: 'rows', count: status.total },
      ...Object.entries(status.counts).map(([state, count]) => ({ state, label: state, count })),
    ],
    attention: [
      ...status.rows
        .filter((row) => needsAttention.has(row.status))
        .map((row) => ({
          email: mask(row.email),
          customIds: row.customIds,
          state: row.status,
          reason: row.reason ?? '',
        })),
      ...undeliveredAttention(status.rows, mask),
    ],
    missingReports: null,
    reportStatus: null,
    payoutWarnings: null,
    totals: [],
    chart: { ...buildSendSeries(status.rows), ratePerSecond: null },
    delivery: countDeliveries(status.rows),
    plan: null,
  };
}

/** Sent rows the creator did not get as intended (bounced, complained, rejected), with the provider's detail. */
function undeliveredAttention(rows: readonly LedgerRow[], mask: (email: string) => string) {
  return undeliveredRows(rows).map((row) => ({
    email: mask(row.email),
    customIds: row.customIds,
    state: row.delivery?.state ?? row.status,
    reason: row.delivery?.detail ?? '',
  }));
}

/** Sends over time from the `updatedAt` of `sent` rows: per second for spans up to 10 minutes, else per minute. */
export function buildSendSeries(rows: readonly LedgerRow[]): SendSeries {
  const times = rows
    .filter((row) => row.status === 'sent')
    .map((row) => Date.parse(row.updatedAt))
    .filter((t) => Number.isFinite(t))
    .sort((a, b) => a - b);
  const first = times[0];
  const last = times[times.length - 1];
  if (first === undefined || last === undefined) return { bucket: 'second', points: [], ratePerSecond: null };
  const bucket = last - first <= 10 * 60_000 ? 'second' : 'minute';
  const size = bucket === 'second' ? 1000 : 60_000;
  const start = Math.floor(first / size) * size;
  const counts = new Array<number>(Math.floor((last - start) / size) + 1).fill(0);
  for (const t of times) {
    const i = Math.floor((t - start) / size);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  const span = (last - first) / 1000;
  return {
    bucket,
    points: counts.map((count, i) => ({ at: new Date(start + i * size).toISOString(), count })),
    ratePerSecond: times.length >= 2 && span > 0 ? times.length / span : null,
  };
}

const SCOPE_LABELS: Record<CampaignTotals['scope'], string> = {
  planned: 'every message of the plan',
  sent: 'sent by this run',
};

function toReportTotals(totals: readonly CampaignTotals[]): ReportTotals[] {
  return totals.map((t) => {
    const opening = cents(t.opening);
    const earnings = cents(t.earnings);
    const payments = cents(t.payments);
    const closing = cents(t.closing);
    return {
      currency: t.currency,
      scope: t.scope,
      label: SCOPE_LABELS[t.scope],
      messages: t.messages,
      contracts: t.contracts,
      openingCents: opening,
      earningsCents: earnings,
      paidOutCents: 0 - payments,
      closingCents: closing,
      differenceCents: closing - (opening + earnings + payments),
    };
  });
}

/** The exact decimals the manifest and summary carry, back to cents. */
function cents(decimal: string): number {
  const value = toCents(decimal);
  if (value === undefined) throw new Error(`campaign totals: not an amount: ${decimal}`);
  return value;
}

function masker(reveal: boolean): (email: string) => string {
  return reveal ? (email) => email : maskEmail;
}

function maskMissing(missing: readonly MissingReport[], mask: (email: string) => string) {
  return missing.map((m) => ({ email: mask(m.email), customId: m.customId, labels: m.labels }));
}
