import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/common/errors.js';
import { parseTokenKey } from '../../src/core/unsubscribe/unsubscribe-token.js';

const key = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes));

describe('parseTokenKey', () => {
  it('reads 32 bytes as hex, base64 (padded or not) and base64url, around whitespace', () => {
    fc.assert(
      fc.property(key, fc.constantFrom('', '\n', ' \r\n'), (k, space) => {
        for (const text of [
          k.toString('hex'),
          k.toString('hex').toUpperCase(),
          k.toString('base64'),
          k.toString('base64').replace(/=+$/, ''),
          k.toString('base64url'),
        ]) {
          expect(parseTokenKey(`${space}${text}${space}`)).toEqual(k);
        }
      }),
    );
  });

  it.each([
    ['empty', ''],
    ['31 bytes', Buffer.alloc(31, 1).toString('base64')],
    ['33 bytes', Buffer.alloc(33, 1).toString('base64')],
    ['63 hex characters', 'a'.repeat(63)],
    ['a passphrase', 'correct horse battery staple, correct horse!'],
  ])('refuses %s as a config error naming unsubscribe.tokenKey, with how to make one', (_name, text) => {
    const error = (() => {
      try {
        parseTokenKey(text);
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('accepted');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^unsubscribe\.tokenKey: /);
    expect(error.hint).toContain('openssl rand -base64 32');
    if (text.length > 3) expect(error.message).not.toContain(text.slice(0, 10));
  });
});
