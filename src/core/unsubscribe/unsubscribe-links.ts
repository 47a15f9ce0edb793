import pLimit from 'p-limit';
import type { UnsubscribeTokens } from './unsubscribe-tokens.js';

/** What one recipient's e-mail carries to unsubscribe: the footer link and the List-Unsubscribe headers. */
export interface UnsubscribeLink {
  url: string | null;
  headers: Record<string, string>;
}

export type UnsubscribeSettings =
  | { mode: 'own'; baseUrl: string; mailto?: string | undefined; topic: string; tokens: UnsubscribeTokens }
  /** SES adds the headers and replaces its placeholder with the recipient's link. */
  | { mode: 'ses'; topic: string; contactList: string }
  /**
   * No per-recipient link: the configured footer URL (or none). A real send needs `noneReason` (mode `none`,
   * chosen on purpose); without it the mode was simply never set, and a send refuses.
   */
  | { mode: 'static'; url: string | null; noneReason: string | null };

/** The mode was never set (a real send refuses); `none` with a reason is a deliberate choice. */
export function isUnsubscribeUnset(settings: UnsubscribeSettings): boolean {
  return settings.mode === 'static' && settings.noneReason === null;
}

/** How recipients unsubscribe, in one line, for the dry run, the confirmation, `doctor` and the report. */
export function describeUnsubscribe(settings: UnsubscribeSettings): string {
  if (settings.mode === 'own') return `own: one-click links to ${settings.baseUrl} and a footer link`;
  if (settings.mode === 'ses')
    return `ses: SES contact list ${settings.contactList}, topic ${settings.topic}`;
  const footer = settings.url ? `; footer link ${settings.url}` : '';
  if (settings.noneReason !== null)
    return `none: no unsubscribe link (reason: ${settings.noneReason})${footer}`;
  return `not set: e-mails carry no unsubscribe link (a real send refuses: set unsubscribe.mode)${footer}`;
}

/** The first word of a mailto opt-out's subject; the token follows it (`events sync` reads it back). */
export const MAILTO_SUBJECT_WORD = 'unsubscribe';

export const SES_UNSUBSCRIBE_PLACEHOLDER = '{{amazonSESUnsubscribeUrl}}';

/** Tokens made at once during a plan: KMS answers each Encrypt in milliseconds and throttles bursts. */
export const TOKEN_CONCURRENCY = 16;

/**
 * Own mode (RFC 8058): `List-Unsubscribe: <https://…?data=TOKEN>, <mailto:…?subject=unsubscribe%20TOKEN>` then
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, and the same https link in the footer. The token is
 * created once per recipient per plan (all of them here, before rendering: a KMS token is a network call each, made
 * TOKEN_CONCURRENCY at a time), so the header, the footer and the mailto subject always agree; the mailto request is
 * then authenticated by the token (`events sync` applies it), not by a From address anyone can forge. A token is
 * base64url (no character needs escaping in a URI) of about 130 (AES) or 250 (KMS) characters: the header stays far
 * below RFC 5322's 998-character line limit, and the composer folds it between the two targets.
 */
export async function createUnsubscribeLinks(
  settings: UnsubscribeSettings,
  emails: readonly string[],
  now: Date,
): Promise<(email: string) => UnsubscribeLink> {
  if (settings.mode === 'static') return () => ({ url: settings.url, headers: {} });
  if (settings.mode === 'ses') return () => ({ url: SES_UNSUBSCRIBE_PLACEHOLDER, headers: {} });
  const tokens = await issueTokens(settings.tokens, settings.topic, emails, now);
  return (email) => {
    const token = tokens.get(email);
    if (token === undefined) throw new Error(`no unsubscribe token was made for ${email} (a bug)`);
    const url = new URL(settings.baseUrl);
    url.searchParams.set('data', token);
    const targets = [`<${url.href}>`];
    if (settings.mailto) {
      const address = /<([^>]+)>/.exec(settings.mailto)?.[1] ?? settings.mailto;
      targets.push(`<mailto:${address}?subject=${MAILTO_SUBJECT_WORD}%20${token}>`);
    }
    return {
      url: url.href,
      headers: {
        'List-Unsubscribe': targets.join(', '),
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    };
  };
}

/**
 * One token per address, TOKEN_CONCURRENCY at a time. After a failure no new one starts and the ones in flight are
 * waited for, so the error is the last thing a run prints (not followed by their retry lines).
 */
async function issueTokens(
  tokens: UnsubscribeTokens,
  topic: string,
  emails: readonly string[],
  now: Date,
): Promise<Map<string, string>> {
  const limit = pLimit(TOKEN_CONCURRENCY);
  let failed = false;
  const settled = await Promise.allSettled(
    [...new Set(emails)].map((email) =>
      limit(async () => {
        if (failed) return undefined;
        try {
          return [email, await tokens.issue({ email, topic }, now)] as const;
        } catch (error) {
          failed = true;
          throw error;
        }
      }),
    ),
  );
  const issued = new Map<string, string>();
  for (const outcome of settled) {
    if (outcome.status === 'rejected') throw outcome.reason;
    if (outcome.value) issued.set(...outcome.value);
  }
  return issued;
}
