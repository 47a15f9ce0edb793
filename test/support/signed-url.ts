import { type KeyObject, verify } from 'node:crypto';

/** A CloudFront canned-policy URL split into the signed resource and its three signing parameters. */
export interface SignedUrlParts {
  resource: string;
  /** Every query parameter, by name (a signed URL has exactly Expires, Key-Pair-Id and Signature). */
  params: Record<string, string>;
  expires: string;
  keyPairId: string;
  signature: string;
}

export function parseSignedUrl(url: string): SignedUrlParts {
  const queryAt = url.indexOf('?');
  const resource = queryAt < 0 ? url : url.slice(0, queryAt);
  const query = queryAt < 0 ? '' : url.slice(queryAt + 1);
  const params: Record<string, string> = Object.fromEntries(
    query
      .split('&')
      .filter((pair) => pair !== '')
      .map((pair) => {
        const at = pair.indexOf('=');
        return at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
      }),
  );
  return {
    resource,
    params,
    expires: params.Expires ?? '',
    keyPairId: params['Key-Pair-Id'] ?? '',
    signature: params.Signature ?? '',
  };
}

/** The canned policy CloudFront rebuilds from the URL (TESTING.md "CloudFront signed URLs"). */
export function cannedPolicy(resource: string, expires: string): string {
  return `{"Statement":[{"Resource":"${resource}","Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
}

/** Verifies the RSA-SHA1 signature of a canned-policy URL with node:crypto only, as CloudFront would. */
export function verifySignature(parts: SignedUrlParts, publicKey: KeyObject): boolean {
  if (!/^\d+$/.test(parts.expires) || !/^[A-Za-z0-9_~-]+$/.test(parts.signature)) return false;
  const base64 = parts.signature.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/');
  return verify(
    'RSA-SHA1',
    Buffer.from(cannedPolicy(parts.resource, parts.expires)),
    publicKey,
    Buffer.from(base64, 'base64'),
  );
}

/** The object key a signed resource points at: the path after `baseUrl`, each segment percent-decoded. */
export function decodeResourceKey(resource: string, baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  if (!resource.startsWith(`${base}/`)) throw new Error(`${resource} is not under ${base}`);
  return resource
    .slice(base.length + 1)
    .split('/')
    .map((segment) => decodeURIComponent(segment))
    .join('/');
}
