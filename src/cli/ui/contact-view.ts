import type { ChalkInstance } from 'chalk';
import { maskEmail } from '../../core/common/email-address.js';
import type { AuditEntry, ContactPreferences } from '../../ports.js';
import { printable } from './printable.js';
import { renderTable } from './table.js';

export function renderContact(
  contact: { email: string; preferences: ContactPreferences | null; history: AuditEntry[] },
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
  lines.push('', contact.history.length === 0 ? 'No changes recorded.' : 'History:');
  if (contact.history.length > 0) {
    const rows = contact.history.map((e) =>
      [e.at, e.action, e.topic, e.source, e.actor, e.reason ?? '', e.detail ?? ''].map(printable),
    );
    lines.push(renderTable(['WHEN', 'WHAT', 'TOPIC', 'SOURCE', 'WHO', 'REASON', 'DETAIL'], rows));
  }
  return `${lines.join('\n')}\n`;
}
