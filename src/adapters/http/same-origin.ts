import { readHeader } from './request-headers.js';

/**
 * Whether a POST came from this endpoint's own page. `Sec-Fetch-Site: cross-site` is refused outright; then the
 * `Origin` header (or, when a browser sent none, the `Referer`) must name the host the request came to (`Host`,
 * compared with the origin's scheme and its default port) or the configured public URL's origin (behind a proxy
 * that rewrites `Host`). No origin at all, or `Origin: null`, is refused: this decides a resubscribe, and a mail
 * provider's one-click POST never needs it.
 */
export function isSameOrigin(
  headers: Record<string, string | undefined>,
  publicOrigins: readonly string[],
): boolean {
  if (readHeader(headers, 'sec-fetch-site')?.trim().toLowerCase() === 'cross-site') return false;
  const claimed = readHeader(headers, 'origin') ?? readHeader(headers, 'referer');
  const origin = parseOrigin(claimed);
  if (origin === undefined) return false;
  if (publicOrigins.includes(origin.origin)) return true;
  const host = readHeader(headers, 'host')?.trim();
  if (host === undefined || host === '') return false;
  return parseOrigin(`${origin.protocol}//${host}`)?.host === origin.host;
}

/** The origin of a configured public URL (`https://mail.example.com`), or nothing for an unusable one. */
export function originOf(url: string | undefined): string[] {
  const parsed = parseOrigin(url);
  return parsed === undefined ? [] : [parsed.origin];
}

function parseOrigin(text: string | undefined): URL | undefined {
  if (text === undefined || text.trim() === '' || text.trim() === 'null') return undefined;
  try {
    const url = new URL(text.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}
