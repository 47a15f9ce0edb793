import type { UserSource } from '../../ports.js';
import { ignoreProgress, type OnProgress } from '../common/progress-events.js';
import { type RecipientRules, type RecipientSelection, selectRecipients } from './recipients-from-users.js';

/** Loads the user rows from the source and applies the recipient rules. */
export async function loadRecipients(
  source: UserSource,
  rules: RecipientRules,
  onProgress: OnProgress = ignoreProgress,
): Promise<RecipientSelection & { origin: string }> {
  const origin = source.origin;
  onProgress({ type: 'users-loading', origin });
  const rows = await source.loadUsers();
  const selection = selectRecipients(rows, rules);
  onProgress({ type: 'users-loaded', origin, rows: rows.length, recipients: selection.recipients.length });
  return { ...selection, origin };
}
