import { isValidEmail, normalizeEmail } from '../common/email-address.js';
import { type AliasMap, type CustomId, indexAliases, toCustomId } from './custom-ids.js';
import { findSharedCustomIds, type SharedCustomId } from './shared-custom-ids.js';
import { type IndexedUserRow, parseUserRows, type RowProblem } from './user-rows.js';

/** One e-mail address that will receive one message, carrying all its custom IDs. */
export interface Recipient {
  /** Lower-cased, trimmed address: the identity of a recipient everywhere (ledger, gating, dedupe). */
  email: string;
  userName: string;
  customIds: CustomId[];
  /** Source row indexes merged into this recipient. */
  rows: number[];
}

export type SkipReason = 'inactive' | 'no-email' | 'invalid-email' | 'excluded' | 'duplicate';

export interface SkippedUser {
  index: number;
  email: string;
  reason: SkipReason;
  detail: string;
}

export interface RejectedCustomId {
  index: number;
  email: string;
  customId: string;
  reason: string;
}

export interface RecipientRules {
  excludeEmails: readonly string[];
  customIdAliases: AliasMap;
  /** `users.sharedCustomIds`: IDs more than one address may claim; any other shared ID holds its recipients back. */
  sharedCustomIds?: readonly string[];
}

export interface RecipientSelection {
  recipients: Recipient[];
  skipped: SkippedUser[];
  rejectedIds: RejectedCustomId[];
  rowProblems: RowProblem[];
  totalRows: number;
  /** Custom IDs claimed by more than one address (not allowed in config): their recipients are held back. */
  sharedCustomIds: SharedCustomId[];
}

/**
 * The recipient rules of DESIGN.md: active only, a non-empty valid address not in `excludeEmails`, one recipient
 * per lower-cased address carrying every custom ID of its rows (after aliases), invalid IDs rejected and reported,
 * and the custom IDs that more than one address claims found (over every recipient, before any `--only`).
 */
export function selectRecipients(rows: readonly unknown[], rules: RecipientRules): RecipientSelection {
  const { users, problems } = parseUserRows(rows);
  const excluded = new Set(rules.excludeEmails.map(normalizeEmail));
  const aliases = indexAliases(rules.customIdAliases);
  const byEmail = new Map<string, Recipient>();
  const skipped: SkippedUser[] = [];
  const rejectedIds: RejectedCustomId[] = [];

  for (const user of users) {
    const email = normalizeEmail(user.emailsUser);
    const reason = skipReason(user, email, excluded);
    if (reason) {
      skipped.push({ index: user.index, email, ...reason });
      continue;
    }
    const existing = byEmail.get(email);
    const recipient = existing ?? { email, userName: user.userName.trim(), customIds: [], rows: [] };
    if (existing) {
      const first = existing.rows[0];
      skipped.push({ index: user.index, email, reason: 'duplicate', detail: `merged into row ${first}` });
    } else {
      byEmail.set(email, recipient);
    }
    recipient.rows.push(user.index);
    addCustomIds(recipient, user, aliases, rejectedIds);
  }
  const recipients = [...byEmail.values()];
  // Trimmed to their length: an array grown by push keeps room for 17 entries (~150 bytes), and a month's recipients
  // live for its whole run (100,000 of them: ~28 MB of empty room in these two lists).
  for (const recipient of recipients) {
    recipient.customIds = recipient.customIds.slice();
    recipient.rows = recipient.rows.slice();
  }
  return {
    recipients,
    skipped,
    rejectedIds,
    rowProblems: problems,
    totalRows: rows.length,
    sharedCustomIds: findSharedCustomIds(recipients, rules.sharedCustomIds, aliases),
  };
}

function skipReason(
  user: IndexedUserRow,
  email: string,
  excluded: ReadonlySet<string>,
): { reason: SkipReason; detail: string } | undefined {
  if (user.status.trim().toLowerCase() !== 'active') {
    return { reason: 'inactive', detail: `status is "${user.status}"` };
  }
  if (email === '') return { reason: 'no-email', detail: 'emailsUser is empty' };
  if (excluded.has(email)) return { reason: 'excluded', detail: 'listed in users.excludeEmails' };
  if (!isValidEmail(email)) return { reason: 'invalid-email', detail: 'emailsUser is not a valid address' };
  return undefined;
}

function addCustomIds(
  recipient: Recipient,
  user: IndexedUserRow,
  aliases: AliasMap,
  rejected: RejectedCustomId[],
): void {
  for (const raw of user.customIds) {
    const id = toCustomId(raw, aliases);
    if ('invalid' in id) {
      rejected.push({ index: user.index, email: recipient.email, customId: raw, reason: id.invalid });
    } else {
      const channelName = user.channelNames.get(id.original);
      const known = recipient.customIds.find((k) => k.resolved.toUpperCase() === id.resolved.toUpperCase());
      // Written out, not `{ ...id, channelName }`: a spread here gave each ID a hidden class of its own in V8.
      if (!known)
        recipient.customIds.push(
          channelName ? { original: id.original, resolved: id.resolved, channelName } : id,
        );
      else if (channelName && !known.channelName) known.channelName = channelName;
    }
  }
}
