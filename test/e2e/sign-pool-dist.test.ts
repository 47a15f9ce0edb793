import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createCloudFrontLinkSigner } from '../../src/adapters/aws/cloudfront-signer.js';
import { manyAwkwardKeys } from '../support/awkward-report-keys.js';
import { collectOutput } from '../support/child-output.js';
import { CLI_NODE, REPO_ROOT } from '../support/cli.js';
import { parseSignedUrl, verifySignature } from '../support/signed-url.js';

// Runs the BUILT signer (`npm run build` first): the workers must start from dist/ (sign-worker.js beside
// cloudfront-signer.js, plain ESM) and must not keep the process alive once the links are signed.
const SIGNER = new URL('../../dist/adapters/aws/cloudfront-signer.js', import.meta.url);
const BASE_URL = 'https://d111111abcdef8.cloudfront.net';
const KEY_PAIR_ID = 'K2JCJMDEHXQW5F';
const EXPIRES_AT = new Date('2025-02-28T10:20:30.999Z');

// The child signs and then simply ends: no process.exit. Idle workers wait an hour before they are terminated,
// so only unref'd idle workers let it exit.
const CHILD = `
const { createCloudFrontLinkSigner } = await import(process.env.SIGNER);
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { pem, keys, expiresAt } = JSON.parse(Buffer.concat(chunks).toString());
const starts = [];
const signer = createCloudFrontLinkSigner({
  baseUrl: ${JSON.stringify(BASE_URL)},
  keyPairId: ${JSON.stringify(KEY_PAIR_ID)},
  privateKey: async () => pem,
  threads: { minUrls: 1, max: 2, idleMs: 3_600_000, onStart: (workers) => starts.push(workers) },
});
const urls = await signer.signUrls(keys, new Date(expiresAt));
process.stdout.write(JSON.stringify({ starts, urls: [...urls] }));
`;

interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const running = new Set<ChildProcess>();
// A child kept alive by its workers is what this test catches: do not leave it behind when it times out.
afterEach(() => {
  for (const child of running) child.kill();
  running.clear();
});

function runChild(input: string): Promise<ChildResult> {
  const child = spawn(CLI_NODE, ['--input-type=module', '-e', CHILD], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', SIGNER: SIGNER.href },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  child.stdin.end(input);
  running.add(child);
  return output.closed.then(({ code, stdout, stderr }) => {
    running.delete(child);
    return { code, stdout, stderr };
  });
}

describe('the built signer on worker threads', () => {
  it('signs from dist/ on workers, the same URLs as the sources, and the process then exits by itself', async () => {
    await access(fileURLToPath(new URL('sign-worker.js', SIGNER)));
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const keys = manyAwkwardKeys(1_000);

    const result = await runChild(JSON.stringify({ pem, keys, expiresAt: EXPIRES_AT.toISOString() }));
    expect(result.code, result.stderr).toBe(0);
    const { starts, urls } = JSON.parse(result.stdout) as { starts: number[]; urls: [string, string][] };
    expect(starts).toEqual([2]);

    const single = await createCloudFrontLinkSigner({
      baseUrl: BASE_URL,
      keyPairId: KEY_PAIR_ID,
      privateKey: async () => pem,
      threads: { minUrls: Number.POSITIVE_INFINITY },
    }).signUrls(keys, EXPIRES_AT);
    expect(urls).toEqual([...single]);
    expect(urls.filter(([, url]) => !verifySignature(parseSignedUrl(url), publicKey))).toEqual([]);
  }, 60_000);
});
