import type { ChalkInstance } from 'chalk';
import { maskEmail } from '../../core/common/email-address.js';
import type { CampaignProgress, FinishStep, RowView } from '../../core/send/campaign-progress.js';
import type { CampaignList } from '../../core/send/campaigns.js';
import type { LedgerRow, LedgerStatus } from '../../ports.js';
import { printable } from './printable.js';
import { renderTable } from './table.js';

/** How `status` and `campaigns` draw: colours, where the ledger is, and whether addresses are shown in full. */
export interface StatusViewOptions {
  chalk: ChalkInstance;
  ledger: string;
  reveal: boolean;
}

const ORDER: readonly LedgerStatus[] = ['sent', 'skipped', 'failed', 'unknown', 'sending', 'planned'];

export const revealEmail = (email: string, reveal: boolean) => (reveal ? email : maskEmail(email));
/** An address as the terminal shows it: masked unless revealed, and printable (printable.ts). */
const showEmail = (email: string, reveal: boolean) => printable(revealEmail(email, reveal));

export function maskRow(row: LedgerRow, reveal: boolean): LedgerRow {
  return { ...row, email: revealEmail(row.email, reveal) };
}

/**
 * The counts line, the rows of the view, and whether (and how) the campaign is finished. `hidden` rows of the view
 * were cut by `--limit`: the output says how many and how to see them.
 */
export function renderStatus(
  progress: CampaignProgress,
  rows: readonly LedgerRow[],
  view: RowView,
  options: StatusViewOptions,
  hidden = 0,
): string {
  const counts = ORDER.map((status) => `${progress.counts[status]} ${status}`).join(' · ');
  const lines = [
    `${printable(`${progress.campaignId} (${options.ledger})`)}: ${progress.total} rows · ${counts}`,
  ];
  if (rows.length > 0) lines.push('', renderRows(rows, options.reveal));
  if (hidden > 0) {
    const total = rows.length + hidden;
    lines.push(
      options.chalk.dim(
        `… ${hidden} more row${hidden === 1 ? '' : 's'} not shown (--limit ${total} lists all ${total})`,
      ),
    );
  }
  lines.push('', ...renderVerdict(progress, view, options.chalk));
  return `${lines.join('\n')}\n`;
}

function renderRows(rows: readonly LedgerRow[], reveal: boolean): string {
  // Ledger rows are data (a reason may quote a provider's answer): every cell printable.
  const table = rows.map((r) =>
    [
      revealEmail(r.email, reveal),
      r.status,
      r.customIds.join(','),
      r.messageId ?? '',
      r.reason ?? '',
      r.updatedAt,
    ].map(printable),
  );
  return renderTable(['RECIPIENT', 'STATUS', 'CUSTOM IDS', 'MESSAGE ID', 'REASON', 'UPDATED'], table);
}

function renderVerdict(progress: CampaignProgress, view: RowView, chalk: ChalkInstance): string[] {
  if (progress.finished) return [chalk.green('✔ finished: every row is sent or skipped')];
  const left = progress.toFinish.map((step) => `${step.count} ${step.status}`).join(' · ');
  const lines = [chalk.red(`✘ not finished: ${left}`)];
  for (const step of progress.toFinish) lines.push(...renderStep(step, chalk));
  const unlisted = view === 'attention' || view === 'failed' ? progress.counts.planned : 0;
  if (unlisted > 0) lines.push(chalk.dim(`(planned rows are not listed: add --unfinished to list them)`));
  lines.push(
    chalk.dim(
      '(a send plans the month again: if the plan has findings, add --accept <names> or --approve-file <reviewed dry run>)',
    ),
  );
  return lines;
}

function renderStep(step: FinishStep, chalk: ChalkInstance): string[] {
  return [`  ${step.count} ${step.status}: ${step.why}`, `    ${chalk.bold(step.command)}`];
}

/** `status --email`: did this recipient get the campaign? One line, and what to do when the row is not final. */
export function renderRecipient(
  progress: CampaignProgress,
  row: LedgerRow,
  options: StatusViewOptions,
): string {
  const who = showEmail(row.email, options.reveal);
  const facts = [
    `${row.status} (${row.updatedAt})`,
    ...(row.messageId ? [`message ${row.messageId}`] : []),
    ...(row.reason ? [`reason: ${row.reason}`] : []),
    `custom IDs ${row.customIds.join(',') || '—'}`,
    `attempts ${row.attempts}`,
  ].map(printable);
  const lines = [`${printable(`${progress.campaignId} (${options.ledger})`)} · ${who}: ${facts.join(' · ')}`];
  if (row.status === 'sent') lines.push(options.chalk.green(`✔ sent to ${who}`));
  else if (row.status === 'skipped') lines.push(`○ not mailed on purpose (skipped)`);
  else {
    lines.push(options.chalk.red(`✘ not sent to ${who} yet`));
    const step = progress.toFinish.find((s) => s.status === row.status);
    if (step) lines.push(`  ${step.why}`, `    ${options.chalk.bold(step.command)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `dn-mailer campaigns`: one line per campaign, newest first, like `gh run list`. */
export function renderCampaigns(
  list: CampaignList,
  now: Date,
  options: Pick<StatusViewOptions, 'chalk' | 'ledger'>,
): string {
  if (list.total === 0) return `no campaigns in ${printable(options.ledger)} yet\n`;
  const { chalk } = options;
  const rows = list.campaigns.map((c) => [
    c.finished ? chalk.green('✔ finished') : chalk.red('✘ unfinished'),
    printable(c.campaignId),
    String(c.total),
    ORDER.filter((status) => c.counts[status] > 0)
      .map((status) => `${c.counts[status]} ${status}`)
      .join(' · '),
    `${c.lastUpdatedAt} (${formatAge(now, new Date(c.lastUpdatedAt))})`,
  ]);
  const shown = list.campaigns.length;
  const lines = [
    `${list.total} campaign${list.total === 1 ? '' : 's'} in ${printable(options.ledger)}, newest first`,
    '',
    renderTable(['STATE', 'CAMPAIGN', 'ROWS', 'COUNTS', 'LAST CHANGE'], rows),
  ];
  if (shown < list.total)
    lines.push('', chalk.dim(`${list.total - shown} older not shown: --limit ${list.total}`));
  return `${lines.join('\n')}\n`;
}

/** "just now", "5 minutes ago", "3 hours ago", "12 days ago". */
export function formatAge(now: Date, then: Date): string {
  const minutes = Math.floor((now.getTime() - then.getTime()) / 60_000);
  if (Number.isNaN(minutes)) return 'unknown';
  if (minutes < 1) return 'just now';
  const [value, unit] =
    minutes < 60
      ? [minutes, 'minute']
      : minutes < 48 * 60
        ? [Math.floor(minutes / 60), 'hour']
        : [Math.floor(minutes / 1440), 'day'];
  return `${value} ${unit}${value === 1 ? '' : 's'} ago`;
}
