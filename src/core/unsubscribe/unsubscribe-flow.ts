import type { AuditLog, AuditSource, Clock, ContactList, TopicStatus } from '../../ports.js';
import { maskEmail, normalizeEmail } from '../common/email-address.js';
import { sameStatus } from './change-subscription.js';
import { RESUBSCRIBE_TOKEN_MINUTES, UnsubscribeTokenError } from './unsubscribe-token.js';
import type { UnsubscribeTokens } from './unsubscribe-tokens.js';

/**
 * What the unsubscribe endpoint decides, without any HTTP: which page to show and which preference to change.
 * The adapter (`adapters/http/`) parses the request into an `UnsubscribeFlowRequest` and renders the view.
 */
export interface UnsubscribeFlowDeps {
  contacts: ContactList;
  audit: AuditLog;
  clock: Clock;
  /** Reads links' tokens (every configured format) and makes the resubscribe buttons' ones. */
  tokens: UnsubscribeTokens;
  maxAgeDays: number;
  brandName: string;
}

export interface UnsubscribeFlowRequest {
  /** HEAD is a GET for the flow; the adapter answers other methods itself. */
  method: 'GET' | 'POST';
  /** The link's `data` value; the form field wins over the query parameter. */
  token: string | undefined;
  /** The form fields of a POST (`List-Unsubscribe=One-Click`, or `action` from the page's buttons). */
  fields: Readonly<Record<string, string>>;
  /** The client IP, kept (cleaned, at most 64 characters) in the audit row. */
  ip: string;
}

/** The form field of the resubscribe button's short-lived token. */
export const RESUBSCRIBE_FIELD = 'resubscribe_token';

export type InvalidLinkReason = 'missing' | UnsubscribeTokenError['kind'];

interface Shown {
  brandName: string;
  /** Masked (`a***@example.com`): the page may be seen by someone who only holds the link. */
  email: string;
  topic: string;
}

export type UnsubscribeView =
  /** GET: nothing changes until the recipient presses the button (link scanners only GET). */
  | (Shown & { page: 'confirm'; status: 200; token: string })
  /** RFC 8058 one-click POST from a mail client: a short page, nobody reads it. */
  | (Shown & { page: 'one-click-done'; status: 200 })
  /**
   * `token` is the link's own (never a fresh link token); `resubscribeToken` is the button's, valid
   * RESUBSCRIBE_TOKEN_MINUTES, and only when this request unsubscribed (not when the address already was):
   * holding the link alone does not resubscribe anybody.
   */
  | (Shown & { page: 'unsubscribed'; status: 200; token: string; resubscribeToken: string | undefined })
  /** `token`: the link's own, for the "unsubscribe again" button, when it came along and is still valid. */
  | (Shown & { page: 'resubscribed'; status: 200; token: string | undefined })
  | { page: 'invalid-link'; status: 400; brandName: string; reason: InvalidLinkReason; maxAgeDays: number }
  /** A resubscribe without its button's token, or too late: nothing changes. */
  | { page: 'resubscribe-expired'; status: 400; brandName: string; minutes: number }
  /** A POST that is neither one-click nor one of the page's buttons. */
  | { page: 'bad-request'; status: 400; brandName: string };

export type UnsubscribeIntent = 'show' | 'one-click' | 'unsubscribe' | 'resubscribe' | 'unknown';

/** GET shows; a POST says what it wants with `List-Unsubscribe=One-Click` (RFC 8058) or the page's `action`. */
export function readUnsubscribeIntent(
  request: Pick<UnsubscribeFlowRequest, 'method' | 'fields'>,
): UnsubscribeIntent {
  if (request.method === 'GET') return 'show';
  const oneClick = request.fields['List-Unsubscribe'];
  if (oneClick !== undefined && oneClick.trim().toLowerCase() === 'one-click') return 'one-click';
  const action = request.fields.action;
  if (action === 'unsubscribe' || action === 'resubscribe') return action;
  return 'unknown';
}

/**
 * Runs one request through the flow. A bad, tampered, expired or wrong-key token changes nothing and answers
 * 400; a valid POST sets the topic (OPT_OUT / OPT_IN) and writes the audit row, in that order, so an opt-out is
 * honoured even when the audit write fails (the error then reaches the adapter, which answers 500). A POST that
 * asks for what is already recorded (a replayed one-click) answers as usual and writes nothing.
 * Resubscribing takes the button's short-lived token (`fields.resubscribe_token`), not the link's.
 */
export async function runUnsubscribeFlow(
  deps: UnsubscribeFlowDeps,
  request: UnsubscribeFlowRequest,
): Promise<UnsubscribeView> {
  const { brandName } = deps;
  const intent = readUnsubscribeIntent(request);
  if (intent === 'unknown') return { page: 'bad-request', status: 400, brandName };
  if (intent === 'resubscribe') return resubscribe(deps, request);
  const token = request.token?.trim() ?? '';
  const checked = await checkToken(deps, token);
  if ('reason' in checked) return invalidLink(deps, checked.reason);
  const { email, topic } = checked;
  const shown: Shown = { brandName, email: maskEmail(email), topic };
  if (intent === 'show') return { ...shown, page: 'confirm', status: 200, token };
  const source: AuditSource = intent === 'one-click' ? 'one-click' : 'page';
  const changed = await changePreference(deps, {
    email,
    topic,
    action: 'unsubscribe',
    source,
    ip: request.ip,
  });
  if (intent === 'one-click') return { ...shown, page: 'one-click-done', status: 200 };
  // Only an unsubscribe made just now can be undone here: otherwise anyone holding the link could POST
  // "unsubscribe" (changing nothing) to get a resubscribe token for an address that opted out long ago.
  const resubscribeToken = changed
    ? await deps.tokens.issueResubscribe({ email, topic }, deps.clock.now())
    : undefined;
  return { ...shown, page: 'unsubscribed', status: 200, token, resubscribeToken };
}

async function resubscribe(
  deps: UnsubscribeFlowDeps,
  request: UnsubscribeFlowRequest,
): Promise<UnsubscribeView> {
  const { brandName } = deps;
  const expired = {
    page: 'resubscribe-expired',
    status: 400,
    brandName,
    minutes: RESUBSCRIBE_TOKEN_MINUTES,
  } as const;
  const grant = request.fields[RESUBSCRIBE_FIELD]?.trim() ?? '';
  if (grant === '') return expired;
  let subject: { email: string; topic: string };
  try {
    subject = await deps.tokens.verifyResubscribe(grant, deps.clock.now());
  } catch (error) {
    if (!(error instanceof UnsubscribeTokenError)) throw error;
    return error.kind === 'expired' ? expired : invalidLink(deps, error.kind);
  }
  const email = normalizeEmail(subject.email);
  const { topic } = subject;
  await changePreference(deps, { email, topic, action: 'resubscribe', source: 'page', ip: request.ip });
  const link = request.token?.trim() ?? '';
  const checked = await checkToken(deps, link);
  const sameLink = !('reason' in checked) && checked.email === email && checked.topic === topic;
  return {
    brandName,
    email: maskEmail(email),
    topic,
    page: 'resubscribed',
    status: 200,
    token: sameLink ? link : undefined,
  };
}

function invalidLink(deps: UnsubscribeFlowDeps, reason: InvalidLinkReason): UnsubscribeView {
  return {
    page: 'invalid-link',
    status: 400,
    brandName: deps.brandName,
    reason,
    maxAgeDays: deps.maxAgeDays,
  };
}

async function checkToken(
  deps: UnsubscribeFlowDeps,
  token: string,
): Promise<{ email: string; topic: string } | { reason: InvalidLinkReason }> {
  if (token === '') return { reason: 'missing' };
  try {
    const { email, topic } = await deps.tokens.verify(token, deps.clock.now());
    return { email: normalizeEmail(email), topic };
  } catch (error) {
    if (error instanceof UnsubscribeTokenError) return { reason: error.kind };
    throw error;
  }
}

interface PreferenceChange {
  email: string;
  topic: string;
  action: 'unsubscribe' | 'resubscribe';
  source: AuditSource;
  ip: string;
}

/**
 * Sets the topic and writes the audit row, unless the contact already has that preference (then nothing);
 * says whether it changed anything.
 */
async function changePreference(deps: UnsubscribeFlowDeps, change: PreferenceChange): Promise<boolean> {
  const status: TopicStatus = change.action === 'unsubscribe' ? 'OPT_OUT' : 'OPT_IN';
  if (sameStatus(await deps.contacts.get(change.email), change.topic, status)) return false;
  await deps.contacts.setTopic(change.email, change.topic, status);
  await deps.audit.record({
    at: deps.clock.now().toISOString(),
    email: change.email,
    action: change.action,
    topic: change.topic,
    actor: 'recipient',
    source: change.source,
    detail: cleanAuditDetail(change.ip),
  });
  return true;
}

const MAX_DETAIL_CHARS = 64;

/** What a client sent is kept as data: control characters become `?`, and the text is capped. */
export function cleanAuditDetail(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?').slice(0, MAX_DETAIL_CHARS);
}
