/**
 * Signing report links (RSA-2048, SHA-1 CloudFront canned policy): the main thread alone (the baseline, as before
 * the pool) against the worker-thread pool, in the same process, on the BUILT signer (dist/, as the CLI runs it;
 * `npm run bench` builds first). Every URL of the pool is compared with the baseline's and verified.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  type createCloudFrontLinkSigner as CreateSigner,
  encodeKeyPath,
} from '../src/adapters/aws/cloudfront-signer.js';
import type { createSignPool as CreateSignPool, SigningThreads } from '../src/adapters/aws/sign-pool.js';
import { manyAwkwardKeys } from '../test/support/awkward-report-keys.js';
import { parseSignedUrl, verifySignature } from '../test/support/signed-url.js';

const BASE_URL = 'https://d111111abcdef8.cloudfront.net';
const KEY_PAIR_ID = 'K2JCJMDEHXQW5F';
const TARGET_RATIO = 1.8;
const STREAMED_BATCH = 1_000;
const BUILT_SIGNER = new URL('../dist/adapters/aws/cloudfront-signer.js', import.meta.url).href;
const BUILT_POOL = new URL('../dist/adapters/aws/sign-pool.js', import.meta.url).href;

interface Measured {
  urls: Map<string, string>;
  seconds: number;
  workers: number;
  /** CPU seconds of all this process's threads per second: how many cores it actually got. */
  cores: number;
}

export async function run(): Promise<void> {
  const count = Number(process.env.BENCH_SIGN_URLS ?? 20_000);
  const { createCloudFrontLinkSigner } = (await import(BUILT_SIGNER).catch((error: unknown) => {
    throw new Error('bench/sign.ts measures the built signer: run `npm run build` first', { cause: error });
  })) as {
    createCloudFrontLinkSigner: typeof CreateSigner;
  };
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const keys = manyAwkwardKeys(count);
  const expiresAt = new Date(Date.now() + 7 * 86_400_000);
  const measure = async (threads: Partial<SigningThreads>, batchSize = count): Promise<Measured> => {
    let workers = 0;
    const signer = createCloudFrontLinkSigner({
      baseUrl: BASE_URL,
      keyPairId: KEY_PAIR_ID,
      privateKey: async () => pem,
      threads: { ...threads, onStart: (started: number) => (workers += started) },
    });
    await signer.signUrls(keys.slice(0, 1), expiresAt); // load the key: not part of the rate
    const cpu = process.cpuUsage();
    const start = performance.now();
    const urls = new Map<string, string>();
    for (let at = 0; at < count; at += batchSize) {
      const signed = await signer.signUrls(keys.slice(at, at + batchSize), expiresAt);
      for (const [key, url] of signed) urls.set(key, url);
    }
    const seconds = (performance.now() - start) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    return { urls, seconds, workers, cores: (user + system) / 1e6 / seconds };
  };

  const cores = availableParallelism();
  console.log(`${count} links to sign (RSA-2048, SHA-1), ${cores} cores, built signer from dist/`);
  const free = await measureFreeCores(cores);
  console.log(
    `control: ${cores} busy-loop threads got ${free.toFixed(2)} cores' worth of CPU (other load caps any pool)`,
  );
  const single = await measure({ minUrls: Number.POSITIVE_INFINITY });
  const pooled = await measure({});
  const batched = await measure({}, STREAMED_BATCH);
  const startUp = await measureStartUp(pem, keys, expiresAt);
  const mismatches =
    countMismatches(keys, single.urls, pooled.urls, publicKey) +
    countMismatches(keys, single.urls, batched.urls, publicKey);
  const ratio = single.seconds / pooled.seconds;
  const got = (measured: Measured) => `${measured.cores.toFixed(2)} cores' worth of CPU`;
  const rate = (measured: Measured) => Math.round(count / measured.seconds);

  console.log(
    `main thread only (baseline): ${rate(single)} URLs/s (${single.seconds.toFixed(2)} s, ${got(single)})`,
  );
  console.log(
    `worker pool (${pooled.workers} workers, start-up included): ${rate(pooled)} URLs/s ` +
      `(${pooled.seconds.toFixed(2)} s, ${got(pooled)}), ${ratio.toFixed(2)}× the main thread`,
  );
  console.log(
    `worker pool, batches of ${STREAMED_BATCH} (a streamed plan; ${batched.workers} workers started, reused): ` +
      `${rate(batched)} URLs/s (${got(batched)}), ${(single.seconds / batched.seconds).toFixed(2)}× the main thread`,
  );
  const cpuPerUrl = (measured: Measured) => ((1000 * measured.cores * measured.seconds) / count).toFixed(3);
  console.log(
    `CPU per URL (all threads): main thread ${cpuPerUrl(single)} ms, pool ${cpuPerUrl(pooled)} ms, ` +
      `pool in batches ${cpuPerUrl(batched)} ms (the pool's own cost: start-up, messages)`,
  );
  const perUrl = 1 / rate(single) - 1 / rate(batched);
  console.log(
    `pool start-up: first URL back after ${(startUp * 1000).toFixed(0)} ms` +
      (perUrl > 0 && free >= TARGET_RATIO
        ? ` → the pool pays off from ~${Math.round(startUp / perUrl)} URLs a batch`
        : ' (the batch size from which the pool pays off needs free cores to measure)'),
  );
  const goal = `goal ≥ ${TARGET_RATIO}× on 2 cores`;
  if (cores < 2) console.log(`${goal}: not measurable here (${cores} core)`);
  else
    console.log(
      `${goal}: ${ratio >= TARGET_RATIO && mismatches === 0 ? 'met' : 'NOT met'} (${ratio.toFixed(2)}×)` +
        (free < TARGET_RATIO || pooled.cores < TARGET_RATIO
          ? ` — the pool got only ${pooled.cores.toFixed(2)} cores' worth of CPU: other load on this machine`
          : ''),
    );
  console.log(
    `mismatches: ${mismatches} (every pool URL compared with the baseline's and verified with the public key)`,
  );
  if (mismatches > 0) process.exitCode = 1;
}

/** CPU seconds per second that `threads` busy-looping threads of this process get right now. */
async function measureFreeCores(threads: number): Promise<number> {
  const loop = `require('node:worker_threads').parentPort.once('message', () => {
    const end = Date.now() + 1000; let x = 0;
    while (Date.now() < end) x += Math.random();
    require('node:worker_threads').parentPort.postMessage(x);
  });`;
  const workers = Array.from({ length: threads }, () => new Worker(loop, { eval: true }));
  try {
    await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('online', resolve))));
    const cpu = process.cpuUsage();
    const start = performance.now();
    await Promise.all(
      workers.map((worker) => {
        const done = new Promise((resolve) => worker.once('message', resolve));
        worker.postMessage('go');
        return done;
      }),
    );
    const { user, system } = process.cpuUsage(cpu);
    return (user + system) / 1000 / (performance.now() - start);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** Seconds until a cold pool (as many workers as cores) hands back its first signed URL. */
async function measureStartUp(pem: string, keys: readonly string[], expiresAt: Date): Promise<number> {
  const { createSignPool } = (await import(BUILT_POOL)) as { createSignPool: typeof CreateSignPool };
  const pool = createSignPool({ pem, keyPairId: KEY_PAIR_ID, idleMs: 0 });
  const urls = keys.slice(0, 1).map((key) => `${BASE_URL}/${encodeKeyPath(key)}`);
  const start = performance.now();
  await pool.sign({ urls, objectKeys: keys.slice(0, 1), dateLessThan: expiresAt }, availableParallelism());
  return (performance.now() - start) / 1000;
}

function countMismatches(
  keys: readonly string[],
  single: ReadonlyMap<string, string>,
  pooled: ReadonlyMap<string, string>,
  publicKey: KeyObject,
): number {
  let mismatches = Math.abs(single.size - pooled.size);
  for (const key of keys) {
    const url = pooled.get(key);
    if (url === undefined || url !== single.get(key) || !verifySignature(parseSignedUrl(url), publicKey)) {
      mismatches += 1;
    }
  }
  return mismatches;
}
