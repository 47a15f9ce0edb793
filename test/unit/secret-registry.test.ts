import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSecretRegistry } from '../../src/core/common/secret-registry.js';

const API_KEY = 'SECRETKEYVALUE-7f3a9c1e5b2d8f4a';
const PEM = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string;
const PEM_LINES = PEM.split('\n').filter((line) => line.length > 0 && !line.startsWith('-----'));

function registry() {
  const secrets = createSecretRegistry();
  secrets.register(API_KEY, 'users.korrect.apiKey');
  secrets.register(PEM, 'links.privateKey');
  return secrets;
}

describe('secret registry', () => {
  it('passes text through untouched while nothing is registered', () => {
    const secrets = createSecretRegistry();
    expect(secrets.empty).toBe(true);
    expect(secrets.scrub(`x ${API_KEY} y`)).toBe(`x ${API_KEY} y`);
  });

  it.each([
    ['as is', `Headers.append: "${API_KEY}" is an invalid header value`],
    ['JSON-escaped', JSON.stringify({ message: `bad ${API_KEY}\n` })],
    ['URL-encoded', `GET /x?key=${encodeURIComponent(API_KEY)}`],
    [
      'a 10-character piece quoted by JSON.parse',
      `Unexpected token 'S', "${API_KEY.slice(0, 10)}"... is not valid JSON`,
    ],
    ['a piece from the middle', `…${API_KEY.slice(5, 22)}…`],
  ])('scrubs the API key %s', (_, text) => {
    const out = registry().scrub(text);
    expect(out).toContain('[secret users.korrect.apiKey]');
    for (let i = 0; i + 10 <= API_KEY.length; i += 1) expect(out).not.toContain(API_KEY.slice(i, i + 10));
  });

  it('scrubs a PEM key whole, escaped, and line by line', () => {
    const secrets = registry();
    const texts = [PEM, JSON.stringify({ privateKey: PEM }), `error near: ${PEM_LINES[3]}`];
    for (const text of texts) {
      const out = secrets.scrub(text);
      for (const line of PEM_LINES) expect(out).not.toContain(line.slice(0, 10));
      expect(out).toContain('[secret links.privateKey]');
    }
  });

  it('scrubs a multi-line value with a control character (the newline key that broke the header)', () => {
    const secrets = createSecretRegistry();
    secrets.register('SECRETKEYVALUE\nline2', 'users.korrect.apiKey');
    expect(secrets.scrub('Headers.append: "SECRETKEYVALUE\nline2" is invalid')).toBe(
      'Headers.append: "[secret users.korrect.apiKey]" is invalid',
    );
    expect(secrets.scrub(JSON.stringify('SECRETKEYVALUE\nline2'))).toBe('"[secret users.korrect.apiKey]"');
  });

  it('keeps ordinary text and the PEM armour lines', () => {
    const text = 'Loading users from Korrect… 5 recipients; -----BEGIN PRIVATE KEY----- is public';
    expect(registry().scrub(text)).toBe(text);
  });

  it('never lets a 10-character piece of a registered key through, wherever it sits in random text', () => {
    const secrets = registry();
    fc.assert(
      fc.property(
        fc.string(),
        fc.nat(API_KEY.length - 10),
        fc.integer({ min: 10, max: 32 }),
        fc.string(),
        (a, start, len, b) => {
          const piece = API_KEY.slice(start, start + len);
          const out = secrets.scrub(`${a}${piece}${b}`);
          return !out.includes(API_KEY.slice(start, start + 10));
        },
      ),
    );
  });
});
