import type { KeyObject } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ConfigError, DnMailerError, InputError } from '../../core/common/errors.js';
import type { LinkSigner } from '../../ports.js';
import { parseRsaPrivateKey, signUrl } from './cloudfront-signing.js';
import {
  countSigningWorkers,
  createSignPool,
  defaultSigningThreads,
  type SigningThreads,
  type SignPool,
} from './sign-pool.js';

/** Signing blocks (~0.2 ms a URL); yielding now and then keeps spinners and timers alive during 40,000 of them. */
const YIELD_EVERY = 500;

export interface CloudFrontLinkSignerOptions {
  /** Distribution URL, e.g. `https://d111.cloudfront.net` (a trailing slash is tolerated). */
  baseUrl: string;
  /** CloudFront public key ID (key group). */
  keyPairId: string;
  /** The PEM private key; called at most once per signer (i.e. once per run). */
  privateKey: () => Promise<string>;
  /** When batches are signed on worker threads, and how many (default: one per core, from 500 URLs a batch on). */
  threads?: Partial<SigningThreads> | undefined;
}

interface LoadedKey {
  pem: string;
  key: KeyObject;
}

/**
 * Signs report links with a CloudFront canned policy (`Expires`, `Signature`, `Key-Pair-Id`). CloudFront compares
 * the policy's Resource with the request URL byte for byte, so the URL we hand out must be exactly the signed one
 * and must survive a browser's URL parser unchanged: each key segment is percent-encoded here, and the result is
 * checked against what the SDK actually signed.
 */
export function createCloudFrontLinkSigner(options: CloudFrontLinkSignerOptions): LinkSigner {
  const baseUrl = checkBaseUrl(options.baseUrl);
  const threads: SigningThreads = { ...defaultSigningThreads(), ...options.threads };
  let loaded: Promise<LoadedKey> | undefined;
  // One shared promise: concurrent first calls still load (e.g. from Secrets Manager) and parse the key once.
  // Parsed here even when workers sign: a bad key fails the same way, before any worker starts.
  const loadKey = () => {
    loaded ??= Promise.resolve()
      .then(options.privateKey)
      .then((pem) => ({ pem, key: parseRsaPrivateKey(pem) }));
    return loaded;
  };
  let pool: SignPool | undefined;

  return {
    async signUrls(keys, expiresAt) {
      const dateLessThan = toWholeSeconds(expiresAt);
      const { pem, key } = await loadKey();
      const objectKeys = [...new Set(keys)];
      const urls = objectKeys.map((objectKey) => `${baseUrl}/${encodeKeyPath(objectKey)}`);
      const workers = countSigningWorkers(urls.length, threads);
      let signed: string[];
      if (workers === 0) {
        signed = await signOnMainThread(urls, objectKeys, options.keyPairId, key, dateLessThan);
      } else {
        pool ??= createSignPool({
          pem,
          keyPairId: options.keyPairId,
          idleMs: threads.idleMs,
          onStart: threads.onStart,
        });
        signed = await pool.sign({ urls, objectKeys, dateLessThan }, workers);
      }
      return new Map(objectKeys.map((objectKey, index) => [objectKey, signed[index] ?? '']));
    },
  };
}

async function signOnMainThread(
  urls: readonly string[],
  objectKeys: readonly string[],
  keyPairId: string,
  key: KeyObject,
  dateLessThan: Date,
): Promise<string[]> {
  const signed: string[] = [];
  for (const [index, url] of urls.entries()) {
    signed.push(signUrl(url, objectKeys[index] ?? '', keyPairId, key, dateLessThan));
    if (signed.length % YIELD_EVERY === 0) await yieldToEventLoop();
  }
  return signed;
}

/**
 * `baseUrl/` plus every `/`-separated segment of the key through `encodeURIComponent`, so spaces, `+`, `=`, `%`,
 * `#`, `?` and non-ASCII reach S3 as the same key. Note `encodeURIComponent` keeps `'`, `!`, `*`, `(`, `)` and `~`
 * as they are; browsers keep them too, and so does the SDK (see signUrl).
 */
export function encodeKeyPath(objectKey: string): string {
  const segments = objectKey.split('/');
  // Browsers resolve `.` and `..` segments before sending the request: the link would point at another object
  // and no longer match its signature.
  if (objectKey === '' || segments.some((segment) => segment === '.' || segment === '..')) {
    throw new InputError(`report key ${JSON.stringify(objectKey)} cannot be a download link`, {
      hint: 'a key must not be empty or contain "." or ".." path segments',
    });
  }
  try {
    return segments.map(encodeURIComponent).join('/');
  } catch (error) {
    // encodeURIComponent refuses lone UTF-16 surrogates, which no S3 key (UTF-8) can contain.
    throw new InputError(`report key ${JSON.stringify(objectKey)} is not valid Unicode`, { cause: error });
  }
}

/** The SDK rounds to the nearest second; flooring keeps `Expires` never later than the expiry we were given. */
function toWholeSeconds(expiresAt: Date): Date {
  const ms = expiresAt.getTime();
  if (Number.isNaN(ms)) throw new DnMailerError('signUrls: expiresAt is not a valid date');
  return new Date(Math.floor(ms / 1000) * 1000);
}

function checkBaseUrl(value: string): string {
  const baseUrl = value.replace(/\/+$/, '');
  let parsed: URL | undefined;
  try {
    parsed = new URL(baseUrl);
  } catch {
    parsed = undefined;
  }
  // A query or fragment would end up before the key and the signing parameters would be appended to it.
  if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.search !== '' || parsed.hash !== '') {
    throw new ConfigError(`links.baseUrl: ${JSON.stringify(value)} is not a plain http(s) URL`, {
      hint: 'use the distribution URL, e.g. https://d111111abcdef8.cloudfront.net (no query, no fragment)',
    });
  }
  return baseUrl;
}
