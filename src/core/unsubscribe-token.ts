import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ConfigError } from './errors.js';

/**
 * Unsubscribe tokens (`unsubscribe.mode: own`): AES-256-GCM over `{e: email, t: topic, i: issuedAt}`, URL-safe.
 * Layout (then base64url, no padding): version (1 byte, = 1) · key id (4 bytes: SHA-256 of the key) · IV (12 bytes)
 * · ciphertext · GCM tag (16 bytes). The key id tells a token made with another key (rotated, another deployment)
 * apart from a token someone changed; the version and key id are authenticated as additional data.
 */
const VERSION = 1;
const KEY_ID_BYTES = 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES;
const CLOCK_SKEW_SECONDS = 300;

export type UnsubscribeTokenErrorKind = 'malformed' | 'unsupported-version' | 'wrong-key' | 'tampered' | 'expired';

export class UnsubscribeTokenError extends Error {
  override readonly name = 'UnsubscribeTokenError';
  constructor(
    readonly kind: UnsubscribeTokenErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface UnsubscribeClaims {
  email: string;
  topic: string;
  /** When the token was made (seconds are kept). */
  issuedAt: Date;
}

/** 32 bytes, given as 64 hex characters or as base64 / base64url. */
export function parseTokenKey(raw: string): Buffer {
  const text = raw.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32 || (!/^[0-9a-fA-F]{64}$/.test(text) && !/^[A-Za-z0-9+/_-]{43}=?$/.test(text))) {
    throw new ConfigError('unsubscribe.tokenKey: expected 32 random bytes, as base64 (44 characters) or hex (64)', {
      hint: 'generate one with: openssl rand -base64 32',
    });
  }
  return key;
}

function keyId(key: Buffer): Buffer {
  return createHash('sha256').update(key).digest().subarray(0, KEY_ID_BYTES);
}

export function createUnsubscribeToken(
  key: Buffer,
  subject: { email: string; topic: string },
  now: Date,
  iv: Buffer = randomBytes(IV_BYTES),
): string {
  const header = Buffer.concat([Buffer.from([VERSION]), keyId(key)]);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(header);
  const claims = JSON.stringify({ e: subject.email, t: subject.topic, i: Math.floor(now.getTime() / 1000) });
  const body = Buffer.concat([cipher.update(claims, 'utf8'), cipher.final()]);
  return Buffer.concat([header, iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The claims of a valid token; otherwise an UnsubscribeTokenError saying exactly what is wrong. */
export function verifyUnsubscribeToken(key: Buffer, token: string, now: Date, maxAgeDays = 30): UnsubscribeClaims {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) {
    throw new UnsubscribeTokenError('malformed', 'the unsubscribe link is incomplete or garbled');
  }
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length < HEADER_BYTES + IV_BYTES + TAG_BYTES + 1) {
    throw new UnsubscribeTokenError('malformed', 'the unsubscribe link is incomplete (the token is too short)');
  }
  if (bytes[0] !== VERSION) {
    throw new UnsubscribeTokenError('unsupported-version', `the unsubscribe link has an unknown format (version ${bytes[0]})`);
  }
  const header = bytes.subarray(0, HEADER_BYTES);
  if (!header.subarray(1).equals(keyId(key))) {
    throw new UnsubscribeTokenError('wrong-key', 'the unsubscribe link was made with another key (another deployment or a rotated key)');
  }
  const iv = bytes.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const body = bytes.subarray(HEADER_BYTES + IV_BYTES, bytes.length - TAG_BYTES);
  let claims: { e?: unknown; t?: unknown; i?: unknown };
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(header);
    decipher.setAuthTag(tag);
    claims = JSON.parse(Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8'));
  } catch {
    throw new UnsubscribeTokenError('tampered', 'the unsubscribe link was changed after it was sent');
  }
  if (typeof claims.e !== 'string' || typeof claims.t !== 'string' || typeof claims.i !== 'number') {
    throw new UnsubscribeTokenError('malformed', 'the unsubscribe link does not name an address and a topic');
  }
  const ageSeconds = now.getTime() / 1000 - claims.i;
  if (ageSeconds < -CLOCK_SKEW_SECONDS) {
    throw new UnsubscribeTokenError('malformed', 'the unsubscribe link claims to be issued in the future');
  }
  if (ageSeconds > maxAgeDays * 86_400) {
    throw new UnsubscribeTokenError('expired', `the unsubscribe link is older than ${maxAgeDays} days`);
  }
  return { email: claims.e, topic: claims.t, issuedAt: new Date(claims.i * 1000) };
}
