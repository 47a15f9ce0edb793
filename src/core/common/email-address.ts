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
