import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCloudFrontLinkSigner } from '../../src/adapters/aws/cloudfront-signer.js';
import { ConfigError, InputError } from '../../src/core/common/errors.js';
import { AWKWARD_REPORT_KEYS } from '../support/awkward-report-keys.js';
import { decodeResourceKey, parseSignedUrl, verifySignature } from '../support/signed-url.js';

// No CloudFront peer exists: each URL is checked the way CloudFront checks it (TESTING.md), with node:crypto only.
const BASE_URL = 'https://d111111abcdef8.cloudfront.net';
const KEY_PAIR_ID = 'K2JCJMDEHXQW5F';
const KEYS = [...AWKWARD_REPORT_KEYS];
// Sub-second part on purpose: the SDK rounds, CloudFront's Expires must be floor(expiresAt / 1000).
const EXPIRES_AT = new Date('2025-02-28T10:20:30.999Z');

let privatePem: string;
let publicKey: KeyObject;
let otherPublicKey: KeyObject;

beforeAll(() => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  publicKey = pair.publicKey;
  otherPublicKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
});

function createSigner(privateKey = async () => privatePem, baseUrl = BASE_URL) {
  return createCloudFrontLinkSigner({ baseUrl, keyPairId: KEY_PAIR_ID, privateKey });
}

interface CheckedUrl {
  resource: string;
  expires: number;
  keyPairId: string;
  valid: boolean;
}

/** Splits off the signing parameters, rebuilds the canned policy and verifies the RSA-SHA1 signature. */
function checkSignedUrl(url: string, key: KeyObject): CheckedUrl {
  const parts = parseSignedUrl(url);
  expect(Object.keys(parts.params).sort()).toEqual(['Expires', 'Key-Pair-Id', 'Signature']);
  expect(parts.expires).toMatch(/^\d+$/);
  expect(parts.signature).toMatch(/^[A-Za-z0-9_~-]+$/);
  return {
    resource: parts.resource,
    expires: Number(parts.expires),
    keyPairId: parts.keyPairId,
    valid: verifySignature(parts, key),
  };
}

function decodeKey(resource: string): string {
  return decodeResourceKey(resource, BASE_URL);
}

describe('CloudFront link signer (canned policy)', () => {
  let urls: Map<string, string>;
  beforeAll(async () => {
    urls = await createSigner().signUrls(KEYS, EXPIRES_AT);
  });

  it('signs one URL per key', () => {
    expect([...urls.keys()]).toEqual(KEYS);
  });

  it.each(KEYS)('%s: the signature verifies against the rebuilt canned policy', (key) => {
    const url = urls.get(key) ?? '';
    const checked = checkSignedUrl(url, publicKey);
    expect(checked.valid).toBe(true);
    expect(checked.keyPairId).toBe(KEY_PAIR_ID);
    expect(checked.expires).toBe(Math.floor(EXPIRES_AT.getTime() / 1000));
    expect(checked.resource.startsWith(`${BASE_URL}/`)).toBe(true);
    expect(decodeKey(checked.resource)).toBe(key);
  });

  it.each(KEYS)('%s: a browser keeps the signed URL as it is', (key) => {
    const url = urls.get(key) ?? '';
    const { resource } = checkSignedUrl(url, publicKey);
    const parsed = new URL(url);
    expect(parsed.href).toBe(url);
    expect(parsed.pathname).toBe(resource.slice(BASE_URL.length));
    expect(parsed.hash).toBe('');
  });

  it('encodes what S3 and URLs treat specially, per segment', () => {
    expect(urls.get('Exports/2025/01/A B/A B.zip')).toMatch(/^[^?]*\/Exports\/2025\/01\/A%20B\/A%20B\.zip\?/);
    expect(urls.get('x/a+b=c.pdf')).toContain('/x/a%2Bb%3Dc.pdf?');
    expect(urls.get('x/100%.pdf')).toContain('/x/100%25.pdf?');
    expect(urls.get("x/O'Brien.pdf")).toContain("/x/O'Brien.pdf?");
    expect(urls.get('x/Zoë 日本.pdf')).toContain('/x/Zo%C3%AB%20%E6%97%A5%E6%9C%AC.pdf?');
    expect(urls.get('x/a#b?c&d.pdf')).toContain('/x/a%23b%3Fc%26d.pdf?');
  });

  it('a signature does not open another key (tampered URL)', () => {
    const original = urls.get(KEYS[0] ?? '') ?? '';
    const other = urls.get(KEYS[1] ?? '') ?? '';
    const tampered = other.slice(0, other.indexOf('?')) + original.slice(original.indexOf('?'));
    expect(checkSignedUrl(tampered, publicKey).valid).toBe(false);
    const later = original.replace(/Expires=\d+/, (match) => `${match}0`);
    expect(checkSignedUrl(later, publicKey).valid).toBe(false);
  });

  it('does not verify with another public key', () => {
    for (const url of urls.values()) expect(checkSignedUrl(url, otherPublicKey).valid).toBe(false);
  });

  it('arbitrary Unicode keys round-trip and verify (property)', async () => {
    const signer = createSigner();
    const segment = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
      .filter((s) => !s.includes('/') && s !== '.' && s !== '..');
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 4 }), async (segments) => {
        const key = segments.join('/');
        const url = (await signer.signUrls([key], EXPIRES_AT)).get(key) ?? '';
        const checked = checkSignedUrl(url, publicKey);
        expect(checked.valid).toBe(true);
        expect(decodeKey(checked.resource)).toBe(key);
        expect(new URL(url).pathname).toBe(checked.resource.slice(BASE_URL.length));
      }),
      { numRuns: 150 },
    );
  });
});

describe('CloudFront link signer: key loading and inputs', () => {
  it('loads the private key once for many (and concurrent) signUrls calls', async () => {
    let loads = 0;
    const signer = createSigner(async () => {
      loads += 1;
      return privatePem;
    });
    await Promise.all([signer.signUrls(KEYS, EXPIRES_AT), signer.signUrls(KEYS, EXPIRES_AT)]);
    for (let i = 0; i < 5; i += 1) await signer.signUrls([`x/${i}.pdf`], EXPIRES_AT);
    expect(loads).toBe(1);
  });

  it('signs a duplicated key once and tolerates a trailing slash on baseUrl', async () => {
    const signed = await createSigner(undefined, `${BASE_URL}/`).signUrls(['a.pdf', 'a.pdf'], EXPIRES_AT);
    expect(signed.size).toBe(1);
    expect(signed.get('a.pdf')?.startsWith(`${BASE_URL}/a.pdf?Expires=`)).toBe(true);
  });

  it.each([
    ['not PEM at all', 'SECRET-MATERIAL-not-a-key'],
    ['a truncated PEM', () => `${privatePem.slice(0, 300)}\n-----END PRIVATE KEY-----\n`],
    ['a public key', () => publicKey.export({ type: 'spki', format: 'pem' }).toString()],
    ['an EC key', () => ecPem()],
    ['an encrypted key', () => encryptedPem()],
  ])('refuses %s with a ConfigError naming links.privateKey, without key material', async (_, source) => {
    const text = typeof source === 'string' ? source : source();
    const error = await createSigner(async () => text)
      .signUrls(['a.pdf'], EXPIRES_AT)
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(error).toBeInstanceOf(ConfigError);
    const { message, hint } = error as ConfigError;
    expect(message).toMatch(/^links\.privateKey: /);
    expect(hint).toBeTruthy();
    const body = text.split('\n')[1] ?? text;
    expect(`${message} ${hint}`).not.toContain(body.slice(0, 16));
  });

  it.each(['', 'x/../a.pdf', './a.pdf', 'x/\uD800.pdf'])('refuses the report key %j', async (key) => {
    await expect(createSigner().signUrls([key], EXPIRES_AT)).rejects.toThrow(InputError);
  });

  it.each(['https://d1.cloudfront.net?x=1', 'https://d1.cloudfront.net#top', 'd1.cloudfront.net'])(
    'refuses the base URL %s',
    (baseUrl) => {
      expect(() => createSigner(undefined, baseUrl)).toThrow(/links\.baseUrl/);
    },
  );
});

function ecPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function encryptedPem(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey
    .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'demo' })
    .toString();
}
