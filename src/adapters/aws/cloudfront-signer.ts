import { createPrivateKey, type KeyObject } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { getSignedUrl } from '@aws-sdk/cloudfront-signer';
import { ConfigError, DnMailerError, InputError } from '../../core/common/errors.js';
import type { LinkSigner } from '../../ports.js';

const KEY_FIELD = 'links.privateKey';
/** Signing blocks (~0.2 ms a URL); yielding now and then keeps spinners and timers alive during 40,000 of them. */
const YIELD_EVERY = 500;

export interface CloudFrontLinkSignerOptions {
  /** Distribution URL, e.g. `https://d111.cloudfront.net` (a trailing slash is tolerated). */
  baseUrl: string;
  /** CloudFront public key ID (key group). */
  keyPairId: string;
  /** The PEM private key; called at most once per signer (i.e. once per run). */
  privateKey: () => Promise<string>;
}

/**
 * Signs report links with a CloudFront canned policy (`Expires`, `Signature`, `Key-Pair-Id`). CloudFront compares
 * the policy's Resource with the request URL byte for byte, so the URL we hand out must be exactly the signed one
 * and must survive a browser's URL parser unchanged: each key segment is percent-encoded here, and the result is
 * checked against what the SDK actually signed.
 */
export function createCloudFrontLinkSigner(options: CloudFrontLinkSignerOptions): LinkSigner {
  const baseUrl = checkBaseUrl(options.baseUrl);
  let key: Promise<KeyObject> | undefined;
  // One shared promise: concurrent first calls still load (e.g. from Secrets Manager) and parse the key once.
  const loadKey = () => {
    key ??= Promise.resolve().then(options.privateKey).then(parseRsaPrivateKey);
    return key;
  };

  return {
    async signUrls(keys, expiresAt) {
      const dateLessThan = toWholeSeconds(expiresAt);
      const privateKey = await loadKey();
      const urls = new Map<string, string>();
      let signed = 0;
      for (const objectKey of keys) {
        if (urls.has(objectKey)) continue;
        const url = `${baseUrl}/${encodeKeyPath(objectKey)}`;
        urls.set(objectKey, signUrl(url, objectKey, options.keyPairId, privateKey, dateLessThan));
        signed += 1;
        if (signed % YIELD_EVERY === 0) await yieldToEventLoop();
      }
      return urls;
    },
  };
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

/**
 * @aws-sdk/cloudfront-signer 3.1166.0 first rewrites each path segment as `encodeURIComponent(decodeURIComponent(s))`
 * and signs (and returns) that rewritten URL. On a segment we already encoded with `encodeURIComponent` this is
 * the identity (`100%25.pdf` stays, `O'Brien.pdf` stays), so the returned URL starts with ours. Should a release
 * rewrite differently, the check below stops the run instead of sending links that open the wrong object.
 */
function signUrl(
  url: string,
  objectKey: string,
  keyPairId: string,
  privateKey: KeyObject,
  dateLessThan: Date,
): string {
  const signed = getSignedUrl({
    url,
    keyPairId,
    // A parsed KeyObject instead of the PEM text: node:crypto accepts it for `sign({ key })` and skips parsing
    // the PEM on every URL (about 3x faster). The SDK's type only names string | Buffer.
    privateKey: privateKey as unknown as string,
    dateLessThan,
  });
  if (!signed.startsWith(`${url}?`)) {
    throw new DnMailerError(
      `@aws-sdk/cloudfront-signer signed a different URL than the one built for ${JSON.stringify(objectKey)}`,
      { hint: 'its URL encoding changed: pin the version this project was tested with (see TESTING.md)' },
    );
  }
  return signed;
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

/** Parses once per run; messages never echo the key text. */
function parseRsaPrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    const encrypted = /ENCRYPTED/.test(pem);
    throw new ConfigError(
      `${KEY_FIELD}: ${encrypted ? 'the private key is encrypted' : 'not a PEM private key node:crypto can read'}`,
      {
        cause: error,
        hint: encrypted
          ? 'store the key without a passphrase (in Secrets Manager or a file only the runner can read)'
          : 'point links.privateKey at the PEM text (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----) ' +
            'of the key pair whose public key is in the CloudFront key group; escaped "\\n" must be real newlines',
      },
    );
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new ConfigError(
      `${KEY_FIELD}: a ${key.asymmetricKeyType ?? 'non-asymmetric'} key, not an RSA key`,
      {
        hint: 'CloudFront signed URLs (canned policy, RSA-SHA1) need the RSA private key of the key group',
      },
    );
  }
  return key;
}
