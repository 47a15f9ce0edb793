import { isIP } from 'node:net';

/**
 * The client's address, for the rate limit and the audit row. With `trustedProxies` = N reverse proxies in front
 * (each appends the address it received the request from to `X-Forwarded-For`), the chain is the header's entries
 * followed by the socket's address, and the client is the entry N from the right: entries further left are
 * whatever the client wrote itself, so forging them changes nothing. A chain shorter than that (a request that
 * skipped a proxy) gives its left-most entry. An entry that is not an IP address gives the socket's address
 * (the nearest proxy), never the text.
 */
export function resolveClientIp(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxies: number,
): string {
  const socket = normalizeIp(socketAddress ?? '') ?? '';
  if (trustedProxies <= 0) return socket;
  const forwarded = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const chain = [...forwarded, socket];
  const entry = chain[Math.max(0, chain.length - 1 - trustedProxies)] ?? socket;
  return normalizeIp(entry) ?? socket;
}

/**
 * An IP address in one spelling (`::ffff:127.0.0.1` → `127.0.0.1`, IPv6 lowercased, `[::1]:443` and
 * `1.2.3.4:5678` without the port), or undefined when the text is not an IP address.
 */
export function normalizeIp(text: string): string | undefined {
  let ip = text.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(ip);
  if (bracketed?.[1] !== undefined) ip = bracketed[1];
  else if (/^[\d.]+:\d+$/.test(ip)) ip = ip.slice(0, ip.lastIndexOf(':'));
  ip = ip.toLowerCase();
  if (ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4) ip = ip.slice(7);
  return isIP(ip) === 0 ? undefined : ip;
}
