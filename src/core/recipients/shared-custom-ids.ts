import { type AliasMap, type CustomId, normalizeCustomId, resolveCustomId } from './custom-ids.js';

/** One address's claim on a custom ID. */
export interface CustomIdClaim {
  email: string;
  /** As the user source spelled it. */
  customId: string;
  /** After aliases. */
  resolvedId: string;
}

/** A custom ID that more than one address claims, once aliases, case, `-` and `_` are set aside. */
export interface SharedCustomId {
  /** The normalised form both claims reduce to, e.g. `ART01` for `ART-01` and `A-R-T-0-1`. */
  id: string;
  /** Every claim on it, of every address, in recipient order. */
  claims: CustomIdClaim[];
}

/** What the check needs of a recipient (structural, so this module stays below `recipients-from-users`). */
export interface CustomIdHolder {
  email: string;
  customIds: readonly CustomId[];
}

/**
 * The one answer to "who claims which custom ID" (DESIGN.md "Custom IDs belong to one creator"), used by the plan
 * and `resolve-paths` alike: every normalised ID claimed by two or more different addresses, unless listed in
 * `users.sharedCustomIds` (compared in the same normalised form, before or after its alias). Their recipients are
 * held back, because the report files and payouts of one creator would otherwise reach another.
 */
export function findSharedCustomIds(
  holders: readonly CustomIdHolder[],
  allowed: readonly string[] = [],
  aliases: AliasMap = {},
): SharedCustomId[] {
  const allowedIds = new Set(
    allowed.flatMap((id) => [normalizeCustomId(id), normalizeCustomId(resolveCustomId(id, aliases))]),
  );
  const claimsById = new Map<string, CustomIdClaim[]>();
  for (const holder of holders) {
    for (const id of holder.customIds) {
      const key = normalizeCustomId(id.resolved);
      const claims = claimsById.get(key) ?? [];
      claims.push({ email: holder.email, customId: id.original, resolvedId: id.resolved });
      claimsById.set(key, claims);
    }
  }
  const shared: SharedCustomId[] = [];
  for (const [id, claims] of claimsById) {
    if (allowedIds.has(id) || new Set(claims.map((claim) => claim.email)).size < 2) continue;
    shared.push({ id, claims });
  }
  return shared;
}

/** The shared IDs an address claims, by address: the recipients to hold back. */
export function indexSharedCustomIds(shared: readonly SharedCustomId[]): Map<string, SharedCustomId[]> {
  const byEmail = new Map<string, SharedCustomId[]>();
  for (const entry of shared) {
    for (const email of new Set(entry.claims.map((claim) => claim.email))) {
      byEmail.set(email, [...(byEmail.get(email) ?? []), entry]);
    }
  }
  return byEmail;
}

/** Why an address is held back, without naming the other addresses (the caller shows those, masked or not). */
export function describeSharedCustomIds(email: string, shared: readonly SharedCustomId[]): string {
  const parts = shared.map((entry) => {
    const own = entry.claims.filter((claim) => claim.email === email).map((claim) => claim.customId);
    const others = new Set(entry.claims.map((claim) => claim.email).filter((other) => other !== email)).size;
    return `${[...new Set(own)].join(', ')} (as ${entry.id}) is also claimed by ${others} other address${others === 1 ? '' : 'es'}`;
  });
  return `${parts.join('; ')} — list it in users.sharedCustomIds if they really share it`;
}

/** Every resolved ID of the month's recipients, once: the IDs a report key is checked against (one owner each). */
export function resolvedCustomIds(holders: readonly CustomIdHolder[]): string[] {
  return [...new Set(holders.flatMap((holder) => holder.customIds.map((id) => id.resolved)))];
}
