import { createServer } from 'node:http';
import {
  createUnsubscribeHandler,
  toNodeListener,
  type UnsubscribeHandlerDeps,
} from '../../src/adapters/http/index.js';
import {
  createAesTokenFormat,
  createUnsubscribeToken,
} from '../../src/core/unsubscribe/unsubscribe-token.js';
import {
  createUnsubscribeTokens,
  type UnsubscribeTokens,
} from '../../src/core/unsubscribe/unsubscribe-tokens.js';
import { listenOnLoopback } from './loopback.js';
import { memoryAuditLog, memoryContactList } from './memory-contacts.js';

export const TOKEN_KEY = Buffer.alloc(32, 7);
export const OTHER_KEY = Buffer.alloc(32, 9);
export const TOPIC = 'financial-reports';
export const ADDRESS = 'artist@example.com';
export const DAY_MS = 86_400_000;

/** A settable clock: tests move time forward for expiry and rate-limit windows. */
export function settableClock(start: Date) {
  let now = start;
  return {
    now: () => now,
    set: (next: Date) => {
      now = next;
    },
  };
}

export function tokenFor(email = ADDRESS, issuedAt = new Date(), key = TOKEN_KEY, topic = TOPIC): string {
  return createUnsubscribeToken(key, { email, topic }, issuedAt);
}

/** dn-mailer's own (AES) tokens with `key`, as the endpoint and the CLI read them. */
export function aesTokens(key: Buffer = TOKEN_KEY, maxAgeDays = 30): UnsubscribeTokens {
  return createUnsubscribeTokens({ formats: [createAesTokenFormat(key)], maxAgeDays });
}

export type Overrides = Partial<Omit<UnsubscribeHandlerDeps, 'contacts' | 'audit'>> & {
  trustProxy?: number | boolean;
};

/** Starts the real endpoint on 127.0.0.1 (a free port) with in-memory contacts and audit log. */
export async function startEndpoint(overrides: Overrides = {}) {
  const contacts = memoryContactList();
  const audit = memoryAuditLog();
  const errors: unknown[] = [];
  const { trustProxy, ...rest } = overrides;
  const handler = createUnsubscribeHandler({
    contacts,
    audit,
    tokens: aesTokens(TOKEN_KEY, overrides.maxAgeDays ?? 30),
    maxAgeDays: 30,
    brandName: 'Distro Nation',
    clock: { now: () => new Date() },
    onError: (error) => errors.push(error),
    ...rest,
  });
  const server = createServer(toNodeListener(handler, { trustProxy: trustProxy ?? false }));
  const origin = await listenOnLoopback(server);
  const base = `${origin}/unsubscribe`;
  return {
    contacts,
    audit,
    errors,
    origin,
    base,
    urlFor: (token: string) => `${base}?data=${encodeURIComponent(token)}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export type Endpoint = Awaited<ReturnType<typeof startEndpoint>>;

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** POSTs a form body without following redirects (there must be none to follow). */
export function postForm(url: string, body: string, headers: Record<string, string> = FORM) {
  return fetch(url, { method: 'POST', body, headers, redirect: 'manual' });
}

/** The headers a browser sends with a POST from the endpoint's own page at `origin`. */
export function sameOrigin(origin: string): Record<string, string> {
  return { ...FORM, origin, 'sec-fetch-site': 'same-origin' };
}

/** The short-lived token of the page's resubscribe button. */
export function formResubscribeToken(html: string): string | undefined {
  return /name="resubscribe_token" value="([^"]*)"/.exec(html)?.[1];
}

/** The value of the hidden `data` field of the page's form. */
export function formToken(html: string): string | undefined {
  return /name="data" value="([^"]*)"/.exec(html)?.[1];
}

export function formAction(html: string): string | undefined {
  return /name="action" value="([^"]*)"/.exec(html)?.[1];
}
