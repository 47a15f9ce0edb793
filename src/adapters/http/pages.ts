import { RESUBSCRIBE_FIELD, type UnsubscribeView } from '../../core/unsubscribe/unsubscribe-flow.js';
import { RESUBSCRIBE_TOKEN_MINUTES } from '../../core/unsubscribe/unsubscribe-token.js';
import { type PageProblem, PROBLEMS } from './page-problems.js';

export type { PageProblem } from './page-problems.js';

/**
 * The endpoint's pages: plain HTML forms that work without JavaScript, no remote resources (the CSP forbids
 * them), inline CSS, every piece of data escaped. Forms have no `action`, so they post back to the very URL the
 * page came from — whatever path prefix a proxy or API Gateway stage put in front of the handler.
 */

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

function actionForm(
  token: string,
  action: 'unsubscribe' | 'resubscribe',
  label: string,
  kind = '',
  extra: Record<string, string> = {},
): string {
  const cls = kind === '' ? '' : ` class="${kind}"`;
  const hidden = Object.entries({ data: token, action, ...extra })
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('\n');
  return `<form method="post">
${hidden}
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

export function renderUnsubscribedPage(view: Shown & { resubscribeToken: string | undefined }): string {
  const undo =
    view.resubscribeToken === undefined
      ? `<p>You were already unsubscribed. To receive these e-mails again, reply to an e-mail from ${escapeHtml(view.brandName)} and ask us to send them again.</p>`
      : `<p>Unsubscribed by mistake? You can undo it here within ${RESUBSCRIBE_TOKEN_MINUTES} minutes.</p>
${actionForm(view.token, 'resubscribe', 'Resubscribe', 'secondary', { [RESUBSCRIBE_FIELD]: view.resubscribeToken })}`;
  return layout(
    view.brandName,
    'You are unsubscribed',
    `${what(view, '{email} will no longer receive {topic} e-mails from {brand}.')}
${undo}`,
  );
}

export function renderOneClickPage(view: Omit<Shown, 'token'>): string {
  return layout(
    view.brandName,
    'You are unsubscribed',
    what(view, '{email} will no longer receive {topic} e-mails from {brand}.'),
  );
}

export function renderResubscribedPage(view: Omit<Shown, 'token'> & { token: string | undefined }): string {
  const again =
    view.token === undefined
      ? '<p class="muted">To unsubscribe again, use the unsubscribe link in any e-mail from us.</p>'
      : actionForm(view.token, 'unsubscribe', 'Unsubscribe again', 'secondary');
  return layout(
    view.brandName,
    'You are subscribed again',
    `${what(view, '{email} will receive {topic} e-mails from {brand} again.')}
${again}`,
  );
}

export function renderErrorPage(
  brandName: string,
  problem: PageProblem,
  maxAgeDays?: number,
  minutes?: number,
): string {
  const { title, detail, next } = PROBLEMS[problem];
  const fill = (text: string) =>
    escapeHtml(
      text.replace('{days}', String(maxAgeDays ?? 30)).replace('{minutes}', String(minutes ?? 15)),
    ).replace('{brand}', () => escapeHtml(brandName));
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
    case 'resubscribe-expired':
      return renderErrorPage(view.brandName, 'resubscribe-expired', undefined, view.minutes);
    case 'bad-request':
      return renderErrorPage(view.brandName, 'bad-request');
  }
}
