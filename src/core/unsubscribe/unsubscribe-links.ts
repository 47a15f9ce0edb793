import { createUnsubscribeToken } from './unsubscribe-token.js';

/** What one recipient's e-mail carries to unsubscribe: the footer link and the List-Unsubscribe headers. */
export interface UnsubscribeLink {
  url: string | null;
  headers: Record<string, string>;
}

export type UnsubscribeSettings =
  | { mode: 'own'; baseUrl: string; mailto?: string | undefined; topic: string; key: Buffer }
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

/**
 * Own mode (RFC 8058): `List-Unsubscribe: <https://…?data=TOKEN>, <mailto:…?subject=unsubscribe%20TOKEN>` then
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, and the same https link in the footer. The token is
 * created once per recipient per plan, so the header, the footer and the mailto subject always agree; the mailto
 * request is then authenticated by the token (`events sync` applies it), not by a From address anyone can forge.
 * A token is base64url (no character needs escaping in a URI) of about 130 characters: the header stays far
 * below RFC 5322's 998-character line limit, and the composer folds it between the two targets.
 */
export function createUnsubscribeLinks(
  settings: UnsubscribeSettings,
  now: Date,
): (email: string) => UnsubscribeLink {
  if (settings.mode === 'static') return () => ({ url: settings.url, headers: {} });
  if (settings.mode === 'ses') return () => ({ url: SES_UNSUBSCRIBE_PLACEHOLDER, headers: {} });
  return (email) => {
    const url = new URL(settings.baseUrl);
    const token = createUnsubscribeToken(settings.key, { email, topic: settings.topic }, now);
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
