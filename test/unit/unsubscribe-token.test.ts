import { createCipheriv, createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/common/errors.js';
import {
  createResubscribeToken,
  createUnsubscribeToken,
  RESUBSCRIBE_TOKEN_MINUTES,
  TOKEN_CLOCK_SKEW_SECONDS,
  UnsubscribeTokenError,
  type UnsubscribeTokenErrorKind,
  verifyResubscribeToken,
  verifyUnsubscribeToken,
} from '../../src/core/unsubscribe/unsubscribe-token.js';

const DAY_MS = 86_400_000;
const KEY = Buffer.alloc(32, 7);
const OTHER_KEY = Buffer.alloc(32, 9);
const SUBJECT = { email: 'artist@example.com', topic: 'financial-reports' };
const ISSUED = new Date('2025-03-01T12:00:00.000Z');

const key = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes));
const subject = fc.record({
  email: fc.oneof(fc.emailAddress(), fc.string({ unit: 'binary', maxLength: 80 })),
  topic: fc.oneof(
    fc.constantFrom('financial-reports', 'news'),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
  ),
});
/** Whole seconds: the token keeps seconds, so boundary checks are exact. */
const issuedAt = fc
  .integer({ min: 0, max: 4_102_444_800 }) // 1970 … 2100
  .map((seconds) => new Date(seconds * 1000));
const maxAgeDays = fc.integer({ min: 1, max: 365 });

/** Runs `verify` and returns the error kind, or fails the test when the token was accepted. */
function rejection(verify: () => unknown): UnsubscribeTokenError {
  try {
    verify();
  } catch (error) {
    expect(error).toBeInstanceOf(UnsubscribeTokenError);
    return error as UnsubscribeTokenError;
  }
  throw new Error('the token was accepted');
}

/** A token with the real layout but chosen version byte and claims: what a key holder (or a future version) makes. */
function craft(claims: string, version = 1, k = KEY): string {
  const header = Buffer.concat([
    Buffer.from([version]),
    createHash('sha256').update(k).digest().subarray(0, 4),
  ]);
  const iv = Buffer.alloc(12, 1);
  const cipher = createCipheriv('aes-256-gcm', k, iv);
  cipher.setAAD(header);
  const body = Buffer.concat([cipher.update(claims, 'utf8'), cipher.final()]);
  return Buffer.concat([header, iv, body, cipher.getAuthTag()]).toString('base64url');
}

describe('unsubscribe tokens: round trip', () => {
  it('returns the email, topic and issue time (to the second) of any token, at any age up to maxAgeDays', () => {
    fc.assert(
      fc.property(
        key,
        subject,
        issuedAt,
        maxAgeDays,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (k, s, at, days, f) => {
          const token = createUnsubscribeToken(k, s, at);
          expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
          const now = new Date(at.getTime() + Math.floor(f * days * DAY_MS));
          expect(verifyUnsubscribeToken(k, token, now, days)).toEqual({ ...s, issuedAt: at });
        },
      ),
    );
  });

  it('drops milliseconds of the issue time', () => {
    const token = createUnsubscribeToken(KEY, SUBJECT, new Date('2025-03-01T12:00:00.999Z'));
    expect(verifyUnsubscribeToken(KEY, token, ISSUED).issuedAt).toEqual(ISSUED);
  });

  it('is deterministic for one IV and different for another; a random IV by default', () => {
    const iv = Buffer.alloc(12, 3);
    const a = createUnsubscribeToken(KEY, SUBJECT, ISSUED, iv);
    expect(createUnsubscribeToken(KEY, SUBJECT, ISSUED, iv)).toBe(a);
    expect(createUnsubscribeToken(KEY, SUBJECT, ISSUED, Buffer.alloc(12, 4))).not.toBe(a);
    expect(createUnsubscribeToken(KEY, SUBJECT, ISSUED)).not.toBe(
      createUnsubscribeToken(KEY, SUBJECT, ISSUED),
    );
    expect(() => createUnsubscribeToken(KEY, SUBJECT, ISSUED, Buffer.alloc(8))).toThrow(RangeError);
    expect(() => createUnsubscribeToken(Buffer.alloc(16), SUBJECT, ISSUED)).toThrow(RangeError);
  });

  it('lays out version 1, the key id, the IV, the ciphertext and the tag', () => {
    const iv = Buffer.alloc(12, 5);
    const bytes = Buffer.from(createUnsubscribeToken(KEY, SUBJECT, ISSUED, iv), 'base64url');
    const claims = JSON.stringify({ e: SUBJECT.email, t: SUBJECT.topic, i: ISSUED.getTime() / 1000 });
    expect(bytes[0]).toBe(1);
    expect(bytes.subarray(1, 5)).toEqual(createHash('sha256').update(KEY).digest().subarray(0, 4));
    expect(bytes.subarray(5, 17)).toEqual(iv);
    expect(bytes.length).toBe(1 + 4 + 12 + Buffer.byteLength(claims) + 16);
    expect(bytes.includes(Buffer.from(SUBJECT.email))).toBe(false); // encrypted, not just signed
  });
});

describe('unsubscribe tokens: every rejection', () => {
  it('a flipped byte is never accepted: version → unsupported-version, key id → wrong-key, the rest → tampered', () => {
    fc.assert(
      fc.property(key, subject, issuedAt, fc.nat(), fc.integer({ min: 1, max: 255 }), (k, s, at, i, mask) => {
        const bytes = Buffer.from(createUnsubscribeToken(k, s, at), 'base64url');
        const index = i % bytes.length;
        bytes[index] = (bytes[index] ?? 0) ^ mask;
        const { kind } = rejection(() => verifyUnsubscribeToken(k, bytes.toString('base64url'), at));
        const expected: UnsubscribeTokenErrorKind =
          index === 0 ? 'unsupported-version' : index < 5 ? 'wrong-key' : 'tampered';
        expect(kind).toBe(expected);
      }),
    );
  });

  it('a changed character is never accepted, not even one that only touches unused base64 bits', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    fc.assert(
      fc.property(subject, fc.nat(), fc.nat({ max: 63 }), (s, i, c) => {
        const token = createUnsubscribeToken(KEY, s, ISSUED);
        const index = i % token.length;
        const replacement = alphabet[c] === token[index] ? alphabet[(c + 1) % 64] : alphabet[c];
        const changed = `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
        rejection(() => verifyUnsubscribeToken(KEY, changed, ISSUED));
      }),
    );
  });

  it('exhaustively: no other character at any position of a token is accepted', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const token = createUnsubscribeToken(KEY, SUBJECT, ISSUED);
    let tried = 0;
    for (let index = 0; index < token.length; index += 1) {
      for (const replacement of alphabet) {
        if (replacement === token[index]) continue;
        const changed = `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
        rejection(() => verifyUnsubscribeToken(KEY, changed, ISSUED));
        tried += 1;
      }
    }
    expect(tried).toBe(token.length * 63);
  });

  it('a cut-off token is malformed or tampered, never accepted', () => {
    const token = createUnsubscribeToken(KEY, SUBJECT, ISSUED);
    for (let length = 0; length < token.length; length += 1) {
      const { kind } = rejection(() => verifyUnsubscribeToken(KEY, token.slice(0, length), ISSUED));
      expect(['malformed', 'tampered']).toContain(kind);
    }
    expect(rejection(() => verifyUnsubscribeToken(KEY, token.slice(0, 12), ISSUED)).kind).toBe('malformed');
  });

  it('another key → wrong-key', () => {
    fc.assert(
      fc.property(key, key, subject, issuedAt, (k1, k2, s, at) => {
        fc.pre(!k1.equals(k2));
        const token = createUnsubscribeToken(k1, s, at);
        expect(rejection(() => verifyUnsubscribeToken(k2, token, at)).kind).toBe('wrong-key');
      }),
    );
  });

  it('older than maxAgeDays → expired; exactly maxAgeDays old is still valid', () => {
    fc.assert(
      fc.property(issuedAt, maxAgeDays, fc.integer({ min: 1, max: 400 * DAY_MS }), (at, days, over) => {
        const token = createUnsubscribeToken(KEY, SUBJECT, at);
        const limit = at.getTime() + days * DAY_MS;
        expect(verifyUnsubscribeToken(KEY, token, new Date(limit), days).email).toBe(SUBJECT.email);
        const error = rejection(() => verifyUnsubscribeToken(KEY, token, new Date(limit + over), days));
        expect(error.kind).toBe('expired');
        expect(error.message).toContain(`${days} days`);
      }),
    );
  });

  it('maxAgeDays defaults to 30', () => {
    const token = createUnsubscribeToken(KEY, SUBJECT, ISSUED);
    expect(() => verifyUnsubscribeToken(KEY, token, new Date(ISSUED.getTime() + 30 * DAY_MS))).not.toThrow();
    const late = new Date(ISSUED.getTime() + 30 * DAY_MS + 1000);
    expect(rejection(() => verifyUnsubscribeToken(KEY, token, late)).kind).toBe('expired');
  });

  it(`issued more than ${TOKEN_CLOCK_SKEW_SECONDS} s in the future → malformed; within the skew → valid`, () => {
    const token = createUnsubscribeToken(KEY, SUBJECT, ISSUED);
    const skew = TOKEN_CLOCK_SKEW_SECONDS * 1000;
    expect(() => verifyUnsubscribeToken(KEY, token, new Date(ISSUED.getTime() - skew))).not.toThrow();
    const error = rejection(() =>
      verifyUnsubscribeToken(KEY, token, new Date(ISSUED.getTime() - skew - 1000)),
    );
    expect(error.kind).toBe('malformed');
    expect(error.message).toMatch(/issued in the future/);
  });

  it('another version → unsupported-version, naming it', () => {
    const claims = JSON.stringify({ e: SUBJECT.email, t: SUBJECT.topic, i: ISSUED.getTime() / 1000 });
    const error = rejection(() => verifyUnsubscribeToken(KEY, craft(claims, 2), ISSUED));
    expect(error.kind).toBe('unsupported-version');
    expect(error.message).toContain('version 2');
  });

  it.each([
    ['not JSON', 'hello, this is not json at all'],
    ['no topic', JSON.stringify({ e: 'a@b.co', i: 1_740_830_400 })],
    ['a string time', JSON.stringify({ e: 'a@b.co', t: 'x', i: '1740830400' })],
    ['an array', JSON.stringify(['a@b.co', 'x', 1_740_830_400])],
    ['a time beyond what a Date holds', JSON.stringify({ e: 'a@b.co', t: 'x', i: 9_000_000_000_000 })],
    ['a negative time', JSON.stringify({ e: 'a@b.co', t: 'x', i: -1 })],
  ])('authentic claims that are unusable (%s) → malformed', (_name, claims) => {
    expect(rejection(() => verifyUnsubscribeToken(KEY, craft(claims), ISSUED)).kind).toBe('malformed');
  });

  it.each([
    ['empty', ''],
    ['padding', `${createUnsubscribeToken(KEY, SUBJECT, ISSUED)}=`],
    ['standard base64 characters', createUnsubscribeToken(KEY, SUBJECT, ISSUED).replace(/^./, '+')],
    ['spaces', ' x '],
    ['very long', 'A'.repeat(5000)],
  ])('not a token (%s) → malformed', (_name, token) => {
    expect(rejection(() => verifyUnsubscribeToken(KEY, token, ISSUED)).kind).toBe('malformed');
  });

  it('gives each kind its own message, none holding key material, as input errors (exit 4)', () => {
    const token = createUnsubscribeToken(KEY, SUBJECT, ISSUED);
    const bytes = Buffer.from(token, 'base64url');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    const claims = JSON.stringify({ e: SUBJECT.email, t: SUBJECT.topic, i: ISSUED.getTime() / 1000 });
    const errors = [
      rejection(() => verifyUnsubscribeToken(KEY, 'x', ISSUED)),
      rejection(() => verifyUnsubscribeToken(KEY, craft(claims, 7), ISSUED)),
      rejection(() => verifyUnsubscribeToken(OTHER_KEY, token, ISSUED)),
      rejection(() => verifyUnsubscribeToken(KEY, bytes.toString('base64url'), ISSUED)),
      rejection(() => verifyUnsubscribeToken(KEY, token, new Date(ISSUED.getTime() + 31 * DAY_MS))),
    ];
    expect(errors.map((e) => e.kind)).toEqual([
      'malformed',
      'unsupported-version',
      'wrong-key',
      'tampered',
      'expired',
    ]);
    expect(new Set(errors.map((e) => e.message)).size).toBe(5);
    for (const error of errors) {
      expect(error).toBeInstanceOf(InputError);
      expect(error.exitCode).toBe(4);
      expect(error.message).toMatch(/^unsubscribe token: /);
      for (const k of [KEY, OTHER_KEY]) {
        for (const encoding of ['hex', 'base64', 'base64url'] as const) {
          expect(error.message).not.toContain(k.toString(encoding).slice(0, 12));
        }
      }
      expect(error.message).not.toContain(SUBJECT.email);
    }
  });
});

describe('resubscribe button tokens: another purpose, minutes not days', () => {
  const MINUTE_MS = 60_000;
  it('round-trip for 15 minutes to the second, then expired', () => {
    expect(RESUBSCRIBE_TOKEN_MINUTES).toBe(15);
    const token = createResubscribeToken(KEY, SUBJECT, ISSUED);
    const atLimit = new Date(ISSUED.getTime() + 15 * MINUTE_MS);
    expect(verifyResubscribeToken(KEY, token, atLimit)).toEqual({ ...SUBJECT, issuedAt: ISSUED });
    const late = rejection(() => verifyResubscribeToken(KEY, token, new Date(atLimit.getTime() + 1000)));
    expect(late.kind).toBe('expired');
    expect(late.message).toMatch(/^resubscribe token: expired, .* more than 15 minutes ago$/);
  });

  it('a button token is never a link token, and a link token is never a button token (wrong-purpose)', () => {
    fc.assert(
      fc.property(key, subject, issuedAt, (k, s, at) => {
        const button = createResubscribeToken(k, s, at);
        const link = createUnsubscribeToken(k, s, at);
        expect(rejection(() => verifyUnsubscribeToken(k, button, at, 365)).kind).toBe('wrong-purpose');
        expect(rejection(() => verifyResubscribeToken(k, link, at)).kind).toBe('wrong-purpose');
      }),
      { numRuns: 50 },
    );
  });

  it('an unknown purpose, even from the key holder, is malformed; other keys and changes fail as for links', () => {
    const claims = JSON.stringify({
      ...{ e: SUBJECT.email, t: SUBJECT.topic },
      i: ISSUED.getTime() / 1000,
      p: 'x',
    });
    expect(rejection(() => verifyResubscribeToken(KEY, craft(claims), ISSUED)).kind).toBe('malformed');
    expect(rejection(() => verifyUnsubscribeToken(KEY, craft(claims), ISSUED)).kind).toBe('malformed');
    const button = createResubscribeToken(KEY, SUBJECT, ISSUED);
    expect(rejection(() => verifyResubscribeToken(OTHER_KEY, button, ISSUED)).kind).toBe('wrong-key');
    const bytes = Buffer.from(button, 'base64url');
    bytes[20] = (bytes[20] ?? 0) ^ 1;
    expect(rejection(() => verifyResubscribeToken(KEY, bytes.toString('base64url'), ISSUED)).kind).toBe(
      'tampered',
    );
  });
});
