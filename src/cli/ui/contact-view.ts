import type { ChalkInstance } from 'chalk';
import { maskEmail } from '../../core/common/email-address.js';
import type { ContactRecord } from '../../core/unsubscribe/contact-record.js';
import { printable } from './printable.js';
import { renderTable } from './table.js';

/** `contacts show`: preferences, the suppression and complaints (only when there are some), the audit history. */
export function renderContact(
  contact: Pick<ContactRecord, 'email' | 'preferences' | 'history'> &
    Partial<Pick<ContactRecord, 'suppression' | 'complaints'>>,
  verbose: boolean,
  chalk: ChalkInstance,
): string {
  // Everything shown here is data (the audit trail holds what operators and creators typed): printable().
  const who = printable(verbose ? contact.email : maskEmail(contact.email));
  const lines = [chalk.bold(who)];
  const prefs = contact.preferences;
  if (!prefs) lines.push('  not on the contact list (every topic follows its default)');
  else {
    lines.push(`  unsubscribed from everything: ${prefs.unsubscribeAll ? chalk.red('yes') : 'no'}`);
    const topics = Object.entries(prefs.topics);
    if (topics.length === 0) lines.push('  no topic preference recorded');
    for (const [topic, status] of topics)
      lines.push(
        `  ${printable(topic)}: ${status === 'OPT_OUT' ? chalk.red(printable(status)) : chalk.green(printable(status))}`,
      );
  }
  lines.push(...renderSuppression(contact, chalk));
  lines.push('', contact.history.length === 0 ? 'No changes recorded.' : 'History:');
  if (contact.history.length > 0) {
    const rows = contact.history.map((e) =>
      [e.at, e.action, e.topic, e.source, e.actor, e.reason ?? '', e.detail ?? ''].map(printable),
    );
    lines.push(renderTable(['WHEN', 'WHAT', 'TOPIC', 'SOURCE', 'WHO', 'REASON', 'DETAIL'], rows));
  }
  return `${lines.join('\n')}\n`;
}

/** Shown only when there is something to say, so an ordinary contact reads as before. */
function renderSuppression(
  contact: Partial<Pick<ContactRecord, 'suppression' | 'complaints'>>,
  chalk: ChalkInstance,
): string[] {
  const lines: string[] = [];
  const suppression = contact.suppression;
  if (suppression) {
    const reason = printable(suppression.reason);
    const since = printable(suppression.at);
    const until = suppression.expiresAt
      ? suppression.expired
        ? `, expired ${suppression.expiresAt} (it still blocks until removed from the suppression table)`
        : `, expires ${suppression.expiresAt}`
      : ', does not expire';
    const effect = suppression.expired ? '' : ' — sends skip this address';
    lines.push(
      (suppression.expired ? chalk.dim : chalk.red)(
        `  suppressed: ${reason} since ${since}${until}${effect}`,
      ),
    );
  }
  const complaints = contact.complaints ?? [];
  const latest = complaints[complaints.length - 1];
  if (latest) {
    const times = complaints.length === 1 ? 'once' : `${complaints.length} times`;
    lines.push(
      chalk.red(
        `  complained (marked a statement as spam) ${times}, the latest ${printable(latest.at)}: see History`,
      ),
    );
  }
  return lines;
}
