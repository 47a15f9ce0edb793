/**
 * The byte formats of unsubscribe tokens (the `data` parameter of a link). Two exist: dn-mailer's own AES-256-GCM
 * format (`unsubscribe.token: aes`, unsubscribe-token.ts) and the KMS format of Distro Nation's deployed endpoint
 * (`unsubscribe.token: kms`, adapters/aws/kms-token-format.ts). A format only seals and opens: the age, the clock
 * skew and the purpose are checked once, for both, by `createUnsubscribeTokens` (unsubscribe-tokens.ts).
 */

/** A link's token unsubscribes; a resubscribe button's token (the "unsubscribed" page) resubscribes. */
export type TokenPurpose = 'unsubscribe' | 'resubscribe';

export interface TokenSubject {
  email: string;
  topic: string;
  purpose: TokenPurpose;
}

/** What an authentic token says. */
export interface OpenedToken extends TokenSubject {
  /** When the token was made (the format's precision: seconds for AES, milliseconds for KMS). */
  issuedAt: Date;
}

export type TokenFormatName = 'aes' | 'kms';

export interface TokenFormat {
  readonly name: TokenFormatName;
  /**
   * Whether this format should open `token`: a cheap look at its bytes, no network call (AES: version byte and
   * the key id of its key). A token no format recognizes is opened by the last format configured.
   */
  recognizes(token: string): boolean;
  /** The token for `subject`, issued at `now` (base64url, no padding). */
  seal(subject: TokenSubject, now: Date): Promise<string>;
  /**
   * Authenticates and reads `token`, or throws an UnsubscribeTokenError (malformed / unsupported-version /
   * wrong-key / tampered). Neither the age nor the purpose is checked here.
   */
  open(token: string): Promise<OpenedToken>;
}
