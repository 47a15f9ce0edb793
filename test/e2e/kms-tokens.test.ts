import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENCRYPTION_CONTEXT } from '../../src/adapters/aws/kms-token-format.js';
import { createUnsubscribeToken, parseTokenKey } from '../../src/core/unsubscribe/unsubscribe-token.js';
import { freePort, runCli } from '../support/cli.js';
import { DEMO_DIR, demoConfigCopy, freshDir } from '../support/demo.js';
import { FAKE_AWS_CREDENTIALS, FAKE_AWS_REGION, type KmsFake, startKmsFake } from '../support/kms-fake.js';
import { type RunningCli, startCli } from '../support/send-world.js';

const TOPIC = 'financial-reports';
const DEMO_TOKEN_KEY = parseTokenKey(
  await readFile(path.join(DEMO_DIR, 'keys', 'unsubscribe-token-demo.key'), 'utf8'),
);

/**
 * `unsubscribe.token: kms` end to end with the built CLI and the real @aws-sdk/client-kms against a KMS fake (no KMS
 * emulator installs here): the dry run's links carry the KMS ciphertext of {email, topic, timestamp}; `serve` and
 * `unsubscribe --token` honour a KMS token and an AES one; a tampered KMS token changes nothing.
 */
describe('KMS unsubscribe tokens (built CLI, KMS fake)', () => {
  let kms: KmsFake;
  let client: KMSClient;
  let dir: string;
  let config: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    kms = await startKmsFake();
    kms.createKey('alias/dn-unsubscribe');
    client = new KMSClient({
      endpoint: kms.endpoint,
      region: FAKE_AWS_REGION,
      credentials: FAKE_AWS_CREDENTIALS,
    });
    env = {
      AWS_ENDPOINT_URL_KMS: kms.endpoint,
      AWS_REGION: FAKE_AWS_REGION,
      AWS_ACCESS_KEY_ID: FAKE_AWS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: FAKE_AWS_CREDENTIALS.secretAccessKey,
    };
    dir = await freshDir('dn-kms-');
    config = await demoConfigCopy(dir, (copy) => {
      const unsubscribe = copy.unsubscribe as Record<string, unknown>;
      unsubscribe.token = 'kms';
      unsubscribe.tokenKey = { file: path.join(DEMO_DIR, 'keys', 'unsubscribe-token-demo.key') };
      copy.tracking = { file: path.join(dir, 'dn-mailer.sqlite') };
    });
  });

  afterAll(async () => {
    client?.destroy();
    await kms?.stop();
  });

  /** Every preview's recipient and the `data` of its List-Unsubscribe link. */
  async function linksIn(out: string): Promise<Map<string, string>> {
    const links = new Map<string, string>();
    for (const file of (await readdir(out)).filter((name) => name.endsWith('.eml'))) {
      const eml = (await readFile(path.join(out, file), 'utf8')).replace(/\r?\n[ \t]+/g, ' ');
      const to = /^To: .*?<?([^<>\s]+@[^<>\s]+)>?\s*$/m.exec(eml)?.[1] ?? '';
      const data = /<https?:[^>]*[?&]data=([A-Za-z0-9_-]+)>/.exec(eml)?.[1] ?? '';
      links.set(to.toLowerCase(), data);
    }
    return links;
  }

  async function decrypt(token: string): Promise<unknown> {
    const answer = await client.send(
      new DecryptCommand({
        CiphertextBlob: Buffer.from(token, 'base64url'),
        EncryptionContext: { ...ENCRYPTION_CONTEXT },
        KeyId: 'alias/dn-unsubscribe',
      }),
    );
    return JSON.parse(Buffer.from(answer.Plaintext ?? new Uint8Array()).toString('utf8'));
  }

  it('a dry run mints one KMS token per recipient: data decrypts to {"email","topic","timestamp"}', async () => {
    kms.reset();
    kms.createKey('alias/dn-unsubscribe');
    // KMS throttles bursts: the first answers are ThrottlingException, the plan retries them.
    kms.throttleNext(3);
    const before = Date.now();
    const out = path.join(dir, 'previews');
    const result = await runCli(
      ['send-report', '--dry-run', '--config', config, '--out', out, '--month', 'January', '--year', '2025'],
      { env },
    );
    expect(result.stderr).not.toMatch(/✘/);
    expect(result.code).toBe(0);
    const links = await linksIn(out);
    expect(links.size).toBeGreaterThan(3);
    for (const [email, data] of links) {
      const payload = await decrypt(data);
      expect(Object.keys(payload as object)).toEqual(['email', 'topic', 'timestamp']);
      expect(payload).toMatchObject({ email, topic: TOPIC });
      const { timestamp } = payload as { timestamp: number };
      expect(timestamp).toBeGreaterThanOrEqual(before - 1000);
      expect(timestamp).toBeLessThanOrEqual(Date.now());
    }
    const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8'));
    const recipients = manifest.messages.length + manifest.unsent.length;
    expect(manifest.messages.length).toBe(links.size);
    const encrypts = kms.calls('Encrypt');
    // One Encrypt per recipient planned, plus the three throttled attempts; each with the encryption context.
    expect(encrypts.length).toBe(recipients + 3);
    for (const request of encrypts.slice(3)) {
      expect((request.body as { EncryptionContext?: unknown }).EncryptionContext).toEqual(ENCRYPTION_CONTEXT);
    }
  }, 60_000);

  it('a KMS key that does not exist stops the dry run with exit 3 naming unsubscribe.kmsKeyId, nothing written', async () => {
    const missing = await demoConfigCopy(await freshDir('dn-kms-missing-'), (copy) => {
      Object.assign(copy.unsubscribe as object, {
        token: 'kms',
        kmsKeyId: 'alias/not-there',
        tokenKey: undefined,
      });
    });
    const out = path.join(path.dirname(missing), 'previews');
    const run = await runCli(
      ['send-report', '--dry-run', '--config', missing, '--out', out, '--month', 'January', '--year', '2025'],
      { env },
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/unsubscribe\.kmsKeyId/);
    expect(run.stderr).toMatch(/alias\/not-there/);
    await expect(readdir(out)).rejects.toThrow();
  }, 60_000);

  describe('serve and unsubscribe --token read both formats', () => {
    let serve: RunningCli;
    let port: number;
    let served: string;

    beforeAll(async () => {
      port = await freePort();
      const home = await freshDir('dn-kms-serve-');
      served = await demoConfigCopy(home, (copy) => {
        const unsubscribe = copy.unsubscribe as Record<string, unknown>;
        unsubscribe.token = 'kms';
        unsubscribe.baseUrl = `http://127.0.0.1:${port}/unsubscribe`;
        unsubscribe.tokenKey = { file: path.join(DEMO_DIR, 'keys', 'unsubscribe-token-demo.key') };
        copy.tracking = { file: path.join(home, 'dn-mailer.sqlite') };
      });
      serve = startCli(['serve', '--port', String(port), '--config', served], { env });
      for (let i = 0; i < 100 && !(await isUp(port)); i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }, 30_000);

    afterAll(async () => {
      serve?.child.kill('SIGTERM');
      await serve?.done;
    });

    const oneClick = (token: string) =>
      fetch(`http://127.0.0.1:${port}/unsubscribe?data=${token}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
    const contact = async (email: string) => {
      const result = await runCli(['contacts', 'show', email, '--config', served, '--json'], { env });
      expect(result.code).toBe(0);
      return JSON.stringify(JSON.parse(result.stdout));
    };
    const kmsToken = async (email: string) => {
      const answer = await client.send(
        new EncryptCommand({
          KeyId: 'alias/dn-unsubscribe',
          Plaintext: Buffer.from(JSON.stringify({ email, topic: TOPIC, timestamp: Date.now() })),
          EncryptionContext: { ...ENCRYPTION_CONTEXT },
        }),
      );
      return Buffer.from(answer.CiphertextBlob ?? new Uint8Array()).toString('base64url');
    };

    it('a one-click POST with a KMS token unsubscribes; one with a dn-mailer AES token too', async () => {
      const viaKms = await oneClick(await kmsToken('kms-link@example.com'));
      expect(viaKms.status).toBe(200);
      expect(await contact('kms-link@example.com')).toMatch(/OPT_OUT/);

      const aes = createUnsubscribeToken(
        DEMO_TOKEN_KEY,
        { email: 'aes-link@example.com', topic: TOPIC },
        new Date(),
      );
      const viaAes = await oneClick(aes);
      expect(viaAes.status).toBe(200);
      expect(await contact('aes-link@example.com')).toMatch(/OPT_OUT/);
    }, 60_000);

    it('a tampered KMS token is a 400 page and changes nothing', async () => {
      const token = await kmsToken('tampered@example.com');
      const middle = Math.floor(token.length / 2);
      const flipped = `${token.slice(0, middle)}${token[middle] === 'A' ? 'B' : 'A'}${token.slice(middle + 1)}`;
      const answer = await oneClick(flipped);
      expect(answer.status).toBe(400);
      expect(await answer.text()).toMatch(/link/i);
      expect(await contact('tampered@example.com')).not.toMatch(/OPT_OUT/);
    }, 60_000);

    it('unsubscribe --token reads a KMS token (the data=… of a forwarded link)', async () => {
      const token = await kmsToken('jody@example.org');
      const result = await runCli(
        [
          'unsubscribe',
          '--token',
          `https://x.test/financial/unsubscribe?data=${token}`,
          '--config',
          served,
          '--json',
        ],
        { env },
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(await contact('jody@example.org')).toMatch(/OPT_OUT/);
    }, 60_000);
  });
});

async function isUp(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`);
    return true;
  } catch {
    return false;
  }
}
