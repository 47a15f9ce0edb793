import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ConfigError, InputError } from '../common/errors.js';
import type { OpenedToken, TokenFormat, TokenPurpose } from './token-format.js';

/**
 * Unsubscribe tokens (`unsubscribe.mode: own`): AES-256-GCM over `{"e": email, "t": topic, "i": issuedAt}`.
 * A resubscribe token (what the "unsubscribed" page's button carries, valid minutes) adds `"p": "r"`: each verify
 * function accepts only its own purpose, so a link token never resubscribes and a button token never unsubscribes.
 *
 * Bytes, then base64url without padding (only `A–Z a–z 0–9 - _`, safe in a query string unescaped):
 *
 *   0       version (1)
 *   1..4    key id: the first 4 bytes of SHA-256(key)
 *   5..16   IV (12 random bytes)
 *   17..n-17 ciphertext of the JSON claims (`i` in Unix seconds)
 *   n-16..  GCM tag (16 bytes)
 *
 * Version and key id are the GCM additional data, so they cannot be changed unnoticed either. The key id lets a
 * token made with another key (rotated, another deployment) be told apart from one somebody changed; 4 bytes of
 * a hash of a 256-bit random key give nothing away about the key.
 */
export const TOKEN_VERSION = 1;
const KEY_BYTES = 32;
const KEY_ID_BYTES = 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES;
/** `{"e":"","t":"","i":0}`: no valid token has fewer ciphertext bytes. */
const MIN_CLAIMS_BYTES = 20;
/** Longer than any real link: refuse early instead of decoding whatever is pasted. */
const MAX_TOKEN_CHARS = 4096;
/** A token issued up to this far "in the future" is accepted: the issuing machine's clock may run a bit ahead. */
export const TOKEN_CLOCK_SKEW_SECONDS = 300;
const DAY_SECONDS = 86_400;
/** How long the resubscribe button of the "you are unsubscribed" page works. */
export const RESUBSCRIBE_TOKEN_MINUTES = 15;
const RESUBSCRIBE_PURPOSE = 'r';
/** The latest time a Date can hold, in seconds. */
const MAX_DATE_SECONDS = 8_640_000_000_000;

export type UnsubscribeTokenErrorKind =
  | 'malformed'
  | 'unsupported-version'
  | 'wrong-key'
  | 'tampered'
  | 'expired'
  /** Authentic, but made for the other purpose (a resubscribe button's token used as a link, or the reverse). */
  | 'wrong-purpose';

/**
 * Why a token was refused. An input error (exit 4) when it reaches the CLI; the endpoint shows a page per kind.
 * A token "issued in the future" (beyond the clock skew) is `malformed`: it can only come from the key holder
 * with a wrong clock, and the recipient can do nothing about it but use a newer e-mail's link.
 */
export class UnsubscribeTokenError extends InputError {
  constructor(
    readonly kind: UnsubscribeTokenErrorKind,
    message: string,
  ) {
    super(message, { hint: 'use the unsubscribe link of the most recent e-mail' });
  }
}

export interface UnsubscribeClaims {
  email: string;
  topic: string;
  /** When the token was made, to the second. */
  issuedAt: Date;
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

/** The token key from its configured text: 32 bytes as 64 hex characters, or base64 / base64url (padded or not). */
export function parseTokenKey(raw: string): Buffer {
  const text = raw.trim();
  if (HEX_KEY.test(text)) return Buffer.from(text, 'hex');
  const key = BASE64_KEY.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (key.length === KEY_BYTES) return key;
  throw new ConfigError(
    `unsubscribe.tokenKey: expected 32 random bytes as base64 (43–44 characters) or hex (64 characters); the value has ${text.length} characters`,
    { hint: 'generate one with: openssl rand -base64 32 (and keep it in a { secret } or { file })' },
  );
}

function keyIdOf(key: Buffer): Buffer {
  return createHash('sha256').update(key).digest().subarray(0, KEY_ID_BYTES);
}

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES)
    throw new RangeError(`the token key must be ${KEY_BYTES} bytes (parseTokenKey)`);
}

/** A token for one address and topic, issued at `now`. `iv` is for tests only: reusing one breaks GCM. */
export function createUnsubscribeToken(
  key: Buffer,
  subject: { email: string; topic: string },
  now: Date,
  iv: Uint8Array = randomBytes(IV_BYTES),
): string {
  return sealClaims(key, { e: subject.email, t: subject.topic, i: Math.floor(now.getTime() / 1000) }, iv);
}

/** The short-lived token of a resubscribe button (see RESUBSCRIBE_TOKEN_MINUTES); never valid as a link. */
export function createResubscribeToken(
  key: Buffer,
  subject: { email: string; topic: string },
  now: Date,
  iv: Uint8Array = randomBytes(IV_BYTES),
): string {
  const issued = Math.floor(now.getTime() / 1000);
  return sealClaims(key, { e: subject.email, t: subject.topic, i: issued, p: RESUBSCRIBE_PURPOSE }, iv);
}

function sealClaims(key: Buffer, claims: Claims, iv: Uint8Array): string {
  checkKey(key);
  if (iv.length !== IV_BYTES) throw new RangeError(`the IV must be ${IV_BYTES} bytes`);
  const header = Buffer.concat([Buffer.from([TOKEN_VERSION]), keyIdOf(key)]);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(header);
  const body = Buffer.concat([cipher.update(JSON.stringify(claims), 'utf8'), cipher.final()]);
  return Buffer.concat([header, iv, body, cipher.getAuthTag()]).toString('base64url');
}

const fail = (kind: UnsubscribeTokenErrorKind, message: string) => new UnsubscribeTokenError(kind, message);

/**
 * The claims of a valid link token, or an UnsubscribeTokenError whose `kind` says what is wrong, checked in this
 * order: malformed (not canonical base64url, too short or too long) · unsupported-version · wrong-key · tampered (GCM
 * authentication failed) · malformed (authentic but unreadable claims, or issued in the future) · wrong-purpose (a
 * resubscribe button's token) · expired (older than `maxAgeDays`; exactly `maxAgeDays` old is still valid).
 */
export function verifyUnsubscribeToken(
  key: Buffer,
  token: string,
  now: Date,
  maxAgeDays = 30,
): UnsubscribeClaims {
  return checkOpenedToken(openAesToken(key, token), 'unsubscribe', now, maxAgeDays * DAY_SECONDS * 1000);
}

/** Like verifyUnsubscribeToken, for a resubscribe button's token: valid `maxAgeMinutes`, never a link's token. */
export function verifyResubscribeToken(
  key: Buffer,
  token: string,
  now: Date,
  maxAgeMinutes = RESUBSCRIBE_TOKEN_MINUTES,
): UnsubscribeClaims {
  return checkOpenedToken(openAesToken(key, token), 'resubscribe', now, maxAgeMinutes * 60_000);
}

/**
 * The checks every token format shares, after the format authenticated and read the token: issued in the future
 * (beyond the clock skew: malformed), made for the other purpose, older than `maxAgeMs` (exactly that old is valid).
 */
export function checkOpenedToken(
  opened: OpenedToken,
  purpose: TokenPurpose,
  now: Date,
  maxAgeMs: number,
): UnsubscribeClaims {
  const noun = purpose === 'unsubscribe' ? 'unsubscribe token' : 'resubscribe token';
  const issued = opened.issuedAt.toISOString();
  if (opened.issuedAt.getTime() - now.getTime() > TOKEN_CLOCK_SKEW_SECONDS * 1000) {
    throw fail(
      'malformed',
      `${noun}: issued in the future (${issued}); check the clock of the machine that sent it`,
    );
  }
  if (opened.purpose !== purpose) {
    throw fail(
      'wrong-purpose',
      purpose === 'unsubscribe'
        ? 'unsubscribe token: this is the token of a resubscribe button, not of a link'
        : 'resubscribe token: this is an unsubscribe link token, not a resubscribe button',
    );
  }
  if (now.getTime() - opened.issuedAt.getTime() > maxAgeMs) {
    throw fail('expired', `${noun}: expired, issued ${issued}, more than ${describeAge(maxAgeMs)} ago`);
  }
  return { email: opened.email, topic: opened.topic, issuedAt: opened.issuedAt };
}

function describeAge(ms: number): string {
  const days = ms / (DAY_SECONDS * 1000);
  return Number.isInteger(days) ? `${days} days` : `${ms / 60_000} minutes`;
}

/** dn-mailer's own format as a TokenFormat (`unsubscribe.token: aes`), for `createUnsubscribeTokens`. */
export function createAesTokenFormat(key: Buffer): TokenFormat {
  checkKey(key);
  const keyId = keyIdOf(key);
  return {
    name: 'aes',
    recognizes(token) {
      const bytes = /^[A-Za-z0-9_-]{1,4096}$/.test(token) ? Buffer.from(token, 'base64url') : Buffer.alloc(0);
      return bytes[0] === TOKEN_VERSION && bytes.subarray(1, HEADER_BYTES).equals(keyId);
    },
    seal: async (subject, now) =>
      subject.purpose === 'unsubscribe'
        ? createUnsubscribeToken(key, subject, now)
        : createResubscribeToken(key, subject, now),
    open: async (token) => openAesToken(key, token),
  };
}

/** Decodes, authenticates and reads a token of either purpose (its time and purpose are checked by the caller). */
function openAesToken(key: Buffer, token: string): OpenedToken {
  checkKey(key);
  const bytes = decodeToken(token);
  if (bytes[0] !== TOKEN_VERSION) {
    throw fail(
      'unsupported-version',
      `unsubscribe token: version ${bytes[0]} is not supported (this dn-mailer reads version ${TOKEN_VERSION})`,
    );
  }
  if (bytes.length < HEADER_BYTES + IV_BYTES + MIN_CLAIMS_BYTES + TAG_BYTES) {
    throw fail('malformed', 'unsubscribe token: too short, the link was probably cut off');
  }
  const header = bytes.subarray(0, HEADER_BYTES);
  if (!header.subarray(1).equals(keyIdOf(key))) {
    throw fail(
      'wrong-key',
      'unsubscribe token: made with another key than unsubscribe.tokenKey (rotated key, or another deployment)',
    );
  }
  const claims = readClaims(decrypt(key, header, bytes));
  return {
    email: claims.e,
    topic: claims.t,
    purpose: claims.p === RESUBSCRIBE_PURPOSE ? 'resubscribe' : 'unsubscribe',
    issuedAt: new Date(claims.i * 1000),
  };
}

/** Canonical base64url only: a lenient decoder would accept changed characters that decode to the same bytes. */
function decodeToken(token: string): Buffer {
  if (token.length === 0 || token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token)) {
    throw fail(
      'malformed',
      'unsubscribe token: not a token (empty, too long, or characters other than A-Z a-z 0-9 - _)',
    );
  }
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length === 0 || bytes.toString('base64url') !== token) {
    throw fail('malformed', 'unsubscribe token: damaged base64url, the link was probably cut off or changed');
  }
  return bytes;
}

function decrypt(key: Buffer, header: Buffer, bytes: Buffer): Buffer {
  const iv = bytes.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
  const body = bytes.subarray(HEADER_BYTES + IV_BYTES, bytes.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(header);
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw fail('tampered', 'unsubscribe token: failed its integrity check, it was changed after it was made');
  }
}

interface Claims {
  e: string;
  t: string;
  i: number;
  /** Absent in a link's token; `r` in a resubscribe button's. */
  p?: typeof RESUBSCRIBE_PURPOSE;
}

function readClaims(plain: Buffer): Claims {
  let claims: unknown;
  try {
    claims = JSON.parse(plain.toString('utf8'));
  } catch {
    claims = undefined;
  }
  const { e, t, i, p } = (typeof claims === 'object' && claims !== null ? claims : {}) as Record<
    string,
    unknown
  >;
  const time = typeof i === 'number' && Number.isSafeInteger(i) && i >= 0 && i <= MAX_DATE_SECONDS;
  const purpose = p === undefined || p === RESUBSCRIBE_PURPOSE;
  if (typeof e !== 'string' || typeof t !== 'string' || !time || !purpose) {
    throw fail(
      'malformed',
      'unsubscribe token: authentic, but it does not hold an address, a topic and a time',
    );
  }
  return p === undefined ? { e, t, i: i as number } : { e, t, i: i as number, p };
}
