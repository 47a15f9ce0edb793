import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCloudFrontLinkSigner } from '../../src/adapters/aws/cloudfront-signer.js';
import {
  countSigningWorkers,
  createSignPool,
  defaultSigningThreads,
  MIN_URLS_FOR_WORKERS,
  type SigningThreads,
} from '../../src/adapters/aws/sign-pool.js';
import { ConfigError, DnMailerError, InputError } from '../../src/core/common/errors.js';
import { AWKWARD_REPORT_KEYS, manyAwkwardKeys } from '../support/awkward-report-keys.js';
import { decodeResourceKey, parseSignedUrl, verifySignature } from '../support/signed-url.js';

// The worker pool must hand out exactly the URLs the main thread signs. Workers run sign-worker.ts here (through
// tsx, see sign-pool.ts); test/e2e/sign-pool-dist.test.ts runs the built sign-worker.js.
const BASE_URL = 'https://d111111abcdef8.cloudfront.net';
const KEY_PAIR_ID = 'K2JCJMDEHXQW5F';
const EXPIRES_AT = new Date('2025-02-28T10:20:30.999Z');
const MAIN_THREAD_ONLY: Partial<SigningThreads> = { minUrls: Number.POSITIVE_INFINITY };

let privatePem: string;
let publicKey: KeyObject;

beforeAll(() => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  publicKey = pair.publicKey;
});

function createSigner(threads: Partial<SigningThreads>, privateKey = async () => privatePem) {
  return createCloudFrontLinkSigner({ baseUrl: BASE_URL, keyPairId: KEY_PAIR_ID, privateKey, threads });
}

/** Records every start of workers (the observable decision: main thread or pool). */
function countStarts(threads: Partial<SigningThreads> = {}) {
  const starts: number[] = [];
  return { starts, threads: { ...threads, onStart: (workers: number) => starts.push(workers) } };
}

describe('signing on worker threads', () => {
  const keys = manyAwkwardKeys(3_000);
  let single: Map<string, string>;
  let pooled: Map<string, string>;
  let starts: number[];

  beforeAll(async () => {
    single = await createSigner(MAIN_THREAD_ONLY).signUrls(keys, EXPIRES_AT);
    const counted = countStarts({ minUrls: 1, max: 2 });
    starts = counted.starts;
    pooled = await createSigner(counted.threads).signUrls(keys, EXPIRES_AT);
  }, 120_000);

  it('signs on workers, byte for byte the URLs of the main thread, in the same order', () => {
    expect(starts).toEqual([2]);
    expect([...pooled.keys()]).toEqual(keys);
    expect([...pooled.entries()]).toEqual([...single.entries()]);
  });

  it('every URL verifies with the public key and opens its own key', () => {
    const problems = keys.filter((key) => {
      const parts = parseSignedUrl(pooled.get(key) ?? '');
      return (
        !verifySignature(parts, publicKey) ||
        parts.keyPairId !== KEY_PAIR_ID ||
        decodeResourceKey(parts.resource, BASE_URL) !== key
      );
    });
    expect(problems).toEqual([]);
  });

  it('keeps the main thread free while the workers sign (spinners keep turning)', async () => {
    let ticks = 0;
    const timer = setInterval(() => {
      ticks += 1;
    }, 1);
    try {
      const urls = await createSigner({ minUrls: 1, max: 2 }).signUrls(keys.slice(0, 1_000), EXPIRES_AT);
      expect(urls.size).toBe(1_000);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });

  it('reuses idle workers for the next batch, and starts new ones after they stopped', async () => {
    const kept = countStarts({ minUrls: 1, max: 2, idleMs: 3_600_000 });
    const keep = createSigner(kept.threads);
    const first = await keep.signUrls(keys.slice(0, 400), EXPIRES_AT);
    const second = await keep.signUrls(keys.slice(400, 800), EXPIRES_AT);
    expect(kept.starts).toEqual([2]);
    expect([...first, ...second]).toEqual([...single].slice(0, 800));

    const stopped = countStarts({ minUrls: 1, max: 2, idleMs: 0 });
    const restart = createSigner(stopped.threads);
    await restart.signUrls(keys.slice(0, 400), EXPIRES_AT);
    await sleep(20); // the idle timer (0 ms) fires first and terminates the workers
    expect((await restart.signUrls(keys.slice(400, 800), EXPIRES_AT)).size).toBe(400);
    expect(stopped.starts).toEqual([2, 2]);
  });
});

describe('when workers are used', () => {
  it(`signs fewer than ${MIN_URLS_FOR_WORKERS} URLs on the main thread, and from there on workers`, async () => {
    const counted = countStarts();
    const signer = createSigner(counted.threads);
    const keys = manyAwkwardKeys(MIN_URLS_FOR_WORKERS);
    await signer.signUrls(keys.slice(0, MIN_URLS_FOR_WORKERS - 1), EXPIRES_AT);
    // Duplicates count once: still under the threshold.
    await signer.signUrls([...keys.slice(0, MIN_URLS_FOR_WORKERS - 1), keys[0] ?? ''], EXPIRES_AT);
    expect(counted.starts).toEqual([]);
    const all = await signer.signUrls(keys, EXPIRES_AT);
    expect(counted.starts).toHaveLength(1);
    expect(all.size).toBe(MIN_URLS_FOR_WORKERS);
  });

  it('sizes the pool by the cores and the batch', () => {
    const threads = { minUrls: 200, max: 2, idleMs: 0 };
    expect(countSigningWorkers(0, threads)).toBe(0);
    expect(countSigningWorkers(199, threads)).toBe(0);
    expect(countSigningWorkers(200, threads)).toBe(2);
    expect(countSigningWorkers(20_000, threads)).toBe(2);
    expect(countSigningWorkers(20_000, { ...threads, max: 8 })).toBe(8);
    expect(countSigningWorkers(250, { ...threads, max: 8 })).toBe(3);
    expect(countSigningWorkers(20_000, { ...threads, max: 1 })).toBe(1);
    expect(countSigningWorkers(20_000, { ...threads, max: 0 })).toBe(0);
    const defaults = defaultSigningThreads();
    expect(defaults.minUrls).toBe(MIN_URLS_FOR_WORKERS);
    expect(defaults.max).toBeGreaterThanOrEqual(1);
    expect(defaults.max).toBeLessThanOrEqual(8);
  });
});

describe('errors from the pool', () => {
  it('a bad key fails as on the main thread, before any worker starts', async () => {
    const text = 'SECRET-MATERIAL-not-a-key';
    const counted = countStarts({ minUrls: 1 });
    const fromPool = await createSigner(counted.threads, async () => text)
      .signUrls(manyAwkwardKeys(500), EXPIRES_AT)
      .catch((error: unknown) => error);
    const fromMain = await createSigner(MAIN_THREAD_ONLY, async () => text)
      .signUrls(['a.pdf'], EXPIRES_AT)
      .catch((error: unknown) => error);
    expect(fromPool).toBeInstanceOf(ConfigError);
    expect(fromPool).toMatchObject({
      message: (fromMain as Error).message,
      hint: (fromMain as ConfigError).hint,
    });
    expect(counted.starts).toEqual([]);
  });

  it('a key a worker cannot read comes back as the same ConfigError, without the key text', async () => {
    const text = `-----BEGIN PRIVATE KEY-----\nSECRETSECRETSECRETSECRET\n-----END PRIVATE KEY-----\n`;
    const pool = createSignPool({ pem: text, keyPairId: KEY_PAIR_ID, idleMs: 0 });
    const urls = [`${BASE_URL}/a.pdf`, `${BASE_URL}/b.pdf`];
    const error = await pool
      .sign({ urls, objectKeys: ['a.pdf', 'b.pdf'], dateLessThan: EXPIRES_AT }, 2)
      .catch((reason: unknown) => reason);
    const expected = await createSigner(MAIN_THREAD_ONLY, async () => text)
      .signUrls(['a.pdf'], EXPIRES_AT)
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({
      message: (expected as Error).message,
      hint: (expected as ConfigError).hint,
    });
    expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(
      'SECRET',
    );
  });

  it('the check that the SDK signed our URL runs in the workers too', async () => {
    // Not encoded by encodeKeyPath: the SDK signs `a%20b.pdf`, which is not the URL it was given.
    const pool = createSignPool({ pem: privatePem, keyPairId: KEY_PAIR_ID, idleMs: 0 });
    const error = await pool
      .sign({ urls: [`${BASE_URL}/a b.pdf`], objectKeys: ['a b.pdf'], dateLessThan: EXPIRES_AT }, 1)
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(DnMailerError);
    expect((error as Error).message).toBe(
      '@aws-sdk/cloudfront-signer signed a different URL than the one built for "a b.pdf"',
    );
  });

  it('a key that cannot be a link fails before any worker starts', async () => {
    const counted = countStarts({ minUrls: 1 });
    const keys = [...manyAwkwardKeys(500), 'x/../a.pdf'];
    await expect(createSigner(counted.threads).signUrls(keys, EXPIRES_AT)).rejects.toThrow(InputError);
    expect(counted.starts).toEqual([]);
  });

  it('signs the single-key cases of the signer test the same way on workers', async () => {
    const keys = [...AWKWARD_REPORT_KEYS];
    const pooled = await createSigner({ minUrls: 1, max: 2 }).signUrls(keys, EXPIRES_AT);
    const single = await createSigner(MAIN_THREAD_ONLY).signUrls(keys, EXPIRES_AT);
    expect([...pooled]).toEqual([...single]);
  });
});
