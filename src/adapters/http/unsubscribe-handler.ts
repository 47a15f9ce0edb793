import { runUnsubscribeFlow, type UnsubscribeFlowRequest } from '../../core/unsubscribe/unsubscribe-flow.js';
import type { AuditLog, Clock, ContactList } from '../../ports.js';
import { parseFormBody } from './form-body.js';
import { createFixedWindowLimiter } from './ip-rate-limit.js';
import { type PageProblem, renderErrorPage, renderFlowPage, renderRateLimitedPage } from './pages.js';

export interface UnsubscribeHandlerDeps {
  contacts: ContactList;
  audit: AuditLog;
  tokenKey: Buffer;
  maxAgeDays: number;
  brandName: string;
  clock: Clock;
  /** Largest accepted body; a one-click or page POST is well under 1 KB (default 4096). */
  maxBodyBytes?: number;
  /** Requests per client IP per minute, fixed window (default 60). */
  rateLimit?: { perMinute: number };
  /** Told about unexpected errors (a port that failed); the client gets a 500 page without details. */
  onError?: (error: unknown) => void;
}

/** A framework-neutral request: node:http, API Gateway or a test build one of these. */
export interface HttpRequest {
  method: string;
  /** Path and query (`/unsubscribe?data=…`) or an absolute URL. */
  url: string;
  /** Header names in any case. */
  headers: Record<string, string | undefined>;
  body: string;
  ip: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type UnsubscribeHandler = ((request: HttpRequest) => Promise<HttpResponse>) & {
  /** The body limit, so a server adapter can stop reading a body early. */
  readonly maxBodyBytes: number;
};

export const DEFAULT_MAX_BODY_BYTES = 4096;
/**
 * Per client IP and minute. Generous on purpose: mail providers send one-click POSTs for many recipients from few
 * IPs, and a refused opt-out is worse than a busy endpoint; the limit is there against floods.
 */
export const DEFAULT_PER_MINUTE = 1_200;
const ALLOWED_METHODS = ['GET', 'HEAD', 'POST'];

/** Every answer: HTML that loads nothing, is never cached, framed, sniffed or sent on as a referrer. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
};

/**
 * The unsubscribe endpoint (RFC 8058). GET shows a confirmation page and changes nothing (link scanners only
 * GET); POST `List-Unsubscribe=One-Click` unsubscribes and answers 200 with no redirect and no cookie; the page's
 * buttons POST `action=unsubscribe|resubscribe`. Bad tokens get a 400 page, big bodies 413, other methods 405,
 * too many requests from one IP 429.
 */
export function createUnsubscribeHandler(deps: UnsubscribeHandlerDeps): UnsubscribeHandler {
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const limiter = createFixedWindowLimiter(deps.rateLimit?.perMinute ?? DEFAULT_PER_MINUTE);
  const { brandName } = deps;
  const problem = (status: number, kind: PageProblem, extra: Record<string, string> = {}) =>
    respond(status, renderErrorPage(brandName, kind, deps.maxAgeDays), extra);

  const handle = async (request: HttpRequest): Promise<HttpResponse> => {
    const method = request.method.toUpperCase();
    const verdict = limiter.take(request.ip, deps.clock.now());
    if (!verdict.allowed) {
      const retryAfter = String(verdict.retryAfterSeconds);
      return respond(429, renderRateLimitedPage(brandName, verdict.retryAfterSeconds), {
        'Retry-After': retryAfter,
      });
    }
    if (!ALLOWED_METHODS.includes(method))
      return problem(405, 'method', { Allow: ALLOWED_METHODS.join(', ') });
    if (Buffer.byteLength(request.body, 'utf8') > maxBodyBytes) return problem(413, 'too-large');
    let response: HttpResponse;
    try {
      const view = await runUnsubscribeFlow(deps, toFlowRequest(request, method));
      response = respond(view.status, renderFlowPage(view));
    } catch (error) {
      deps.onError?.(error);
      response = problem(500, 'server');
    }
    return method === 'HEAD' ? { ...response, body: '' } : response;
  };
  return Object.assign(handle, { maxBodyBytes });
}

function respond(status: number, body: string, extra: Record<string, string> = {}): HttpResponse {
  return { status, headers: { ...SECURITY_HEADERS, ...extra }, body };
}

function toFlowRequest(request: HttpRequest, method: string): UnsubscribeFlowRequest {
  const query = readQuery(request.url);
  if (method !== 'POST') {
    return { method: 'GET', token: query.get('data') ?? undefined, fields: {}, ip: request.ip };
  }
  const fields = parseFormBody(request.body, readHeader(request.headers, 'content-type'));
  return { method: 'POST', token: fields.data ?? query.get('data') ?? undefined, fields, ip: request.ip };
}

function readQuery(url: string): URLSearchParams {
  try {
    return new URL(url, 'http://localhost').searchParams;
  } catch {
    return new URLSearchParams();
  }
}

export function readHeader(headers: HttpRequest['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
