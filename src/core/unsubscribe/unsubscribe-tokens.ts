import { ConfigError } from '../common/errors.js';
import type { TokenFormat, TokenFormatName, TokenPurpose } from './token-format.js';
import { checkOpenedToken, RESUBSCRIBE_TOKEN_MINUTES, type UnsubscribeClaims } from './unsubscribe-token.js';

/**
 * Unsubscribe tokens in whichever formats the config holds (`unsubscribe.token` issues links; every configured
 * format is read back), so a link from the old Lambda's mails (KMS) and one from dn-mailer's (AES) both work. The
 * checks every format shares live here, once: issued in the future, purpose, age.
 */
export interface UnsubscribeTokens {
  /** The format links are issued in. */
  readonly issuing: TokenFormatName;
  /** The formats tokens are read in, for messages ("aes + kms"). */
  readonly reads: readonly TokenFormatName[];
  /** A link's token for one address and topic. */
  issue(subject: { email: string; topic: string }, now: Date): Promise<string>;
  /** The short-lived token of a resubscribe button (see RESUBSCRIBE_TOKEN_MINUTES); never valid as a link. */
  issueResubscribe(subject: { email: string; topic: string }, now: Date): Promise<string>;
  /** A link's claims, or an UnsubscribeTokenError (`expired` past `maxAgeDays`; exactly that old is valid). */
  verify(token: string, now: Date): Promise<UnsubscribeClaims>;
  /** A resubscribe button's claims (valid RESUBSCRIBE_TOKEN_MINUTES), never a link's. */
  verifyResubscribe(token: string, now: Date): Promise<UnsubscribeClaims>;
}

export interface UnsubscribeTokensOptions {
  /** The issuing format first, then the others read. At least one. */
  formats: readonly TokenFormat[];
  maxAgeDays: number;
}

const DAY_MS = 86_400_000;

export function createUnsubscribeTokens(options: UnsubscribeTokensOptions): UnsubscribeTokens {
  const { formats, maxAgeDays } = options;
  const issuing = formats[0];
  if (!issuing) throw new ConfigError('unsubscribe: no token format is configured (tokenKey or kmsKeyId)');
  // Button tokens stay on this endpoint: the local AES key when there is one (no network call), else the link format.
  const buttons = formats.find((format) => format.name === 'aes') ?? issuing;

  const open = async (token: string, purpose: TokenPurpose, now: Date, maxAgeMs: number) => {
    const format = formats.find((f) => f.recognizes(token)) ?? (formats.at(-1) as TokenFormat);
    return checkOpenedToken(await format.open(token), purpose, now, maxAgeMs);
  };

  return {
    issuing: issuing.name,
    reads: formats.map((format) => format.name),
    issue: (subject, now) => issuing.seal({ ...subject, purpose: 'unsubscribe' }, now),
    issueResubscribe: (subject, now) => buttons.seal({ ...subject, purpose: 'resubscribe' }, now),
    verify: (token, now) => open(token, 'unsubscribe', now, maxAgeDays * DAY_MS),
    verifyResubscribe: (token, now) => open(token, 'resubscribe', now, RESUBSCRIBE_TOKEN_MINUTES * 60_000),
  };
}

/** The configured formats (an unset one is undefined), the issuing one first: what `createUnsubscribeTokens` takes. */
export function issuingFirst(
  issuing: TokenFormatName,
  formats: readonly (TokenFormat | undefined)[],
): TokenFormat[] {
  const present = formats.filter((format): format is TokenFormat => format !== undefined);
  return [
    ...present.filter((format) => format.name === issuing),
    ...present.filter((format) => format.name !== issuing),
  ];
}
