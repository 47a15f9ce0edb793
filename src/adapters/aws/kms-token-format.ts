import type { KMSClient } from '@aws-sdk/client-kms';
import type {
  OpenedToken,
  TokenFormat,
  TokenPurpose,
  TokenSubject,
} from '../../core/unsubscribe/token-format.js';
import { UnsubscribeTokenError } from '../../core/unsubscribe/unsubscribe-token.js';
import { createKmsCalls, type KmsCallOptions } from './kms-calls.js';

/**
 * The KMS token format (`unsubscribe.token: kms`): the format of Distro Nation's deployed unsubscribe endpoint,
 * whose reference says only that it "encrypts `{ email, topic, timestamp }` payloads using the configured KMS alias"
 * and embeds the result "via the `data` query parameter", valid 30 days. Everything below that is ASSUMED, and this
 * file is the one place to adjust when the deployed endpoint's code says otherwise:
 *
 * - Plaintext: UTF-8 JSON `{"email":"…","topic":"…","timestamp":<ms since the epoch, a number>}`, in that key order,
 *   no whitespace. A resubscribe button's token (dn-mailer's own; the deployed endpoint never sees one) adds
 *   `"purpose":"resubscribe"`.
 * - `Encrypt` with `KeyId` = `unsubscribe.kmsKeyId` and the encryption context `{"purpose":"dn-unsubscribe"}`
 *   (ENCRYPTION_CONTEXT). `data` = the CiphertextBlob's raw bytes as base64url without padding.
 * - Reading: canonical base64url only (`A–Z a–z 0–9 - _`, re-encodes to itself, at most 4096 characters, at least
 *   MIN_CIPHERTEXT_BYTES decoded), then `Decrypt` with the same `KeyId` (KMS refuses a blob of any other key: a key
 *   of someone else's account cannot mint tokens) and that context; on InvalidCiphertextException once more with
 *   NO context, for tokens the old endpoint may have made without one. Both refused → `tampered`.
 * - Payload read leniently: `email` and `topic` non-empty strings, `timestamp` a number of milliseconds (below 1e11
 *   it is read as seconds) or an ISO 8601 string (without a zone: UTC); `purpose` absent or `unsubscribe` → an
 *   unsubscribe token, `resubscribe` → a button's; other fields are ignored. Anything else → `malformed`.
 *
 * If the deployed endpoint decrypts WITHOUT an encryption context and must still read dn-mailer's links, set
 * ENCRYPTION_CONTEXT to `{}`: both are read either way. Age and purpose are checked by `createUnsubscribeTokens`.
 */
export const ENCRYPTION_CONTEXT: Readonly<Record<string, string>> = Object.freeze({
  purpose: 'dn-unsubscribe',
});

/**
 * A KMS symmetric ciphertext blob has 152 bytes besides the encrypted plaintext (header, key reference, nonce, IV,
 * GCM tag: a 7-byte plaintext gives 159 bytes, a 20-byte one 172, measured on published Encrypt outputs). Anything
 * shorter cannot be one: it is refused without a KMS call. A few bytes of margin for header variants.
 */
export const MIN_CIPHERTEXT_BYTES = 150;
/** Longer than any real link: refuse early instead of sending whatever is pasted to KMS (its limit: 6144 bytes). */
const MAX_TOKEN_CHARS = 4096;
/** A timestamp below this is seconds (1e11 s is the year 5138; 1e11 ms is March 1973). */
const SECONDS_BELOW = 1e11;
/** The latest time a Date can hold, in milliseconds. */
const MAX_DATE_MS = 8.64e15;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})?$/;
const HAS_ZONE = /(?:Z|[+-]\d{2}:\d{2})$/;

export type KmsTokenFormatOptions = KmsCallOptions;

export function createKmsTokenFormat(client: KMSClient, options: KmsTokenFormatOptions): TokenFormat {
  const kms = createKmsCalls(client, options);
  const context = { ...ENCRYPTION_CONTEXT };
  const hasContext = Object.keys(context).length > 0;
  return {
    name: 'kms',
    recognizes(token) {
      const bytes = decodeCanonical(token);
      return bytes !== undefined && bytes.length >= MIN_CIPHERTEXT_BYTES;
    },
    async seal(subject, now) {
      const plaintext = Buffer.from(JSON.stringify(toPayload(subject, now)), 'utf8');
      return Buffer.from(await kms.encrypt(plaintext, context)).toString('base64url');
    },
    async open(token) {
      const blob = decodeToken(token);
      let plaintext: Uint8Array;
      try {
        plaintext = await kms.decrypt(blob, hasContext ? context : undefined);
      } catch (error) {
        if (!hasContext || !(error instanceof UnsubscribeTokenError) || error.kind !== 'tampered')
          throw error;
        plaintext = await kms.decrypt(blob, undefined);
      }
      return readPayload(plaintext);
    },
  };
}

function toPayload(subject: TokenSubject, now: Date): Record<string, string | number> {
  const timestamp = now.getTime();
  if (!Number.isFinite(timestamp)) throw new RangeError('the token time must be a valid Date');
  const payload: Record<string, string | number> = { email: subject.email, topic: subject.topic, timestamp };
  if (subject.purpose === 'resubscribe') payload.purpose = 'resubscribe';
  return payload;
}

const malformed = (message: string) => new UnsubscribeTokenError('malformed', message);

function decodeCanonical(token: string): Buffer | undefined {
  if (token.length === 0 || token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token))
    return undefined;
  const bytes = Buffer.from(token, 'base64url');
  return bytes.length > 0 && bytes.toString('base64url') === token ? bytes : undefined;
}

/** Canonical base64url only: a lenient decoder would accept changed characters that decode to the same bytes. */
function decodeToken(token: string): Buffer {
  if (token.length === 0 || token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token)) {
    throw malformed(
      'unsubscribe token: not a token (empty, too long, or characters other than A-Z a-z 0-9 - _)',
    );
  }
  const bytes = decodeCanonical(token);
  if (bytes === undefined) {
    throw malformed('unsubscribe token: damaged base64url, the link was probably cut off or changed');
  }
  if (bytes.length < MIN_CIPHERTEXT_BYTES) {
    throw malformed('unsubscribe token: too short for a KMS token, the link was probably cut off');
  }
  return bytes;
}

function readPayload(plaintext: Uint8Array): OpenedToken {
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
  } catch {
    payload = undefined;
  }
  const { email, topic, timestamp, purpose } = (
    typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? payload : {}
  ) as Record<string, unknown>;
  const issuedAt = readTimestamp(timestamp);
  const tokenPurpose = readPurpose(purpose);
  if (!isText(email) || !isText(topic) || issuedAt === undefined || tokenPurpose === undefined) {
    throw malformed('unsubscribe token: authentic, but it does not hold an address, a topic and a time');
  }
  return { email, topic, purpose: tokenPurpose, issuedAt };
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

function readPurpose(value: unknown): TokenPurpose | undefined {
  if (value === undefined || value === 'unsubscribe') return 'unsubscribe';
  return value === 'resubscribe' ? 'resubscribe' : undefined;
}

/** Milliseconds, seconds (below 1e11) or an ISO 8601 string; undefined when it is none of them. */
function readTimestamp(value: unknown): Date | undefined {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return undefined;
    ms = Math.round(value < SECONDS_BELOW ? value * 1000 : value);
  } else if (typeof value === 'string' && ISO_8601.test(value)) {
    ms = Date.parse(HAS_ZONE.test(value) ? value : `${value}Z`);
  } else {
    return undefined;
  }
  return Number.isFinite(ms) && ms <= MAX_DATE_MS ? new Date(ms) : undefined;
}
