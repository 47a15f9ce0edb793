import { createHash } from 'node:crypto';
import { normalizeEmail } from '../common/email-address.js';
import type { Recipient } from './recipients-from-users.js';

export interface Selection {
  recipients: Recipient[];
  /** `--only` entries that matched no recipient. */
  unmatched: string[];
}

/** `--shard 2/3`: the second of three slices. */
export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/**
 * Which shard an address belongs to: a hash of the lower-cased address, so the split is the same on every machine
 * and in every run, and each recipient is in exactly one of the `count` shards.
 */
export function shardOf(email: string, count: number): number {
  const hash = createHash('sha256').update(normalizeEmail(email)).digest();
  return Number(hash.readBigUInt64BE(0) % BigInt(count)) + 1;
}

/** `--shard`, then `--only` (custom IDs, original or resolved, or addresses), then `--limit` (the first n). */
export function selectForCampaign(
  recipients: readonly Recipient[],
  options: { only?: readonly string[]; limit?: number; shard?: Shard | undefined },
): Selection {
  const { shard } = options;
  let selected = shard
    ? recipients.filter((r) => shardOf(r.email, shard.count) === shard.index)
    : [...recipients];
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
