import type { ChalkInstance } from 'chalk';
import { maskEmail } from '../../core/common/email-address.js';
import type { CampaignProgress, FinishStep, RowView } from '../../core/send/campaign-progress.js';
import {
  countDeliveries,
  DELIVERY_ORDER,
  type DeliveryCounts,
  hasDeliveryEvents,
} from '../../core/send/campaign-status.js';
import type { CampaignList } from '../../core/send/campaigns.js';
import type { LedgerRow, LedgerStatus } from '../../ports.js';
import { printable } from './printable.js';
import { renderTable } from './table.js';

/** How `status` and `campaigns` draw: colours, where the ledger is, and whether addresses are shown in full. */
export interface StatusViewOptions {
  chalk: ChalkInstance;
  ledger: string;
  reveal: boolean;
  /** The backend reads delivery events from a queue (`events.queueUrl`): delivery counts are shown even before any. */
  eventSource?: boolean;
}

/**
 * Whether `status` shows delivery outcomes: once any row has a delivery state, or when the backend has an event
 * source (then "0 delivered · N no event yet" is news too). A campaign without either is shown as before.
 */
export function showsDelivery(progress: CampaignProgress, options: Pick<StatusViewOptions, 'eventSource'>) {
  return options.eventSource === true || hasDeliveryEvents(progress.rows);
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
  const delivery = showsDelivery(progress, options) ? countDeliveries(progress.rows) : undefined;
  if (delivery) lines.push(renderDeliveryCounts(delivery));
  if (rows.length > 0) lines.push('', renderRows(rows, options.reveal, delivery !== undefined));
  else if (view === 'bounced') lines.push('', 'No sent row bounced, was complained about or was rejected.');
  if (hidden > 0) {
    const total = rows.length + hidden;
    lines.push(
      options.chalk.dim(
        `… ${hidden} more row${hidden === 1 ? '' : 's'} not shown (--limit ${total} lists all ${total})`,
      ),
    );
  }
  lines.push('', ...renderVerdict(progress, view, options.chalk, delivery));
  return `${lines.join('\n')}\n`;
}

/** `delivery (of 7 sent): 5 delivered · 1 bounced · 1 complained · 0 rejected · 0 delayed · 0 no event yet`. */
function renderDeliveryCounts(counts: DeliveryCounts): string {
  const parts = [
    ...DELIVERY_ORDER.map((state) => `${counts[state]} ${state}`),
    `${counts.noEvent} no event yet`,
  ];
  const others =
    counts.notSentWithEvent > 0
      ? ` (+ ${counts.notSentWithEvent} row${counts.notSentWithEvent === 1 ? '' : 's'} not marked sent with a delivery event: --all shows them)`
      : '';
  return `delivery (of ${counts.accepted} sent): ${parts.join(' · ')}${others}`;
}

/** `bounced — Permanent/General: 550 5.1.1 user unknown`; `no event yet` for a sent row without one. */
function deliveryCell(row: LedgerRow): string {
  if (!row.delivery) return row.status === 'sent' ? 'no event yet' : '';
  return row.delivery.detail ? `${row.delivery.state} — ${row.delivery.detail}` : row.delivery.state;
}

function renderRows(rows: readonly LedgerRow[], reveal: boolean, delivery: boolean): string {
  // Ledger rows are data (a reason may quote a provider's answer): every cell printable.
  const table = rows.map((r) =>
    [
      revealEmail(r.email, reveal),
      r.status,
      ...(delivery ? [deliveryCell(r)] : []),
      r.customIds.join(','),
      r.messageId ?? '',
      r.reason ?? '',
      r.updatedAt,
    ].map(printable),
  );
  const head = ['RECIPIENT', 'STATUS', ...(delivery ? ['DELIVERY'] : []), 'CUSTOM IDS', 'MESSAGE ID'];
  return renderTable([...head, 'REASON', 'UPDATED'], table);
}

/** What each undelivered state means for the creator, and what follows from it. */
const UNDELIVERED_WHY = {
  bounced: 'did not receive their statement (the address is suppressed when the bounce is permanent)',
  complained: 'marked it as spam (the address is opted out and suppressed)',
  rejected: 'did not receive their statement: the provider refused it after accepting it',
} as const;

function renderVerdict(
  progress: CampaignProgress,
  view: RowView,
  chalk: ChalkInstance,
  delivery: DeliveryCounts | undefined,
): string[] {
  // The sent rows that did not reach their creator as intended: named next to the verdict, never left out of it.
  const states = (['bounced', 'complained', 'rejected'] as const).filter(
    (state) => (delivery?.[state] ?? 0) > 0,
  );
  const count = (state: (typeof states)[number]) => delivery?.[state] ?? 0;
  const undelivered = states.map((state) =>
    chalk.yellow(`  ${count(state)} ${state}: ${UNDELIVERED_WHY[state]}`),
  );
  const outcomes = states.map((state) => `${count(state)} ${state}`).join(', ');
  const listed = view === 'bounced' ? '' : ' (dn-mailer status --bounced lists them)';
  if (progress.finished) {
    // Finished is about the send (every row accepted or skipped), not about delivery: never an all-clear over
    // creators who did not get their statement.
    if (undelivered.length === 0) return [chalk.green('✔ finished: every row is sent or skipped')];
    return [
      chalk.yellow(
        `✔ finished: every row is sent or skipped — but ${outcomes}: not every creator got their statement${listed}`,
      ),
      ...undelivered,
    ];
  }
  const left = progress.toFinish.map((step) => `${step.count} ${step.status}`).join(' · ');
  const lines = [chalk.red(`✘ not finished: ${left}`)];
  for (const step of progress.toFinish) lines.push(...renderStep(step, chalk));
  if (undelivered.length > 0)
    lines.push(chalk.yellow(`already sent, but ${outcomes}${listed}:`), ...undelivered);
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
  const event = row.delivery;
  const facts = [
    `${row.status} (${row.updatedAt})`,
    ...(event ? [`${event.state} (${event.at})${event.detail ? `: ${event.detail}` : ''}`] : []),
    ...(!event && row.status === 'sent' && showsDelivery(progress, options) ? ['no delivery event yet'] : []),
    ...(row.messageId ? [`message ${row.messageId}`] : []),
    ...(row.reason ? [`reason: ${row.reason}`] : []),
    `custom IDs ${row.customIds.join(',') || '—'}`,
    `attempts ${row.attempts}`,
  ].map(printable);
  const lines = [`${printable(`${progress.campaignId} (${options.ledger})`)} · ${who}: ${facts.join(' · ')}`];
  if (row.status === 'sent' && event && event.state in UNDELIVERED_WHY) {
    const state = event.state as keyof typeof UNDELIVERED_WHY;
    lines.push(
      options.chalk.yellow(`✔ sent to ${who}, then ${state}: the creator ${UNDELIVERED_WHY[state]}`),
    );
  } else if (row.status === 'sent')
    lines.push(options.chalk.green(`✔ sent to ${who}${event?.state === 'delivered' ? ' (delivered)' : ''}`));
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
