import type { KeyObject } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { DnMailerError } from '../../core/common/errors.js';
import { parseRsaPrivateKey, signUrl } from './cloudfront-signing.js';
import type { FromSignWorker, SignFailure, ToSignWorker } from './sign-pool.js';

/**
 * A link-signing worker (started by sign-pool.ts): parses the PEM it is sent once, then signs each batch of URLs
 * with the same rules as the main thread (cloudfront-signing.ts) and answers with the signed URLs in order.
 * Errors go back as data, never with the key text; the pool terminates the worker once it has been idle a while.
 */

let key: KeyObject | undefined;
let keyFailure: SignFailure = {
  name: 'DnMailerError',
  message: 'a link-signing worker got no key',
  hint: undefined,
};
let keyPairId = '';

const port = parentPort;
port?.on('message', (message: ToSignWorker) => {
  if (message.type === 'key') {
    keyPairId = message.keyPairId;
    try {
      key = parseRsaPrivateKey(message.pem);
    } catch (error) {
      keyFailure = describeFailure(error);
    }
    return;
  }
  port.postMessage(signBatch(message));
});

function signBatch(batch: Extract<ToSignWorker, { type: 'sign' }>): FromSignWorker {
  if (key === undefined) return { type: 'failed', failure: keyFailure };
  const dateLessThan = new Date(batch.dateLessThan);
  const urls: string[] = [];
  try {
    for (const [index, url] of batch.urls.entries()) {
      urls.push(signUrl(url, batch.objectKeys[index] ?? '', keyPairId, key, dateLessThan));
    }
  } catch (error) {
    return { type: 'failed', failure: describeFailure(error) };
  }
  return { type: 'signed', urls };
}

/** Our errors carry no key material (parseRsaPrivateKey's messages name the field, not the text). */
function describeFailure(error: unknown): SignFailure {
  if (error instanceof DnMailerError) return { name: error.name, message: error.message, hint: error.hint };
  return {
    name: 'DnMailerError',
    message: `signing a link failed: ${error instanceof Error ? error.message : String(error)}`,
    hint: undefined,
  };
}
