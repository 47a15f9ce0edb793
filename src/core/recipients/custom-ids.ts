/** A custom ID as the user source gave it, and the ID used for payouts and report paths (after aliases). */
export interface CustomId {
  original: string;
  resolved: string;
  /** `channels[].channelName` from the user source, when it gives one: the e-mail's heading for this ID. */
  channelName?: string;
}

const CUSTOM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidCustomId(id: string): boolean {
  return CUSTOM_ID_PATTERN.test(id);
}

/**
 * The form report paths match an ID in: upper-case, without `-` and `_` (`art-01`, `ART_01` and `A-R-T-0-1` are all
 * `ART01`). Every spelling `idVariants` tries for an ID has this same form, so through one layout a report key can
 * only match IDs that share it.
 */
export function normalizeCustomId(id: string): string {
  return id.toUpperCase().replace(/[-_]/g, '');
}

export type AliasMap = Readonly<Record<string, string>> | ReadonlyMap<string, string>;

/** `users.customIdAliases` keyed by upper-cased ID, for lookups in constant time. */
export function indexAliases(aliases: AliasMap): ReadonlyMap<string, string> {
  if (aliases instanceof Map) return aliases;
  return new Map(Object.entries(aliases).map(([from, to]) => [from.toUpperCase(), to]));
}

/** Applies `users.customIdAliases` (matched case-insensitively, e.g. MOLS → MOL). */
export function resolveCustomId(id: string, aliases: AliasMap): string {
  return indexAliases(aliases).get(id.toUpperCase()) ?? id;
}

/**
 * Validates and resolves one raw ID. The alias target is validated too: nothing that is not
 * `[A-Za-z0-9_-]{1,64}` is ever interpolated into a key.
 */
export function toCustomId(raw: string, aliases: AliasMap): CustomId | { invalid: string } {
  const original = raw.trim();
  if (!isValidCustomId(original)) return { invalid: describeInvalid(original) };
  const resolved = resolveCustomId(original, aliases);
  if (!isValidCustomId(resolved)) return { invalid: `its alias "${resolved}" is not a valid custom ID` };
  return { original, resolved };
}

function describeInvalid(id: string): string {
  if (id === '') return 'empty custom ID';
  if (id.length > 64) return 'longer than 64 characters';
  return 'expected 1–64 letters, digits, "-" or "_"';
}
