import { normalizeEmail } from './email-address.js';
import type { Recipient } from './recipients.js';

export interface Selection {
  recipients: Recipient[];
  /** `--only` entries that matched no recipient. */
  unmatched: string[];
}

/** `--only` (custom IDs, original or resolved, or addresses) then `--limit` (the first n). */
export function selectForCampaign(
  recipients: readonly Recipient[],
  options: { only?: readonly string[]; limit?: number },
): Selection {
  let selected = [...recipients];
  const unmatched: string[] = [];
  if (options.only && options.only.length > 0) {
    const wanted = options.only.map((token) =>
      token.includes('@') ? normalizeEmail(token) : token.toUpperCase(),
    );
    const matches = (recipient: Recipient, token: string) =>
      recipient.email === token ||
      recipient.customIds.some(
        (id) => id.original.toUpperCase() === token || id.resolved.toUpperCase() === token,
      );
    selected = selected.filter((recipient) => wanted.some((token) => matches(recipient, token)));
    unmatched.push(...options.only.filter((_, i) => !recipients.some((r) => matches(r, wanted[i] ?? ''))));
  }
  if (options.limit !== undefined) selected = selected.slice(0, options.limit);
  return { recipients: selected, unmatched };
}
