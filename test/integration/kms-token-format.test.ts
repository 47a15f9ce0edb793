import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createKmsClient } from '../../src/adapters/aws/clients.js';
import { DEFAULT_KMS_RETRY } from '../../src/adapters/aws/kms-calls.js';
import {
  createKmsTokenFormat,
  ENCRYPTION_CONTEXT,
  type KmsTokenFormatOptions,
  MIN_CIPHERTEXT_BYTES,
} from '../../src/adapters/aws/kms-token-format.js';
import { BackendError, ConfigError, ExitCode } from '../../src/core/common/errors.js';
import type { TokenFormat } from '../../src/core/unsubscribe/token-format.js';
import {
  createUnsubscribeToken,
  UnsubscribeTokenError,
} from '../../src/core/unsubscribe/unsubscribe-token.js';
import { FAKE_AWS_CREDENTIALS, FAKE_AWS_REGION, type KmsFake, startKmsFake } from '../support/kms-fake.js';

const ALIAS = 'alias/dn-unsubscribe';
const NOW = new Date('2026-01-01T00:00:00.123Z');
const SUBJECT = { email: 'ana@example.com', topic: 'financial-reports', purpose: 'unsubscribe' } as const;

let fake: KmsFake;
let client: KMSClient;
let sleeps: number[];

beforeAll(async () => {
  fake = await startKmsFake();
  fake.createKey(ALIAS);
  fake.createKey('alias/other');
  // The client exactly as the CLI and the Lambda build it: everything from the SDK chain, the endpoint included.
  vi.stubEnv('AWS_ENDPOINT_URL_KMS', fake.endpoint);
  vi.stubEnv('AWS_REGION', FAKE_AWS_REGION);
  vi.stubEnv('AWS_ACCESS_KEY_ID', FAKE_AWS_CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', FAKE_AWS_CREDENTIALS.secretAccessKey);
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  client = createKmsClient();
});
afterAll(async () => {
  client.destroy();
  vi.unstubAllEnvs();
  await fake.stop();
});
beforeEach(() => {
  fake.reset();
  sleeps = [];
});

function createFormat(options: Partial<KmsTokenFormatOptions> = {}): TokenFormat {
  return createKmsTokenFormat(client, {
    keyId: ALIAS,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...options,
  });
}

/** What the old Lambda might have done: Encrypt any plaintext, with or without a context, straight through the SDK. */
async function encryptDirectly(plaintext: string, context?: Record<string, string>): Promise<string> {
  const output = await client.send(
    new EncryptCommand({
      KeyId: ALIAS,
      Plaintext: Buffer.from(plaintext, 'utf8'),
      ...(context ? { EncryptionContext: context } : {}),
    }),
  );
  return Buffer.from(output.CiphertextBlob ?? []).toString('base64url');
}

async function decryptDirectly(token: string, context?: Record<string, string>): Promise<string> {
  const output = await client.send(
    new DecryptCommand({
      CiphertextBlob: Buffer.from(token, 'base64url'),
      ...(context ? { EncryptionContext: context } : {}),
    }),
  );
  return Buffer.from(output.Plaintext ?? []).toString('utf8');
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

async function tokenError(promise: Promise<unknown>): Promise<UnsubscribeTokenError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(UnsubscribeTokenError);
  return error as UnsubscribeTokenError;
}

/** A character at `index` changed to another base64url character that keeps the token canonical. */
function changeChar(token: string, index: number): string {
  const current = token[index];
  const replacement = current === 'A' ? 'Q' : 'A';
  return token.slice(0, index) + replacement + token.slice(index + 1);
}

describe('KMS token format: sealing', () => {
  it('encrypts {"email","topic","timestamp"} (ms) under the key and the encryption context, base64url', async () => {
    const token = await createFormat().seal(SUBJECT, NOW);

    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    const [request, ...more] = fake.requests;
    expect(more).toEqual([]);
    expect(request?.target).toBe('TrentService.Encrypt');
    expect(request?.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDFAKE\/\d{8}\/us-east-1\/kms\//,
    );
    expect(request?.body).toEqual({
      KeyId: ALIAS,
      Plaintext: expect.any(String),
      EncryptionContext: { purpose: 'dn-unsubscribe' },
    });
    expect(ENCRYPTION_CONTEXT).toEqual({ purpose: 'dn-unsubscribe' });

    // The bytes the deployed endpoint would decrypt: exactly these three fields, in this order.
    const plaintext = await decryptDirectly(token, { purpose: 'dn-unsubscribe' });
    expect(plaintext).toBe(
      '{"email":"ana@example.com","topic":"financial-reports","timestamp":1767225600123}',
    );
    // The context is bound to the ciphertext: without it KMS refuses the blob.
    expect((await rejection(decryptDirectly(token))).name).toBe('InvalidCiphertextException');
  });

  it('adds "purpose":"resubscribe" to a resubscribe button token, and nothing to a link token', async () => {
    const format = createFormat();
    const token = await format.seal({ ...SUBJECT, purpose: 'resubscribe' }, NOW);
    expect(JSON.parse(await decryptDirectly(token, { ...ENCRYPTION_CONTEXT }))).toEqual({
      email: SUBJECT.email,
      topic: SUBJECT.topic,
      timestamp: NOW.getTime(),
      purpose: 'resubscribe',
    });
    await expect(format.open(token)).resolves.toEqual({ ...SUBJECT, purpose: 'resubscribe', issuedAt: NOW });
  });
});

describe('KMS token format: opening', () => {
  it('opens its own token, to the millisecond, with one Decrypt naming the key and the context', async () => {
    const format = createFormat();
    const subject = {
      email: 'zoë+tag@exämple.com',
      topic: 'financial-reports',
      purpose: 'unsubscribe',
    } as const;
    const token = await format.seal(subject, NOW);
    fake.reset();

    await expect(format.open(token)).resolves.toEqual({ ...subject, issuedAt: NOW });
    expect(fake.requests.map((r) => r.body)).toEqual([
      {
        CiphertextBlob: Buffer.from(token, 'base64url').toString('base64'),
        KeyId: ALIAS,
        EncryptionContext: { purpose: 'dn-unsubscribe' },
      },
    ]);
  });

  it("opens the old endpoint's tokens made without an encryption context (second Decrypt without one)", async () => {
    const token = await encryptDirectly(
      JSON.stringify({ email: 'old@example.com', topic: 'financial-reports', timestamp: NOW.getTime() }),
    );
    fake.reset();

    await expect(createFormat().open(token)).resolves.toEqual({
      email: 'old@example.com',
      topic: 'financial-reports',
      purpose: 'unsubscribe',
      issuedAt: NOW,
    });
    const decrypts = fake.calls('Decrypt').map((r) => r.body as Record<string, unknown>);
    expect(decrypts.map((body) => body.EncryptionContext)).toEqual([
      { purpose: 'dn-unsubscribe' },
      undefined,
    ]);
    expect(decrypts.every((body) => body.KeyId === ALIAS)).toBe(true);
  });

  it.each([
    ['seconds', 1_767_225_600, '2026-01-01T00:00:00.000Z'],
    ['fractional seconds (Python time.time())', 1_767_225_600.5, '2026-01-01T00:00:00.500Z'],
    ['milliseconds', 1_767_225_600_123, '2026-01-01T00:00:00.123Z'],
    ['an ISO string', '2026-01-01T00:00:00.123Z', '2026-01-01T00:00:00.123Z'],
    ['an ISO string with an offset', '2026-01-01T01:00:00+01:00', '2026-01-01T00:00:00.000Z'],
    ['an ISO string without a zone (UTC)', '2026-01-01T00:00:00.123456', '2026-01-01T00:00:00.123Z'],
  ])('reads a timestamp in %s', async (_, timestamp, expected) => {
    const token = await encryptDirectly(JSON.stringify({ email: 'a@example.com', topic: 't', timestamp }));
    const opened = await createFormat().open(token);
    expect(opened.issuedAt.toISOString()).toBe(expected);
  });

  it.each([
    ['not JSON', 'email=a@example.com&topic=t'],
    ['a JSON array', '["a@example.com","t",1767225600]'],
    ['no email', '{"topic":"t","timestamp":1767225600}'],
    ['an empty email', '{"email":"","topic":"t","timestamp":1767225600}'],
    ['no topic', '{"email":"a@example.com","timestamp":1767225600}'],
    ['no timestamp', '{"email":"a@example.com","topic":"t"}'],
    ['a negative timestamp', '{"email":"a@example.com","topic":"t","timestamp":-1}'],
    ['a timestamp in words', '{"email":"a@example.com","topic":"t","timestamp":"yesterday"}'],
    ['a timestamp past what a Date holds', '{"email":"a@example.com","topic":"t","timestamp":9e15}'],
    ['an unknown purpose', '{"email":"a@example.com","topic":"t","timestamp":1767225600,"purpose":"admin"}'],
  ])('refuses an authentic token holding %s as malformed', async (_, plaintext) => {
    const error = await tokenError(
      createFormat().open(await encryptDirectly(plaintext, { ...ENCRYPTION_CONTEXT })),
    );
    expect(error.kind).toBe('malformed');
    expect(error.message).toBe(
      'unsubscribe token: authentic, but it does not hold an address, a topic and a time',
    );
    expect(error.exitCode).toBe(ExitCode.input);
  });

  it('refuses a changed character as tampered (both Decrypts refused), another key as wrong-key', async () => {
    const format = createFormat();
    const token = await format.seal(SUBJECT, NOW);
    fake.reset();

    // A character of the ciphertext or of the tag (the last characters).
    for (const index of [token.length - 2, token.length - 30, 210]) {
      expect((await tokenError(format.open(changeChar(token, index)))).kind).toBe('tampered');
    }
    expect(fake.calls('Decrypt')).toHaveLength(6);

    const other = await createFormat({ keyId: 'alias/other' }).seal(SUBJECT, NOW);
    const error = await tokenError(format.open(other));
    expect(error.kind).toBe('wrong-key');
    expect(error.message).toMatch(/another KMS key than unsubscribe\.kmsKeyId/);
    // The same blob through its own key's format opens: the refusal came from the key, not the bytes.
    await expect(createFormat({ keyId: 'alias/other' }).open(other)).resolves.toMatchObject(SUBJECT);
  });

  it('refuses a cut, padded or non-canonical token as malformed without asking KMS', async () => {
    const format = createFormat();
    const token = await format.seal(SUBJECT, NOW);
    fake.reset();
    // Cut to 4k+1 characters: never base64. (A cut by one character is not always malformed: 1 time in 16 its
    // last character's unused bits are zero, it is canonical, and KMS refuses it as tampered, as below.)
    const oneOver = token.slice(0, Math.floor((token.length - 2) / 4) * 4 + 1);
    // Canonical length, but the last character carries bits past the last byte ('B' = 000001): not canonical.
    const strayBits = `${token.slice(0, Math.floor(token.length / 4) * 4 - 4)}AB`;
    const cases = [
      '',
      token.slice(0, 100),
      oneOver,
      strayBits,
      `${token}=`,
      `${token.slice(0, 20)}+${token.slice(21)}`,
      `${token.slice(0, 20)} ${token.slice(21)}`,
      'A'.repeat(4097),
    ];
    for (const bad of cases) expect((await tokenError(format.open(bad))).kind).toBe('malformed');
    expect(fake.requests).toEqual([]);
    // Cut at a multiple of 4 characters it is still canonical base64url: KMS refuses it.
    const cut = token.slice(0, Math.floor(token.length / 4) * 4 - 4);
    expect((await tokenError(format.open(cut))).kind).toBe('tampered');
  });

  it('never throws anything but an UnsubscribeTokenError for what a visitor can paste', async () => {
    const format = createFormat();
    const valid = await format.seal(SUBJECT, NOW);
    const blobs = fc
      .uint8Array({ minLength: MIN_CIPHERTEXT_BYTES, maxLength: 400 })
      .map((bytes) => Buffer.from(bytes).toString('base64url'));
    const changed = fc
      .tuple(fc.nat({ max: valid.length - 1 }), fc.constantFrom(...'AZaz09-_Qg'))
      .map(([index, char]) => valid.slice(0, index) + char + valid.slice(index + 1))
      .filter((token) => token !== valid);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), blobs, changed), async (token) => {
        const error = await format.open(token).then(
          (opened) => opened,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(UnsubscribeTokenError);
        expect(['malformed', 'tampered', 'wrong-key']).toContain((error as UnsubscribeTokenError).kind);
      }),
      { numRuns: 150 },
    );
  });
});

describe('KMS token format: recognizes', () => {
  it('recognizes its tokens and a real KMS blob by length, not an AES token or garbage', async () => {
    const format = createFormat();
    expect(format.recognizes(await format.seal(SUBJECT, NOW))).toBe(true);
    // A published KMS Encrypt output of a 7-byte plaintext (159 bytes), as base64url.
    const published =
      'AQICAHiw5sXhs7BV9+DNLArsz4kNWvpviuuAv7Ap3jE2OCYeEgEz67leOZ0Yd93N844MLGbbAAAAZTBjBgkqhkiG9w0BBwagVjBUAgEAME8GCSqGSIb3DQEHATAeBglghkgBZQMEAS4wEQQMD4TN5ddlPgkIcPKpAgEQgCKyqGtT7lyjdEyf917DSuv79NhOvHrPJbRYT6vGMvIdbyIY';
    expect(Buffer.from(published, 'base64')).toHaveLength(159);
    expect(format.recognizes(Buffer.from(published, 'base64').toString('base64url'))).toBe(true);

    const aes = createUnsubscribeToken(Buffer.alloc(32, 7), SUBJECT, NOW);
    expect(format.recognizes(aes)).toBe(false);
    for (const bad of ['', 'not a token', published, `${'A'.repeat(300)}=`, 'A'.repeat(5000)]) {
      expect(format.recognizes(bad)).toBe(false);
    }
    expect(fake.requests.filter((r) => r.target === 'TrentService.Decrypt')).toEqual([]);
  });
});

describe('KMS token format: the key is the config, not the token', () => {
  async function configError(promise: Promise<unknown>): Promise<ConfigError> {
    const error = await rejection(promise);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).not.toBeInstanceOf(UnsubscribeTokenError);
    expect((error as ConfigError).exitCode).toBe(ExitCode.config);
    return error as ConfigError;
  }

  it('a missing key: ConfigError naming unsubscribe.kmsKeyId and the key, sealing and opening', async () => {
    const token = await createFormat().seal(SUBJECT, NOW);
    const missing = createFormat({ keyId: 'alias/missing' });

    const sealing = await configError(missing.seal(SUBJECT, NOW));
    expect(sealing.message).toMatch(/^unsubscribe\.kmsKeyId: the KMS key alias\/missing does not exist/);
    expect(sealing.message).toMatch(/KMS Encrypt, NotFoundException/);
    expect(sealing.hint).toMatch(/aws kms describe-key --key-id alias\/missing/);

    const opening = await configError(missing.open(token));
    expect(opening.message).toMatch(/^unsubscribe\.kmsKeyId: the KMS key alias\/missing does not exist/);
    expect(fake.calls('Decrypt')).toHaveLength(1);
  });

  it('a disabled key or one pending deletion: ConfigError, and the token still counts as good', async () => {
    fake.createKey('alias/disabled');
    const format = createFormat({ keyId: 'alias/disabled' });
    const token = await format.seal(SUBJECT, NOW);
    fake.disableKey('alias/disabled');

    expect((await configError(format.seal(SUBJECT, NOW))).message).toMatch(
      /^unsubscribe\.kmsKeyId: the KMS key alias\/disabled is disabled/,
    );
    expect((await configError(format.open(token))).message).toMatch(
      /is disabled \(KMS Decrypt, DisabledException/,
    );

    fake.setKeyState('alias/disabled', 'PendingDeletion');
    const pending = await configError(format.open(token));
    expect(pending.message).toMatch(/cannot be used in its current state/);
    expect(pending.hint).toMatch(/cancel-key-deletion/);

    fake.setKeyState('alias/disabled', 'Enabled');
    await expect(format.open(token)).resolves.toMatchObject(SUBJECT);
  });

  it('access denied: ConfigError naming the permission', async () => {
    const token = await encryptDirectly('{}');
    fake.failNext(1, {
      type: 'AccessDeniedException',
      message: 'User is not authorized to perform kms:Decrypt',
    });
    const error = await configError(createFormat().open(token));
    expect(error.message).toMatch(
      /^unsubscribe\.kmsKeyId: this AWS identity may not call kms:Decrypt on the key/,
    );
    expect(error.hint).toMatch(/kms:Encrypt and kms:Decrypt/);
  });
});

describe('KMS token format: throttling and outages', () => {
  it('retries a throttled Encrypt with backoff until it succeeds, and counts the requests', async () => {
    const retries: number[] = [];
    const format = createFormat({ onRetry: ({ attempt }) => retries.push(attempt) });
    fake.throttleNext(3);

    const token = await format.seal(SUBJECT, NOW);

    // 3 throttled + 1 answered: the SDK itself did not retry (else it would have absorbed throttles unseen here).
    expect(fake.calls('Encrypt')).toHaveLength(4);
    expect(retries).toEqual([1, 2, 3]);
    // Full jitter (random 0.5) of 100 ms doubling.
    expect(sleeps).toEqual([50, 100, 200]);
    await expect(format.open(token)).resolves.toMatchObject(SUBJECT);
  });

  it('LimitExceededException and a throttled Decrypt are retried the same way', async () => {
    const format = createFormat();
    const token = await format.seal(SUBJECT, NOW);
    fake.reset();
    fake.failNext(2, { type: 'LimitExceededException', message: 'Rate exceeded' });
    await expect(format.open(token)).resolves.toMatchObject(SUBJECT);
    expect(fake.calls('Decrypt')).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('a run that stays throttled ends with a BackendError after the bounded attempts, not a hang', async () => {
    fake.throttleNext(1_000);
    const error = await rejection(createFormat().seal(SUBJECT, NOW));

    const attempts = DEFAULT_KMS_RETRY.retries + 1;
    expect(error).toBeInstanceOf(BackendError);
    expect(error).not.toBeInstanceOf(UnsubscribeTokenError);
    expect(error.message).toBe(
      `KMS throttled Encrypt with the key ${ALIAS} ${attempts} times in a row (ThrottlingException)`,
    );
    expect((error as BackendError).hint).toMatch(/request quota/);
    expect(fake.calls('Encrypt')).toHaveLength(attempts);
    expect(sleeps).toEqual([50, 100, 200, 400, 800, 1600]);
  });

  it('retries 5xx answers, then gives a BackendError; a default-built format sleeps for real', async () => {
    fake.failNext(2, { type: 'KMSInternalException', message: 'internal', status: 500 });
    const token = await createKmsTokenFormat(client, { keyId: ALIAS }).seal(SUBJECT, NOW);
    expect(fake.calls('Encrypt')).toHaveLength(3);

    fake.reset();
    fake.failNext(1_000, { type: 'KMSInternalException', message: 'internal', status: 500 });
    const error = await rejection(
      createFormat({ retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1 } }).open(token),
    );
    expect(error).toBeInstanceOf(BackendError);
    expect(error.message).toBe(
      `KMS Decrypt with the key ${ALIAS} failed 3 times: KMSInternalException (HTTP 500)`,
    );
    expect(fake.calls('Decrypt')).toHaveLength(3);
  });

  it('an unreachable endpoint is retried and ends as a BackendError, not a token error', async () => {
    const stopped = await startKmsFake();
    await stopped.stop();
    const offline = createKmsClientAt(stopped.endpoint);
    try {
      const error = await rejection(
        createKmsTokenFormat(offline, {
          keyId: ALIAS,
          sleep: async () => {},
          retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1 },
        }).seal(SUBJECT, NOW),
      );
      expect(error).toBeInstanceOf(BackendError);
      expect(error.message).toMatch(
        /^KMS Encrypt with the key alias\/dn-unsubscribe failed 3 times: ECONNREFUSED/,
      );
    } finally {
      offline.destroy();
    }
  });
});

/** A client like createKmsClient's (no SDK retries), aimed at another endpoint. */
function createKmsClientAt(endpoint: string): KMSClient {
  return new KMSClient({
    endpoint,
    region: FAKE_AWS_REGION,
    credentials: FAKE_AWS_CREDENTIALS,
    maxAttempts: 1,
  });
}
