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

  it('scrubs exactly what a scan of every key-material run for known pieces scrubs (the fast scan changes no byte)', () => {
    const secrets = registry();
    const keyMaterial = PEM_LINES.join('');
    // The reference: every maximal run of 10+ key characters, each 10-character window looked up as a string.
    const pieces = new Set<string>();
    for (const part of [API_KEY, ...PEM_LINES])
      for (let i = 0; i + 10 <= part.length; i += 1) pieces.add(part.slice(i, i + 10));
    const reference = (text: string) =>
      text.replace(/[A-Za-z0-9+/=_\-.~:]{10,}/g, (run) => {
        for (let i = 0; i + 10 <= run.length; i += 1) if (pieces.has(run.slice(i, i + 10))) return '\u0000';
        return run;
      });
    const alphabet = 'ABCxyz019+/=_-.~: <>"&é\n';
    const noise = fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 40 });
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(noise, fc.nat(keyMaterial.length - 1), fc.integer({ min: 0, max: 40 }), fc.boolean()),
        ),
        (parts) => {
          const text = parts
            .map(([n, start, len, api]) => n + (api ? API_KEY : keyMaterial).slice(start, start + len))
            .join('');
          const out = secrets.scrub(text);
          // Runs without a known piece come through byte for byte; runs with one are gone.
          const expected = reference(text);
          const kept = expected.split('\u0000');
          let at = 0;
          for (const piece of kept) {
            const found = out.indexOf(piece, at);
            if (found < 0) return false;
            at = found + piece.length;
          }
          for (const piece of pieces) if (out.includes(piece)) return false;
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('finds a registered value wherever it sits, past the first character and at the very end', () => {
    const secrets = createSecretRegistry();
    secrets.register('pa ss"word!', 'users.korrect.apiKey');
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), (a, b) => {
        fc.pre(!`${a}${b}`.includes('pa ss') && !a.endsWith('p'));
        return secrets.scrub(`${a}pa ss"word!${b}`) === `${a}[secret users.korrect.apiKey]${b}`;
      }),
    );
  });
});
