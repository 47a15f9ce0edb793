import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { resolveClientIp } from './client-ip.js';
import type { HttpResponse, UnsubscribeHandler } from './unsubscribe-handler.js';

export interface NodeListenerOptions {
  /**
   * How many reverse proxies stand in front (`true` = 1): the client IP is the `X-Forwarded-For` entry that many
   * hops from the right (see resolveClientIp; entries further left are whatever the client claimed). Off (0) by
   * default: the socket's address.
   */
  trustProxy?: number | boolean;
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
  const hops =
    options.trustProxy === true ? 1 : Math.max(0, Math.trunc(Number(options.trustProxy ?? 0)) || 0);
  return (req, res) => {
    void answer(handler, req, res, limit, hops).catch((error: unknown) => {
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
  trustedProxies: number,
): Promise<void> {
  const { body, truncated } = await readBody(req, limit);
  const response: HttpResponse = await handler({
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    headers: flattenHeaders(req.headers),
    body,
    ip: resolveClientIp(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustedProxies),
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
