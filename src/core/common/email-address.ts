/**
 * A pragmatic syntax check for addresses SES will accept: one `@`, a dot-atom local part, a domain of valid labels
 * with a TLD. Not every RFC 5322 form (quoted local parts are refused on purpose: SES refuses most of them too).
 */
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function isValidEmail(address: string): boolean {
  if (address.length > 254) return false;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at !== address.indexOf('@')) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64 || !LOCAL.test(local)) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  const tld = labels[labels.length - 1] ?? '';
  return labels.every((label) => LABEL.test(label)) && /^[A-Za-z]{2,63}$|^xn--[A-Za-z0-9-]+$/.test(tld);
}

export function normalizeEmail(address: string): string {
  return address.trim().toLowerCase();
}

/** `a***@example.com`: addresses are PII and are masked in output unless `--verbose`. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return address.length <= 1 ? '***' : `${address.slice(0, 1)}***`;
  return `${address.slice(0, 1)}***${address.slice(at)}`;
}

/**
 * Something shaped like an address inside free text (a provider's error message): a local part that starts with a
 * letter, digit or `_%+-` (so `<`, quotes and `mailto:` stay outside), then a domain whose last label starts with a
 * letter. Broader than `isValidEmail` on purpose: masking a look-alike costs less than leaking an address.
 */
const ADDRESS_IN_TEXT =
  /[\p{L}\p{N}_%+-][\p{L}\p{N}!#$%&'*+/=?^_`{|}~.-]*@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}[\p{L}\p{N}-]*/gu;

/**
 * Masks every address in a text, as `maskEmail` does: provider messages (e.g. SES's "identities failed the check:
 * artist@x.com") become failure reasons that reach stdout, --json, the ledger and report.html.
 */
export function maskAddressesIn(text: string): string {
  return text.replace(ADDRESS_IN_TEXT, (address) => maskEmail(address));
}
