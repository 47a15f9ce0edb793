import { maskEmail } from '../../core/common/email-address.js';
import { formatExpiry, isHeldBack } from '../../core/plan/build-plan.js';
import type { Manifest } from '../../core/plan/manifest.js';
import { showRecipient } from '../../core/plan/plan-findings.js';
import { describeReportStatusCounts } from '../../core/reports/classify-reports.js';
import type { ViewOptions } from './audit-view.js';
import { renderFindingsVerdict } from './findings-view.js';
import { printable } from './printable.js';
import { renderTable } from './table.js';

// Every value these views draw from the data goes through printable() (printable.ts), before it is coloured.
// JSON keeps the exact values (JSON.stringify escapes control characters); the terminal gets them printable.
const reveal = (email: string, options: ViewOptions) => (options.revealEmails ? email : maskEmail(email));
const revealToken = (token: string, options: ViewOptions) =>
  token.includes('@') ? reveal(token, options) : token;
const masked = (email: string, options: ViewOptions) => printable(reveal(email, options));
const maskToken = (token: string, options: ViewOptions) => printable(revealToken(token, options));

/**
 * A month's table is shown whole up to this many messages; a bigger one shows its first TABLE_HEAD rows and points at
 * manifest.json (a 20,000-row table helps nobody in a terminal or a CI log).
 */
export const TABLE_ROWS_MAX = 100;
const TABLE_HEAD = 20;

export function renderDryRunSummary(manifest: Manifest, outDir: string, options: ViewOptions): string {
  const { chalk } = options;
  const { counts } = manifest;
  const total = manifest.messages.length;
  const shown = firstOf(manifest.messages, total > TABLE_ROWS_MAX ? TABLE_HEAD : total);
  const rows = shown.map((message) => [
    String(message.n),
    masked(message.to, options),
    printable(message.customIds.join(', ')),
    String(message.links.length),
    message.totals.closing,
    message.warnings.length > 0 ? chalk.yellow(`${message.warnings.length} warning(s)`) : '',
  ]);
  const table = renderTable(['#', 'TO', 'CUSTOM IDS', 'LINKS', `CLOSING (${manifest.currency})`, ''], rows);
  const lines = [
    chalk.bold(
      `Dry run of ${printable(manifest.campaignId)} (${manifest.period.monthName} ${manifest.period.year}) — nothing sent, no ledger rows written`,
    ),
    '',
    table,
    ...(shown.length < total
      ? [
          chalk.dim(
            `… and ${total - shown.length} more messages: every one is in ${printable(outDir)}/manifest.json and has its own preview`,
          ),
        ]
      : []),
    '',
    `${counts.recipients} recipients → ${chalk.green(`${counts.messages} messages`)} · ${counts.nothingToSend} nothing to send · ${
      counts.heldBack ? chalk.red(`${counts.heldBack} held back`) : '0 held back'
    }`,
    `${counts.links} links valid until ${formatExpiry(new Date(manifest.linksExpireAt))} · ${warn(counts.payoutWarnings, 'payout warning', options)} · ${warn(counts.missingReports, 'ID', options)} without every report type`,
    renderReportStatusLine(manifest),
    `Unsubscribe: ${printable(manifest.unsubscribe)}`,
    renderFindingsVerdict(manifest, options.chalk),
    `Previews: ${printable(outDir)} (manifest.json and .html / .txt / .eml per message)`,
    manifest.approval
      ? `Plan digest: ${manifest.approval.digest} (plan-digest.txt) — after review, send exactly this plan with --approve-file ${printable(outDir)}`
      : 'Plan digest: none — a dry run with --limit or --redirect-to shows part of the month; run it without them to approve a send',
  ];
  return `${lines.join('\n')}\n`;
}

/** The first `count` items of a list that may be made item by item (a streamed manifest's messages). */
function firstOf<T>(items: Iterable<T>, count: number): T[] {
  const out: T[] = [];
  if (count <= 0) return out;
  for (const item of items) {
    out.push(item);
    if (out.length >= count) break;
  }
  return out;
}

/** The words and counts of `resolve-paths`' summary line, for the recipients of this plan. */
function renderReportStatusLine(manifest: Manifest): string {
  const { reportStatus } = manifest;
  const parts = describeReportStatusCounts(reportStatus).map(({ text }) => text);
  return `Report files: ${reportStatus.ids} IDs · ${parts.join(' · ')}`;
}

function warn(count: number, noun: string, options: ViewOptions): string {
  const text = `${count} ${noun}${count === 1 ? '' : 's'}`;
  return count > 0 ? options.chalk.yellow(text) : text;
}

/** The manifest on stdout, addresses masked unless --verbose (stdout often ends up in CI logs). */
export function renderDryRunJson(manifest: Manifest, outDir: string, options: ViewOptions): string {
  const document = {
    dryRun: true,
    outDir,
    ...manifest,
    messages: manifest.messages.map((m) => ({ ...m, to: reveal(m.to, options) })),
    unsent: manifest.unsent.map((u) => ({ ...u, email: reveal(u.email, options) })),
    missingReports: manifest.missingReports.map((m) => ({ ...m, email: reveal(m.email, options) })),
    skippedUsers: manifest.skippedUsers.map((s) => ({ ...s, email: reveal(s.email, options) })),
    rejectedIds: manifest.rejectedIds.map((r) => ({ ...r, email: reveal(r.email, options) })),
    unmatched: manifest.unmatched.map((token) => revealToken(token, options)),
    findings: manifest.findings.map((finding) => ({
      ...finding,
      entries: finding.entries.map((entry) => ({
        ...entry,
        email: showRecipient(entry.email, (email) => reveal(email, options)),
      })),
    })),
    partialReports: manifest.partialReports.map((entry) => ({
      ...entry,
      email: reveal(entry.email, options),
    })),
    // The reviewed plan (full addresses) stays in manifest.json; stdout gets its digest.
    approval: manifest.approval ? { digest: manifest.approval.digest } : null,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Lines for stderr: who is not mailed and why, figures that do not add up, unreadable rows. */
export function renderCampaignNotes(manifest: Manifest, options: ViewOptions): string[] {
  const { chalk } = options;
  const lines: string[] = [];
  for (const unsent of manifest.unsent) {
    const paint = isHeldBack(unsent) ? chalk.red : chalk.dim;
    lines.push(
      paint(
        `  not mailed: ${masked(unsent.email, options)} — ${printable(`${unsent.reason}: ${unsent.detail}`)}`,
      ),
    );
  }
  for (const w of manifest.payoutWarnings)
    lines.push(chalk.yellow(`  payout warning: ${printable(w.message)}`));
  for (const p of manifest.payoutProblems)
    lines.push(chalk.red(printable(`  payout row ${p.index}: ${p.field}: ${p.message}`)));
  for (const p of manifest.userRowProblems)
    lines.push(chalk.yellow(printable(`  user row ${p.index}: ${p.field}: ${p.message} — row skipped`)));
  for (const r of manifest.rejectedIds) {
    lines.push(
      chalk.yellow(printable(`  user row ${r.index}: custom ID "${r.customId}" rejected (${r.reason})`)),
    );
  }
  for (const token of manifest.unmatched)
    lines.push(chalk.yellow(`  --only ${maskToken(token, options)}: matched no recipient`));
  return lines;
}
