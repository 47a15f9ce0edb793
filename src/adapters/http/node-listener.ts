import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { HttpResponse, UnsubscribeHandler } from './unsubscribe-handler.js';

export interface NodeListenerOptions {
  /**
   * Behind one reverse proxy: take the client IP from the last `X-Forwarded-For` entry (the one the proxy
   * added; earlier entries are whatever the client claimed). Off by default: the socket's address.
   */
  trustProxy?: boolean;
  /** Stop reading a body after this many bytes (default: the handler's own limit). */
  maxBodyBytes?: number;
  onError?: (error: unknown) => void;
}

/** Serves the framework-neutral handler from `node:http` (`dn-mailer serve`, or any Node server). */
export function toNodeListener(
  handler: UnsubscribeHandler,
  options: NodeListenerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = options.maxBodyBytes ?? handler.maxBodyBytes;
  return (req, res) => {
    void answer(handler, req, res, limit, options).catch((error: unknown) => {
      options.onError?.(error);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('internal error\n');
    });
  };
}

async function answer(
  handler: UnsubscribeHandler,
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  options: NodeListenerOptions,
): Promise<void> {
  const { body, truncated } = await readBody(req, limit);
  const response: HttpResponse = await handler({
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    headers: flattenHeaders(req.headers),
    body,
    ip: clientIp(req, options.trustProxy === true),
  });
  const headers: Record<string, string> = {
    ...response.headers,
    'Content-Length': String(Buffer.byteLength(response.body)),
  };
  // The rest of an oversized body is not read: do not keep the connection for another request.
  if (truncated) headers.Connection = 'close';
  res.writeHead(response.status, headers);
  res.end(response.body);
}

/**
 * Reads at most `limit + 1` bytes: enough for the handler to see that the body is too large, never more in memory.
 * The rest is left to flow away (Node discards what nobody reads once the response is sent).
 */
function readBody(req: IncomingMessage, limit: number): Promise<{ body: string; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (truncated: boolean) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', reject);
      if (truncated) req.resume();
      resolve({ body: Buffer.concat(chunks).toString('utf8'), truncated });
    };
    const onData = (chunk: Buffer) => {
      const room = limit + 1 - size;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      size += Math.min(chunk.length, room);
      if (size > limit) finish(true);
    };
    const onEnd = () => finish(false);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
  });
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers))
    flat[name] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}

function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const list = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',');
    const last = list
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '')
      .pop();
    if (last !== undefined) return normalizeIp(last);
  }
  return normalizeIp(req.socket.remoteAddress ?? '');
}

/** `::ffff:127.0.0.1` → `127.0.0.1`, so one client has one key whichever way the socket reports it. */
function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
