import { BackendError } from '../common/errors.js';

/** The provider asked us to slow down (HTTP 429, Throttling): retry later with backoff; nothing was sent. */
export class SendThrottledError extends Error {
  override readonly name = 'SendThrottledError';
}

/** The provider refused this message for good (MessageRejected, invalid address): `failed`, the run goes on. */
export class SendRejectedError extends Error {
  override readonly name = 'SendRejectedError';
}

/** Nothing more can be sent (sending paused, account suspended, credentials): stop the run, resumable (exit 5). */
export class SendFatalError extends BackendError {}

/**
 * The request may have reached the provider but no answer came back (timeout, 5xx, connection lost): the
 * message may or may not have been sent. Recorded `unknown`, never resent without `--retry-unknown`.
 */
export class SendOutcomeUnknownError extends Error {
  override readonly name = 'SendOutcomeUnknownError';
}
