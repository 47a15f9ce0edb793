import type { ChalkInstance } from 'chalk';
import { maskEmail } from '../../core/common/email-address.js';
import type { SendPreview } from '../../core/send/send-campaign.js';
import type { SendSummary } from '../../core/send/send-summary.js';
import type { ViewOptions } from './audit-view.js';
import { renderFindings } from './findings-view.js';
import { printable } from './printable.js';

const reveal = (email: string, options: ViewOptions) => (options.revealEmails ? email : maskEmail(email));
// On the terminal every data value (addresses, provider reasons, names from the config) goes through printable().
const show = (email: string, options: ViewOptions) => printable(reveal(email, options));

export function formatRate(rate: number): string {
  return Number.isFinite(rate) ? `${Number(rate.toFixed(1))}/s` : 'unlimited';
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes} min ${Math.ceil(seconds % 60)} s`
    : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** The question asked before sending: what will happen, how fast, how long. */
export function renderConfirmation(
  preview: SendPreview,
  backend: string,
  chalk: ChalkInstance,
  revealEmails = false,
): string {
  const lines = [
    chalk.bold(
      printable(
        `Campaign ${preview.campaignId} — backend ${backend} (${preview.provider}), from ${preview.from}`,
      ),
    ),
    preview.redirectTo
      ? chalk.yellow(
          `  canary: every message goes to ${printable(preview.redirectTo)}, subject marked [TEST]`,
        )
      : '',
    `  to send: ${chalk.bold(String(preview.toSend))} · already sent: ${preview.alreadySent} · skipped: ${preview.skipped} · held for retry: ${preview.heldForRetry}${preview.inFlight ? ` · in flight elsewhere: ${preview.inFlight}` : ''} · not mailed: ${preview.notMailed}`,
    `  rate: ${formatRate(preview.rate)} · ETA ${formatDuration(preview.etaSeconds)}`,
    `  unsubscribe: ${printable(preview.unsubscribe)}`,
    ...(preview.findings.findings.length > 0
      ? [
          chalk.yellow(
            `  accepted findings (${preview.approved ? 'in the approved plan' : '--accept'}): ${preview.findings.findings.map((f) => f.name).join(', ')}`,
          ),
        ]
      : []),
    ...renderFindings(preview.findings, { revealEmails, chalk }),
  ];
  return lines.filter(Boolean).join('\n');
}

export function renderSendSummary(summary: SendSummary, options: ViewOptions): string {
  const { chalk } = options;
  const d = summary.data;
  const lines = [
    `${summary.success ? chalk.green('✔') : chalk.yellow('!')} ${printable(d.campaignId)}: ${chalk.green(`${d.successful} sent`)} · ${d.failed ? chalk.red(`${d.failed} failed`) : '0 failed'} · ${d.unknown ? chalk.red(`${d.unknown} unknown`) : '0 unknown'} · ${d.skipped} skipped · ${d.alreadySent} already sent · ${d.heldForRetry} held for retry (${(d.durationMs / 1000).toFixed(1)} s${d.achievedRate === null ? '' : `, sent at ${d.achievedRate.toFixed(1)}/s`}, run ${d.batchId})`,
  ];
  for (const f of d.results.failed)
    lines.push(chalk.red(`  failed: ${show(f.email, options)} — ${printable(String(f.reason))}`));
  for (const u of d.results.unknown)
    lines.push(chalk.red(`  unknown: ${show(u.email, options)} — ${printable(String(u.reason))}`));
  for (const s of d.results.skipped)
    lines.push(chalk.dim(`  skipped: ${show(s.email, options)} — ${printable(String(s.reason))}`));
  for (const h of d.results.heldBack)
    lines.push(chalk.red(`  held back: ${show(h.email, options)} — ${printable(h.reason)}`));
  for (const h of d.results.heldForRetry) {
    const flag = h.status === 'unknown' ? '--retry-unknown' : '--retry-failed';
    lines.push(
      chalk.yellow(
        `  ${h.status} earlier: ${show(h.email, options)} — ${printable(h.reason ?? '')} (resend with ${flag})`,
      ),
    );
  }
  if (d.stopped) {
    const why = d.interrupted ? d.stopped : `stopped: ${d.stopped}`;
    lines.push(
      chalk.red(`  ${printable(why)} — ${d.notStarted} not started; run the same command again to continue`),
    );
  }
  for (const e of d.trackingErrors) lines.push(chalk.yellow(`  tracking: ${printable(e)}`));
  if (d.alreadySent > 0 && d.successful === 0 && d.failed === 0) {
    lines.push(
      chalk.dim(`  nothing new to send: ${d.alreadySent} recipients already have this campaign (ledger)`),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The summary on stdout for machines; addresses masked unless --verbose. */
export function renderSendJson(summary: SendSummary, options: ViewOptions): string {
  const mask = <T extends { email: string }>(rows: T[]) =>
    rows.map((row) => ({ ...row, email: reveal(row.email, options) }));
  const r = summary.data.results;
  const document = {
    ...summary,
    data: {
      ...summary.data,
      results: {
        successful: mask(r.successful),
        failed: mask(r.failed),
        unknown: mask(r.unknown),
        skipped: mask(r.skipped),
        heldForRetry: mask(r.heldForRetry),
        heldBack: mask(r.heldBack),
        nothingToSend: mask(r.nothingToSend),
      },
      missingReports: mask(summary.data.missingReports),
    },
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

export type { ChalkInstance };
