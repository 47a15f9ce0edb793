import { createPrivateKey, type KeyObject } from 'node:crypto';
import { getSignedUrl } from '@aws-sdk/cloudfront-signer';
import { ConfigError, DnMailerError } from '../../core/common/errors.js';

/**
 * The signing rules, in one place for the main thread and the signing workers (sign-worker.ts): reading the
 * private key and signing one URL, checked against what the SDK actually signed.
 */

const KEY_FIELD = 'links.privateKey';

/**
 * @aws-sdk/cloudfront-signer 3.1166.0 first rewrites each path segment as `encodeURIComponent(decodeURIComponent(s))`
 * and signs (and returns) that rewritten URL. On a segment we already encoded with `encodeURIComponent` this is
 * the identity (`100%25.pdf` stays, `O'Brien.pdf` stays), so the returned URL starts with ours. Should a release
 * rewrite differently, the check below stops the run instead of sending links that open the wrong object.
 */
export function signUrl(
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

/** Parses once per run (and once per signing worker); messages never echo the key text. */
export function parseRsaPrivateKey(pem: string): KeyObject {
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
