import type { AuditLog, AuditSource, Clock, ContactList, TopicStatus } from '../../ports.js';
import { maskEmail, normalizeEmail } from '../common/email-address.js';
import {
  createUnsubscribeToken,
  UnsubscribeTokenError,
  verifyUnsubscribeToken,
} from './unsubscribe-token.js';

/**
 * What the unsubscribe endpoint decides, without any HTTP: which page to show and which preference to change.
 * The adapter (`adapters/http/`) parses the request into an `UnsubscribeFlowRequest` and renders the view.
 */
export interface UnsubscribeFlowDeps {
  contacts: ContactList;
  audit: AuditLog;
  clock: Clock;
  tokenKey: Buffer;
  maxAgeDays: number;
  brandName: string;
}

export interface UnsubscribeFlowRequest {
  /** HEAD is a GET for the flow; the adapter answers other methods itself. */
  method: 'GET' | 'POST';
  /** The `data` value; the form field wins over the query parameter (the page's buttons carry a fresh one). */
  token: string | undefined;
  /** The form fields of a POST (`List-Unsubscribe=One-Click`, or `action` from the page's buttons). */
  fields: Readonly<Record<string, string>>;
  /** The client IP, kept in the audit row. */
  ip: string;
}

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
  /** `token` is a fresh one for the resubscribe button, so it works even when the link was about to expire. */
  | (Shown & { page: 'unsubscribed'; status: 200; token: string })
  /** `token` is a fresh one for the "unsubscribe again" button. */
  | (Shown & { page: 'resubscribed'; status: 200; token: string })
  | { page: 'invalid-link'; status: 400; brandName: string; reason: InvalidLinkReason; maxAgeDays: number }
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
 * honoured even when the audit write fails (the error then reaches the adapter, which answers 500).
 */
export async function runUnsubscribeFlow(
  deps: UnsubscribeFlowDeps,
  request: UnsubscribeFlowRequest,
): Promise<UnsubscribeView> {
  const { brandName } = deps;
  const intent = readUnsubscribeIntent(request);
  if (intent === 'unknown') return { page: 'bad-request', status: 400, brandName };
  const token = request.token?.trim() ?? '';
  const checked = checkToken(deps, token);
  if ('reason' in checked) {
    return {
      page: 'invalid-link',
      status: 400,
      brandName,
      reason: checked.reason,
      maxAgeDays: deps.maxAgeDays,
    };
  }
  const { email, topic } = checked;
  const shown: Shown = { brandName, email: maskEmail(email), topic };
  if (intent === 'show') return { ...shown, page: 'confirm', status: 200, token };
  const action = intent === 'resubscribe' ? 'resubscribe' : 'unsubscribe';
  const source: AuditSource = intent === 'one-click' ? 'one-click' : 'page';
  await changePreference(deps, { email, topic, action, source, ip: request.ip });
  if (intent === 'one-click') return { ...shown, page: 'one-click-done', status: 200 };
  const next = createUnsubscribeToken(deps.tokenKey, { email, topic }, deps.clock.now());
  return {
    ...shown,
    page: action === 'unsubscribe' ? 'unsubscribed' : 'resubscribed',
    status: 200,
    token: next,
  };
}

function checkToken(
  deps: UnsubscribeFlowDeps,
  token: string,
): { email: string; topic: string } | { reason: InvalidLinkReason } {
  if (token === '') return { reason: 'missing' };
  try {
    const { email, topic } = verifyUnsubscribeToken(deps.tokenKey, token, deps.clock.now(), deps.maxAgeDays);
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

async function changePreference(deps: UnsubscribeFlowDeps, change: PreferenceChange): Promise<void> {
  const status: TopicStatus = change.action === 'unsubscribe' ? 'OPT_OUT' : 'OPT_IN';
  await deps.contacts.setTopic(change.email, change.topic, status);
  await deps.audit.record({
    at: deps.clock.now().toISOString(),
    email: change.email,
    action: change.action,
    topic: change.topic,
    actor: 'recipient',
    source: change.source,
    detail: change.ip,
  });
}
