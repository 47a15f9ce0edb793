import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { listenOnLoopback } from './loopback.js';
import { FAKE_AWS_REGION } from './secrets-manager-fake.js';

export { FAKE_AWS_CREDENTIALS, FAKE_AWS_REGION } from './secrets-manager-fake.js';

export const FAKE_KMS_ACCOUNT = '123456789012';

export interface KmsRequest {
  /** `TrentService.Encrypt`, `TrentService.Decrypt`, … */
  target: string | undefined;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export type KmsKeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';

export interface KmsFakeKey {
  /** The key id (a UUID). */
  keyId: string;
  keyArn: string;
}

export interface KmsFakeError {
  type: string;
  message: string;
  /** HTTP status (default 400). */
  status?: number;
}

export interface KmsFake {
  /** `http://127.0.0.1:<port>`, the SDK client's `endpoint`. */
  readonly endpoint: string;
  readonly requests: KmsRequest[];
  /** A new enabled key with its own random 256-bit key material, reachable by id, ARN and (if given) alias. */
  createKey(alias?: string): KmsFakeKey;
  /** Points an alias (`alias/…`) at a key. */
  createAlias(alias: string, keyRef: string): void;
  disableKey(keyRef: string): void;
  setKeyState(keyRef: string, state: KmsKeyState): void;
  /** The next `n` requests are answered `ThrottlingException` (HTTP 400), whatever they ask. */
  throttleNext(n: number): void;
  /** The next `n` requests are answered with this error. */
  failNext(n: number, error: KmsFakeError): void;
  /** Requests for one operation (`Encrypt` / `Decrypt`). */
  calls(operation: 'Encrypt' | 'Decrypt'): KmsRequest[];
  reset(): void;
  stop(): Promise<void>;
}

const JSON_11 = 'application/x-amz-json-1.1';
const BLOB_VERSION = 1;
const KEY_ID_CHARS = 36;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/**
 * A real KMS ciphertext blob carries 152 bytes besides the encrypted plaintext (measured on published Encrypt
 * outputs: a 7-byte plaintext gives 159 bytes, a 20-byte one 172). The fake's blob has the same overhead — version,
 * key id, reserved zeros, IV, tag — so the adapter's length rules meet tokens of realistic sizes.
 */
export const REAL_KMS_BLOB_OVERHEAD = 152;
const HEADER_BYTES = REAL_KMS_BLOB_OVERHEAD - IV_BYTES - TAG_BYTES;

interface KeyRecord extends KmsFakeKey {
  material: Buffer;
  state: KmsKeyState;
}

class KmsFault extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * A fake of AWS KMS `Encrypt` and `Decrypt` speaking the JSON 1.1 protocol (POST /, `X-Amz-Target:
 * TrentService.<Operation>`, blobs base64 in JSON, errors `{ "__type", "message" }`) on 127.0.0.1. Real crypto:
 * AES-256-GCM under each key's own random material, the blob's header and the encryption context (keys sorted) as
 * additional data, so a changed byte or another context is `InvalidCiphertextException` as in KMS.
 *
 * Blob: version (1) · key id (36 ASCII) · reserved zeros (to the real header size) · IV (12) · ciphertext · tag (16).
 */
export async function startKmsFake(): Promise<KmsFake> {
  const keys = new Map<string, KeyRecord>();
  const aliases = new Map<string, string>();
  const requests: KmsRequest[] = [];
  const pendingFaults: KmsFakeError[] = [];

  function resolveKey(ref: unknown): KeyRecord {
    if (typeof ref !== 'string' || ref === '') throw new KmsFault('ValidationException', 'KeyId is required');
    const aliasName = /^arn:aws:kms:[^:]+:\d{12}:(alias\/.+)$/.exec(ref)?.[1] ?? ref;
    if (aliasName.startsWith('alias/')) {
      const target = aliases.get(aliasName);
      const key = target === undefined ? undefined : keys.get(target);
      if (!key) throw new KmsFault('NotFoundException', `Alias ${aliasArn(aliasName)} is not found.`);
      return key;
    }
    const id = /^arn:aws:kms:[^:]+:\d{12}:key\/(.+)$/.exec(ref)?.[1] ?? ref;
    const key = keys.get(id);
    if (!key) throw new KmsFault('NotFoundException', `Key '${keyArn(id)}' does not exist`);
    return key;
  }

  function checkUsable(key: KeyRecord): void {
    if (key.state === 'Disabled') throw new KmsFault('DisabledException', `${key.keyArn} is disabled.`);
    if (key.state === 'PendingDeletion') {
      throw new KmsFault('KMSInvalidStateException', `${key.keyArn} is pending deletion.`);
    }
  }

  function encrypt(body: Record<string, unknown>): unknown {
    const key = resolveKey(body.KeyId);
    checkUsable(key);
    const plaintext = readBlob(body.Plaintext, 'Plaintext');
    if (plaintext.length === 0 || plaintext.length > 4096) {
      throw new KmsFault('ValidationException', 'Plaintext must be 1 to 4096 bytes');
    }
    const header = Buffer.alloc(HEADER_BYTES);
    header[0] = BLOB_VERSION;
    header.write(key.keyId, 1, 'ascii');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.material, iv);
    cipher.setAAD(additionalData(header, body.EncryptionContext));
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      CiphertextBlob: Buffer.concat([header, iv, sealed, cipher.getAuthTag()]).toString('base64'),
      KeyId: key.keyArn,
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    };
  }

  function decrypt(body: Record<string, unknown>): unknown {
    const blob = readBlob(body.CiphertextBlob, 'CiphertextBlob');
    const asked = body.KeyId === undefined ? undefined : resolveKey(body.KeyId);
    const invalid = () => new KmsFault('InvalidCiphertextException', '');
    if (blob.length < HEADER_BYTES + IV_BYTES + TAG_BYTES + 1 || blob[0] !== BLOB_VERSION) throw invalid();
    const blobKeyId = blob.subarray(1, 1 + KEY_ID_CHARS).toString('latin1');
    if (asked && asked.keyId !== blobKeyId) {
      throw new KmsFault(
        'IncorrectKeyException',
        'The key ID in the request does not identify a CMK that can perform this operation.',
      );
    }
    const key = asked ?? keys.get(blobKeyId);
    if (!key) throw invalid();
    checkUsable(key);
    const header = blob.subarray(0, HEADER_BYTES);
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        key.material,
        blob.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES),
        {
          authTagLength: TAG_BYTES,
        },
      );
      decipher.setAAD(additionalData(header, body.EncryptionContext));
      decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES));
      const plaintext = Buffer.concat([
        decipher.update(blob.subarray(HEADER_BYTES + IV_BYTES, blob.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return {
        KeyId: key.keyArn,
        Plaintext: plaintext.toString('base64'),
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    } catch {
      throw invalid();
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawTarget = req.headers['x-amz-target'];
      const target = Array.isArray(rawTarget) ? rawTarget[0] : rawTarget;
      const body = parseOrUndefined(Buffer.concat(chunks).toString('utf8'));
      requests.push({ target, headers: req.headers, body });
      const reply = (status: number, payload: unknown) => {
        const text = JSON.stringify(payload);
        res.writeHead(status, {
          'content-type': JSON_11,
          'content-length': Buffer.byteLength(text),
          'x-amzn-requestid': `req-${requests.length}`,
        });
        res.end(text);
      };
      const fault = pendingFaults.shift();
      if (fault) return reply(fault.status ?? 400, { __type: fault.type, message: fault.message });
      const input = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
      try {
        if (req.method === 'POST' && target === 'TrentService.Encrypt') return reply(200, encrypt(input));
        if (req.method === 'POST' && target === 'TrentService.Decrypt') return reply(200, decrypt(input));
        reply(400, { __type: 'UnknownOperationException', message: `unknown operation ${target}` });
      } catch (error) {
        if (!(error instanceof KmsFault)) throw error;
        reply(error.status, { __type: error.type, message: error.message });
      }
    });
  });
  const origin = await listenOnLoopback(server);

  return {
    endpoint: origin,
    requests,
    createKey(alias) {
      const keyId = randomUUID();
      keys.set(keyId, { keyId, keyArn: keyArn(keyId), material: randomBytes(32), state: 'Enabled' });
      if (alias !== undefined) aliases.set(alias, keyId);
      return { keyId, keyArn: keyArn(keyId) };
    },
    createAlias(alias, keyRef) {
      aliases.set(alias, resolveKey(keyRef).keyId);
    },
    disableKey(keyRef) {
      resolveKey(keyRef).state = 'Disabled';
    },
    setKeyState(keyRef, state) {
      resolveKey(keyRef).state = state;
    },
    throttleNext(n) {
      for (let i = 0; i < n; i += 1)
        pendingFaults.push({ type: 'ThrottlingException', message: 'Rate exceeded' });
    },
    failNext(n, error) {
      for (let i = 0; i < n; i += 1) pendingFaults.push(error);
    },
    calls: (operation) => requests.filter((r) => r.target === `TrentService.${operation}`),
    reset() {
      requests.length = 0;
      pendingFaults.length = 0;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

function keyArn(keyId: string): string {
  return `arn:aws:kms:${FAKE_AWS_REGION}:${FAKE_KMS_ACCOUNT}:key/${keyId}`;
}

function aliasArn(alias: string): string {
  return `arn:aws:kms:${FAKE_AWS_REGION}:${FAKE_KMS_ACCOUNT}:${alias}`;
}

function readBlob(value: unknown, field: string): Buffer {
  if (typeof value !== 'string') throw new KmsFault('ValidationException', `${field} is required`);
  return Buffer.from(value, 'base64');
}

/** The header and the encryption context, keys sorted: KMS binds the context to the ciphertext, order-free. */
function additionalData(header: Buffer, context: unknown): Buffer {
  const entries =
    typeof context === 'object' && context !== null
      ? Object.entries(context as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      : [];
  return Buffer.concat([header, Buffer.from(entries.length === 0 ? '' : JSON.stringify(entries), 'utf8')]);
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
