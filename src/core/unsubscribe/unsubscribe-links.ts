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
  /** No per-recipient link: the configured footer URL (or none). */
  | { mode: 'static'; url: string | null };

export const SES_UNSUBSCRIBE_PLACEHOLDER = '{{amazonSESUnsubscribeUrl}}';

/**
 * Own mode (RFC 8058): `List-Unsubscribe: <https://…?data=TOKEN>, <mailto:…?subject=unsubscribe>` then
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, and the same https link in the footer. The token is
 * created once per recipient per plan, so the header and the footer always agree.
 */
export function createUnsubscribeLinks(
  settings: UnsubscribeSettings,
  now: Date,
): (email: string) => UnsubscribeLink {
  if (settings.mode === 'static') return () => ({ url: settings.url, headers: {} });
  if (settings.mode === 'ses') return () => ({ url: SES_UNSUBSCRIBE_PLACEHOLDER, headers: {} });
  return (email) => {
    const url = new URL(settings.baseUrl);
    url.searchParams.set('data', createUnsubscribeToken(settings.key, { email, topic: settings.topic }, now));
    const targets = [`<${url.href}>`];
    if (settings.mailto) {
      const address = /<([^>]+)>/.exec(settings.mailto)?.[1] ?? settings.mailto;
      targets.push(`<mailto:${address}?subject=unsubscribe>`);
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
