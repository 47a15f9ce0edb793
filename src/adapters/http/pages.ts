import type { InvalidLinkReason, UnsubscribeView } from '../../core/unsubscribe/unsubscribe-flow.js';

/**
 * The endpoint's pages: plain HTML forms that work without JavaScript, no remote resources (the CSP forbids
 * them), inline CSS, every piece of data escaped. Forms have no `action`, so they post back to the very URL the
 * page came from — whatever path prefix a proxy or API Gateway stage put in front of the handler.
 */

export type PageProblem = InvalidLinkReason | 'bad-request' | 'too-large' | 'method' | 'server';

const STYLE = `
:root{color-scheme:light dark;--fg:#1b1b1f;--bg:#f6f6f8;--card:#fff;--muted:#55565c;--accent:#0b57d0}
@media (prefers-color-scheme:dark){:root{--fg:#ececf1;--bg:#141417;--card:#1f1f24;--muted:#b4b5bd;--accent:#8ab4f8}}
*{box-sizing:border-box}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:34rem;margin:3rem auto;padding:2rem;background:var(--card);border-radius:.75rem}
.brand{margin:0 0 1rem;font-weight:600;color:var(--muted)}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 1rem}
p{margin:0 0 1rem}
.muted{color:var(--muted);font-size:.925rem}
form{margin:1.5rem 0 1rem}
button{font:inherit;font-weight:600;padding:.65rem 1.25rem;border-radius:.5rem;border:2px solid var(--accent);
background:var(--accent);color:var(--card);cursor:pointer}
button.secondary{background:transparent;color:var(--accent)}
button:focus-visible{outline:3px solid var(--fg);outline-offset:2px}
`;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** `financial-reports` → `financial reports`: topics are identifiers, the page speaks to people. */
function topicName(topic: string): string {
  return topic.replace(/[-_]+/g, ' ').trim();
}

function layout(brandName: string, title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)} – ${escapeHtml(brandName)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<p class="brand">${escapeHtml(brandName)}</p>
<h1>${escapeHtml(title)}</h1>
${content}
</main>
</body>
</html>
`;
}

function actionForm(token: string, action: 'unsubscribe' | 'resubscribe', label: string, kind = ''): string {
  const cls = kind === '' ? '' : ` class="${kind}"`;
  return `<form method="post">
<input type="hidden" name="data" value="${escapeHtml(token)}">
<input type="hidden" name="action" value="${action}">
<button type="submit"${cls} aria-describedby="what">${escapeHtml(label)}</button>
</form>`;
}

type Shown = { brandName: string; email: string; topic: string; token: string };

function what(view: Omit<Shown, 'token'>, text: string): string {
  return `<p id="what">${text
    .replace('{email}', () => `<strong>${escapeHtml(view.email)}</strong>`)
    .replace('{topic}', () => `<strong>${escapeHtml(topicName(view.topic))}</strong>`)
    .replace('{brand}', () => escapeHtml(view.brandName))}</p>`;
}

export function renderConfirmPage(view: Shown): string {
  return layout(
    view.brandName,
    'Unsubscribe from these e-mails?',
    `${what(view, '{email} will stop receiving {topic} e-mails from {brand}.')}
${actionForm(view.token, 'unsubscribe', 'Unsubscribe')}
<p class="muted">Nothing changes until you press the button. If you do not want to unsubscribe, close this page.</p>`,
  );
}

export function renderUnsubscribedPage(view: Shown): string {
  return layout(
    view.brandName,
    'You are unsubscribed',
    `${what(view, '{email} will no longer receive {topic} e-mails from {brand}.')}
<p>Unsubscribed by mistake? You can undo it now.</p>
${actionForm(view.token, 'resubscribe', 'Resubscribe', 'secondary')}`,
  );
}

export function renderOneClickPage(view: Omit<Shown, 'token'>): string {
  return layout(
    view.brandName,
    'You are unsubscribed',
    what(view, '{email} will no longer receive {topic} e-mails from {brand}.'),
  );
}

export function renderResubscribedPage(view: Shown): string {
  return layout(
    view.brandName,
    'You are subscribed again',
    `${what(view, '{email} will receive {topic} e-mails from {brand} again.')}
${actionForm(view.token, 'unsubscribe', 'Unsubscribe again', 'secondary')}`,
  );
}

const NEXT_STEP =
  'Nothing was changed. To unsubscribe, use the unsubscribe link in the most recent e-mail from {brand}, or reply to that e-mail and ask us to stop sending it.';

const PROBLEMS: Record<PageProblem, { title: string; detail: string; next: string }> = {
  missing: {
    title: 'This unsubscribe link is incomplete',
    detail: 'The link has no data=… part; your mail program may have cut it off.',
    next: NEXT_STEP,
  },
  malformed: {
    title: 'This unsubscribe link is incomplete',
    detail: 'The link was cut off or changed on its way to you (some mail programs break long links).',
    next: NEXT_STEP,
  },
  'unsupported-version': {
    title: 'This unsubscribe link is no longer supported',
    detail: 'It was made by an older version of our mailing system, which we can no longer read.',
    next: NEXT_STEP,
  },
  'wrong-key': {
    title: 'We cannot check this unsubscribe link',
    detail:
      'It was not signed with our current key: it may be old, from a test e-mail, or from another sender.',
    next: NEXT_STEP,
  },
  tampered: {
    title: 'This unsubscribe link has been altered',
    detail: 'Part of the link does not match what we sent, so we cannot tell which address it is for.',
    next: NEXT_STEP,
  },
  expired: {
    title: 'This unsubscribe link has expired',
    detail:
      'Unsubscribe links stay valid for {days} days after the e-mail is sent, so old links cannot be misused.',
    next: 'Nothing was changed. Every new e-mail from {brand} carries a fresh link: use the one in the most recent e-mail, or reply to it and ask us to stop sending it.',
  },
  'bad-request': {
    title: 'We did not understand this request',
    detail: 'It did not say whether to unsubscribe or to resubscribe.',
    next: 'Nothing was changed. Open the unsubscribe link from the e-mail again and press the button.',
  },
  'too-large': {
    title: 'This request is too large',
    detail: 'The form sent more data than an unsubscribe request ever needs.',
    next: 'Nothing was changed. Open the unsubscribe link from the e-mail again and press the button.',
  },
  method: {
    title: 'This page cannot do that',
    detail: 'It only answers the unsubscribe link and its buttons.',
    next: 'Nothing was changed. Open the unsubscribe link from the e-mail again.',
  },
  server: {
    title: 'Something went wrong on our side',
    detail: 'We could not save your choice just now.',
    next: 'Please try again in a few minutes. If it keeps failing, reply to the e-mail from {brand} and ask us to stop sending it.',
  },
};

export function renderErrorPage(brandName: string, problem: PageProblem, maxAgeDays?: number): string {
  const { title, detail, next } = PROBLEMS[problem];
  const fill = (text: string) =>
    escapeHtml(text.replace('{days}', String(maxAgeDays ?? 30))).replace('{brand}', () =>
      escapeHtml(brandName),
    );
  return layout(brandName, title, `<p>${fill(detail)}</p>\n<p>${fill(next)}</p>`);
}

export function renderRateLimitedPage(brandName: string, retryAfterSeconds: number): string {
  const wait = retryAfterSeconds <= 1 ? 'a second' : `${retryAfterSeconds} seconds`;
  return layout(
    brandName,
    'Too many requests',
    `<p>We received too many requests from your network in a short time.</p>
<p>Nothing was changed. Please wait ${escapeHtml(wait)} and try again.</p>`,
  );
}

/** The page for a view of the flow. */
export function renderFlowPage(view: UnsubscribeView): string {
  switch (view.page) {
    case 'confirm':
      return renderConfirmPage(view);
    case 'one-click-done':
      return renderOneClickPage(view);
    case 'unsubscribed':
      return renderUnsubscribedPage(view);
    case 'resubscribed':
      return renderResubscribedPage(view);
    case 'invalid-link':
      return renderErrorPage(view.brandName, view.reason, view.maxAgeDays);
    case 'bad-request':
      return renderErrorPage(view.brandName, 'bad-request');
  }
}
