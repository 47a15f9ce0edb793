import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSecretsManagerStore } from '../../src/adapters/aws/secrets-manager.js';
import { createKorrectClient } from '../../src/adapters/korrect/client.js';
import { createSecretResolver } from '../../src/adapters/secrets.js';
import type { Env } from '../../src/config/load.js';
import { ConfigError, ExitCode } from '../../src/core/common/errors.js';
import { type KorrectFake, startKorrectFake, USERS_ROUTE } from '../support/korrect-fake.js';
import {
  FAKE_AWS_CREDENTIALS,
  FAKE_AWS_REGION,
  type SecretsManagerFake,
  startSecretsManagerFake,
} from '../support/secrets-manager-fake.js';

const FIELD = 'users.korrect.apiKey';
const SECRETS = {
  'dn/plain': 'plain-api-key',
  'dn/json': JSON.stringify({ apiKey: 'json-api-key', count: 3 }),
  'dn/korrect': JSON.stringify({ apiKey: 'korrect-key-from-secret' }),
};

let fake: SecretsManagerFake;
let dir: string;
const clients: SecretsManagerClient[] = [];

beforeAll(async () => {
  fake = await startSecretsManagerFake(SECRETS);
  dir = await mkdtemp(path.join(tmpdir(), 'dn-secrets-'));
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await fake.stop();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => fake.reset());

/** A resolver whose Secrets Manager store is built (once, lazily) on the real SDK client aimed at the fake. */
function createResolver(env: Env = {}) {
  let builds = 0;
  const resolve = createSecretResolver({
    env,
    secretsManager: () => {
      builds += 1;
      const client = new SecretsManagerClient({
        endpoint: fake.endpoint,
        region: FAKE_AWS_REGION,
        credentials: FAKE_AWS_CREDENTIALS,
        maxAttempts: 1,
      });
      clients.push(client);
      return createSecretsManagerStore(client);
    },
  });
  return { resolve, builds: () => builds };
}

async function resolveError(promise: Promise<string>): Promise<ConfigError> {
  const error = await promise.then(
    () => expect.fail('expected the secret not to resolve'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  expect(error).toMatchObject({ exitCode: ExitCode.config });
  return error as ConfigError;
}

describe('{ secret } references through the real SDK', () => {
  it('resolves a plain string secret with a GetSecretValue call in the JSON 1.1 protocol', async () => {
    await expect(createResolver().resolve({ secret: 'dn/plain' }, FIELD)).resolves.toBe('plain-api-key');
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request?.target).toBe('secretsmanager.GetSecretValue');
    expect(request?.body).toEqual({ SecretId: 'dn/plain' });
    expect(request?.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDFAKE\/\d{8}\/us-east-1\//,
    );
  });

  it('picks a field of a JSON secret with key', async () => {
    await expect(createResolver().resolve({ secret: 'dn/json', key: 'apiKey' }, FIELD)).resolves.toBe(
      'json-api-key',
    );
  });

  it.each(['missing', 'count'])(
    'refuses a JSON secret without the string field %j, naming field and key',
    async (key) => {
      const error = await resolveError(createResolver().resolve({ secret: 'dn/json', key }, FIELD));
      expect(error.message).toContain(FIELD);
      expect(error.message).toContain(`"${key}"`);
      expect(error.message).toContain('dn/json');
      expect(error.message).not.toContain('json-api-key');
    },
  );

  it('refuses a key on a secret that is not JSON, without printing the secret', async () => {
    const error = await resolveError(createResolver().resolve({ secret: 'dn/plain', key: 'apiKey' }, FIELD));
    expect(error.message).toMatch(/is not JSON/);
    expect(error.message).not.toContain('plain-api-key');
    expect(error.hint).toMatch(/drop "key"/);
  });

  it('reports an unknown secret as a ConfigError', async () => {
    const error = await resolveError(createResolver().resolve({ secret: 'dn/nope' }, FIELD));
    expect(error.message).toMatch(/not found while reading secret "dn\/nope"/);
    expect(error.message).toMatch(/can't find the specified secret/);
    expect(fake.getSecretValueCalls('dn/nope')).toBe(1);
  });

  it('fetches each secret once per run, even when resolved twice or at the same time', async () => {
    const { resolve, builds } = createResolver();
    const values = await Promise.all([
      resolve({ secret: 'dn/json', key: 'apiKey' }, FIELD),
      resolve({ secret: 'dn/json', key: 'count' }, 'other.field').catch(() => 'no string'),
      resolve({ secret: 'dn/json', key: 'apiKey' }, FIELD),
    ]);
    expect(values).toEqual(['json-api-key', 'no string', 'json-api-key']);
    await expect(resolve({ secret: 'dn/json', key: 'apiKey' }, FIELD)).resolves.toBe('json-api-key');
    await expect(resolve({ secret: 'dn/plain' }, FIELD)).resolves.toBe('plain-api-key');
    expect(fake.getSecretValueCalls('dn/json')).toBe(1);
    expect(fake.getSecretValueCalls('dn/plain')).toBe(1);
    expect(builds()).toBe(1);
  });

  it('does not cache a failed fetch: a later resolve asks again', async () => {
    const { resolve } = createResolver();
    await resolveError(resolve({ secret: 'dn/late' }, FIELD));
    fake.putSecret('dn/late', 'now-here');
    try {
      await expect(resolve({ secret: 'dn/late' }, FIELD)).resolves.toBe('now-here');
      expect(fake.getSecretValueCalls('dn/late')).toBe(2);
    } finally {
      fake.deleteSecret('dn/late');
    }
  });

  it('feeds the Korrect client: the secret becomes x-api-key, fetched once for two requests', async () => {
    const korrect: KorrectFake = await startKorrectFake({ users: [] });
    try {
      const { resolve } = createResolver();
      const client = createKorrectClient({
        baseUrl: korrect.baseUrl,
        apiKey: () => resolve({ secret: 'dn/korrect', key: 'apiKey' }, FIELD),
        timeoutMs: 2_000,
        retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 },
        deps: { sleep: async () => {}, random: () => 0 },
      });
      await client.request('/dn_users_list');
      await client.request('/dn_users_list');
      const keys = korrect.requestsTo(USERS_ROUTE).map((r) => r.headers['x-api-key']);
      expect(keys).toEqual(['korrect-key-from-secret', 'korrect-key-from-secret']);
      expect(fake.getSecretValueCalls('dn/korrect')).toBe(1);
    } finally {
      await korrect.stop();
    }
  });
});

describe('{ env } and { file } references', () => {
  it('reads a set environment variable without building an AWS client', async () => {
    const { resolve, builds } = createResolver({ KORRECT_API_KEY: 'from-env' });
    await expect(resolve({ env: 'KORRECT_API_KEY' }, FIELD)).resolves.toBe('from-env');
    expect(builds()).toBe(0);
    expect(fake.requests).toEqual([]);
  });

  it.each([
    ['unset', {}],
    ['empty', { KORRECT_API_KEY: '' }],
  ])('refuses an %s variable, naming it and the field', async (_what, env: Env) => {
    const error = await resolveError(createResolver(env).resolve({ env: 'KORRECT_API_KEY' }, FIELD));
    expect(error.message).toBe(`${FIELD}: environment variable KORRECT_API_KEY is not set`);
    expect(error.hint).toMatch(/export KORRECT_API_KEY=/);
  });

  it('reads a file, trimmed', async () => {
    const file = path.join(dir, 'api-key.txt');
    await writeFile(file, '  file-api-key \n\n');
    const { resolve, builds } = createResolver();
    await expect(resolve({ file }, FIELD)).resolves.toBe('file-api-key');
    expect(builds()).toBe(0);
  });

  it('refuses a missing file, naming the field and the path', async () => {
    const file = path.join(dir, 'absent.txt');
    const error = await resolveError(createResolver().resolve({ file }, FIELD));
    expect(error.message).toBe(`${FIELD}: cannot read ${file}`);
  });
});
