import { BackendError } from '../../core/common/errors.js';
import {
  readUnsubscribeIntent,
  runUnsubscribeFlow,
  type UnsubscribeFlowRequest,
} from '../../core/unsubscribe/unsubscribe-flow.js';
import type { UnsubscribeTokens } from '../../core/unsubscribe/unsubscribe-tokens.js';
import type { AuditLog, Clock, ContactList } from '../../ports.js';
import { parseFormBody } from './form-body.js';
import { createFixedWindowLimiter } from './ip-rate-limit.js';
import { type PageProblem, renderErrorPage, renderFlowPage, renderRateLimitedPage } from './pages.js';
import { readHeader } from './request-headers.js';
import { isSameOrigin, originOf } from './same-origin.js';

export interface UnsubscribeHandlerDeps {
  contacts: ContactList;
  audit: AuditLog;
  /** The token formats the links are read in (`createUnsubscribeTokens`). */
  tokens: UnsubscribeTokens;
  maxAgeDays: number;
  brandName: string;
  clock: Clock;
  /** Largest accepted body; a one-click or page POST is well under 1 KB (default 4096). */
  maxBodyBytes?: number;
  /** Requests per client IP per minute, fixed window (default DEFAULT_PER_MINUTE). */
  rateLimit?: { perMinute: number };
  /**
   * The public URL the links point to (`unsubscribe.baseUrl`): its origin counts as this endpoint's own when a
   * proxy in front rewrites `Host`. Without it only the `Host` the request came to does.
   */
  publicUrl?: string | undefined;
  /**
   * Told about unexpected errors (a port that failed); the client gets a page without details: 503 with
   * Retry-After when a store is busy or unavailable (a BackendError), 500 otherwise.
   */
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
/** Retry-After of the 503 answered while a store is busy (a locked SQLite file) or unavailable. */
export const BUSY_RETRY_AFTER_SECONDS = 30;
const ALLOWED_METHODS = ['GET', 'HEAD', 'POST'];

/** Every answer: HTML that loads nothing, is never cached, framed, sniffed or sent on as a referrer. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  // Not no-referrer: with it a browser sends `Origin: null` on the page's own POST, and resubscribe needs the origin.
  'Referrer-Policy': 'same-origin',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
};

/**
 * The unsubscribe endpoint (RFC 8058). GET shows a confirmation page and changes nothing (link scanners only
 * GET); POST `List-Unsubscribe=One-Click` unsubscribes and answers 200 with no redirect and no cookie; the page's
 * buttons POST `action=unsubscribe|resubscribe`. Bad tokens get a 400 page, big bodies 413, other methods 405,
 * too many requests from one IP 429, a resubscribe from another site 403, a busy or unavailable store 503.
 */
export function createUnsubscribeHandler(deps: UnsubscribeHandlerDeps): UnsubscribeHandler {
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const limiter = createFixedWindowLimiter(deps.rateLimit?.perMinute ?? DEFAULT_PER_MINUTE);
  const { brandName } = deps;
  const ownOrigins = originOf(deps.publicUrl);
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
    const flowRequest = toFlowRequest(request, method);
    if (readUnsubscribeIntent(flowRequest) === 'resubscribe' && !isSameOrigin(request.headers, ownOrigins))
      return problem(403, 'cross-site');
    let response: HttpResponse;
    try {
      const view = await runUnsubscribeFlow(deps, flowRequest);
      response = respond(view.status, renderFlowPage(view));
    } catch (error) {
      deps.onError?.(error);
      response =
        error instanceof BackendError
          ? problem(503, 'busy', { 'Retry-After': String(BUSY_RETRY_AFTER_SECONDS) })
          : problem(500, 'server');
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
