import type { InvalidLinkReason } from '../../core/unsubscribe/unsubscribe-flow.js';

/** Every page that answers a request it could not carry out: what went wrong, and what the reader can do next. */
export type PageProblem =
  | InvalidLinkReason
  | 'bad-request'
  | 'too-large'
  | 'method'
  | 'server'
  | 'busy'
  | 'cross-site'
  | 'resubscribe-expired';

const NEXT_STEP =
  'Nothing was changed. To unsubscribe, use the unsubscribe link in the most recent e-mail from {brand}, or reply to that e-mail and ask us to stop sending it.';

export const PROBLEMS: Record<PageProblem, { title: string; detail: string; next: string }> = {
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
  'wrong-purpose': {
    title: 'This is not an unsubscribe link',
    detail: 'It belongs to the resubscribe button of an earlier page, not to an e-mail.',
    next: NEXT_STEP,
  },
  'resubscribe-expired': {
    title: 'This resubscribe button has expired',
    detail:
      'The Resubscribe button works for {minutes} minutes after you unsubscribe, and only on the page that offered it.',
    next: 'Nothing was changed: you are still unsubscribed. To receive these e-mails again, reply to an e-mail from {brand} and ask us to send them again.',
  },
  'cross-site': {
    title: 'This request did not come from our page',
    detail: 'Resubscribing only works with the Resubscribe button on our own page.',
    next: 'Nothing was changed. If you meant to resubscribe, reply to an e-mail from {brand} and ask us to send these e-mails again.',
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
  busy: {
    title: 'We are busy right now',
    detail: 'We could not save your choice just now: our records are being updated.',
    next: 'Please try again in a minute. If it keeps failing, reply to the e-mail from {brand} and ask us to stop sending it.',
  },
  server: {
    title: 'Something went wrong on our side',
    detail: 'We could not save your choice just now.',
    next: 'Please try again in a few minutes. If it keeps failing, reply to the e-mail from {brand} and ask us to stop sending it.',
  },
};
