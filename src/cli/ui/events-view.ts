import type { ChalkInstance } from 'chalk';
import { maskAddressesIn, maskEmail } from '../../core/common/email-address.js';
import type { EventsSummary } from '../../core/events/import-events.js';
import { printable } from './printable.js';

/** What `events import` and `events sync` read from, for the first line and the JSON document. */
export type EventsOrigin = { kind: 'file'; file: string } | { kind: 'queue'; queue: string };

/** What a sync adds: the queue messages deleted, and those left on it (malformed: for its dead-letter queue). */
export interface QueueCounts {
  acknowledged: number;
  leftOnQueue: number;
}

export interface EventsViewOptions {
  chalk: ChalkInstance;
  /** `--verbose`: full addresses. */
  reveal: boolean;
}

/**
 * The summary on stdout with `--json`: every count as the core returned it, addresses masked unless `--verbose`
 * (stdout often ends up in CI logs), in the malformed messages' problems too (they may quote an event).
 */
export function renderEventsJson(
  summary: EventsSummary & Partial<QueueCounts>,
  origin: EventsOrigin,
  reveal: boolean,
): string {
  const mask = (email: string) => (reveal ? email : maskEmail(email));
  const { kind: _kind, ...where } = origin;
  const document = {
    ...where,
    ...summary,
    malformed: summary.malformed.map((m) => ({
      ...m,
      problem: reveal ? m.problem : maskAddressesIn(m.problem),
    })),
    suppressed: summary.suppressed.map((s) => ({ ...s, email: mask(s.email) })),
    optedOut: summary.optedOut.map(mask),
    mailtoOptOuts: summary.mailtoOptOuts.map(mask),
    mailtoRefused: summary.mailtoRefused.map((r) => ({
      where: reveal ? r.where : maskAddressesIn(r.where),
      reason: reveal ? r.reason : maskAddressesIn(r.reason),
    })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** A short account of what the events did, for a person: by type, then what nobody has to act on, then what to fix. */
export function renderEventsSummary(
  summary: EventsSummary & Partial<QueueCounts>,
  origin: EventsOrigin,
  options: EventsViewOptions,
): string {
  const { chalk } = options;
  const shown = (email: string) => printable(options.reveal ? email : maskEmail(email));
  const from = printable(origin.kind === 'file' ? origin.file : origin.queue);
  const lines = [chalk.bold(`Read ${summary.received} message(s) from ${from}`)];
  const types = Object.entries(summary.byType)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([type, n]) => `${printable(type)} ${n}`);
  lines.push(`  applied    ${summary.applied}${types.length > 0 ? `  (events: ${types.join(' · ')})` : ''}`);
  lines.push(
    `  unmatched  ${summary.unmatched}${summary.unmatched > 0 ? '  (messages dn-mailer never sent: another sender on the configuration set, or a ledger that was reset)' : ''}`,
  );
  lines.push(
    `  ignored    ${summary.ignored}${summary.ignored > 0 ? '  (not SES events: subscription confirmations, test messages)' : ''}`,
  );
  if (summary.transientBounces > 0)
    lines.push(
      `  ${summary.transientBounces} transient bounce(s): counted, not suppressed (the mailbox may accept mail later)`,
    );
  lines.push(...describeMailto(summary, options));
  if (summary.unknownResolved > 0)
    lines.push(
      chalk.green(`  ${summary.unknownResolved} unknown row(s) proven sent by their events (never resent)`),
    );
  if (summary.suppressed.length > 0) {
    const list = summary.suppressed.map((s) => `${shown(s.email)} (${printable(s.reason)})`).join(', ');
    lines.push(
      chalk.yellow(`  suppressed ${summary.suppressed.length}: ${list} — the next campaign skips them`),
    );
  }
  if (summary.optedOut.length > 0) {
    lines.push(
      chalk.yellow(
        `  opted out  ${summary.optedOut.length}: ${summary.optedOut.map(shown).join(', ')} (complaints, audited with source complaint)`,
      ),
    );
  }
  if (summary.acknowledged !== undefined) {
    lines.push(`  deleted from the queue ${summary.acknowledged} · left on it ${summary.leftOnQueue ?? 0}`);
  }
  if (summary.malformed.length > 0) {
    lines.push(chalk.red(`  malformed  ${summary.malformed.length}:`));
    for (const { where, problem } of summary.malformed) {
      const text = options.reveal ? problem : maskAddressesIn(problem);
      lines.push(chalk.red(`    ${printable(where)}: ${printable(text)}`));
    }
  }
  lines.push(verdict(summary, origin, chalk));
  return `${lines.join('\n')}\n`;
}

/** mailto opt-outs: what was applied, and every request refused with why (addresses masked unless --verbose). */
function describeMailto(summary: EventsSummary, options: EventsViewOptions): string[] {
  const { chalk } = options;
  const text = (value: string) => printable(options.reveal ? value : maskAddressesIn(value));
  const lines: string[] = [];
  if (summary.inbound > 0)
    lines.push(
      `  inbound    ${summary.inbound}  (mails to the unsubscribe address: opt-outs by e-mail; an address already opted out is left as it is)`,
    );
  if (summary.mailtoOptOuts.length > 0) {
    const list = summary.mailtoOptOuts.map(text).join(', ');
    lines.push(
      chalk.yellow(`  mailto opt-outs ${summary.mailtoOptOuts.length}: ${list} (audited with source mailto)`),
    );
  }
  if (summary.mailtoRefused.length > 0) {
    lines.push(
      chalk.red(
        `  mailto refused ${summary.mailtoRefused.length} (nothing changed — if the person does want out: dn-mailer unsubscribe <address> --reason "…"):`,
      ),
    );
    for (const { where, reason } of summary.mailtoRefused)
      lines.push(chalk.red(`    ${text(where)}: ${text(reason)}`));
  }
  return lines;
}

function verdict(summary: EventsSummary, origin: EventsOrigin, chalk: ChalkInstance): string {
  const count = summary.malformed.length;
  if (count === 0) {
    return chalk.green(
      '✔ nothing malformed; applying the same events again changes nothing (status shows delivered / bounced / complained)',
    );
  }
  if (origin.kind === 'file') {
    const where = summary.malformed.map((m) => printable(m.where)).join(', ');
    return chalk.red(
      `✘ ${count} malformed line(s) in ${printable(origin.file)} (${where}): nothing was applied from them; the other lines are applied — fix or remove those lines and import the file again (what is applied already stays as it is)`,
    );
  }
  return chalk.red(
    `✘ ${count} malformed message(s) left on the queue: its redrive policy moves them to the dead-letter queue after maxReceiveCount receives — look at them there; everything else is applied and deleted`,
  );
}

/** The one line `send-report` and `status` print after syncing the queue first. */
export function describeSync(summary: EventsSummary & Partial<QueueCounts>, reveal: boolean): string {
  const types = Object.entries(summary.byType)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([type, n]) => `${printable(type)} ${n}`);
  const parts = [`${summary.applied} applied${types.length > 0 ? ` (${types.join(' · ')})` : ''}`];
  if (summary.unmatched > 0) parts.push(`${summary.unmatched} not dn-mailer's`);
  if (summary.unknownResolved > 0) parts.push(`${summary.unknownResolved} unknown row(s) proven sent`);
  if (summary.mailtoOptOuts.length > 0) parts.push(`${summary.mailtoOptOuts.length} mailto opt-out(s)`);
  if (summary.mailtoRefused.length > 0)
    parts.push(`${summary.mailtoRefused.length} mailto request(s) refused (dn-mailer events sync shows why)`);
  if (summary.suppressed.length > 0) {
    const shown = summary.suppressed.map((s) => printable(reveal ? s.email : maskEmail(s.email)));
    parts.push(`suppressed ${shown.join(', ')}`);
  }
  if (summary.malformed.length > 0)
    parts.push(`${summary.malformed.length} malformed left on the queue (dn-mailer events sync shows them)`);
  return `Delivery events: ${parts.join(' · ')}`;
}
