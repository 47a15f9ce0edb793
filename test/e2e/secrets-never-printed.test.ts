import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { DEMO_DIR, demoConfigCopy } from '../support/demo.js';
import { type KorrectFake, startKorrectFake, USERS_ROUTE } from '../support/korrect-fake.js';
import {
  FAKE_AWS_CREDENTIALS,
  FAKE_AWS_REGION,
  type SecretsManagerFake,
  startSecretsManagerFake,
} from '../support/secrets-manager-fake.js';

/**
 * The guarantee of issue #13: every secret value a run resolves is scrubbed from every byte the program writes.
 * Secrets with distinctive values are resolved from the environment, files and Secrets Manager; each error path
 * that can carry one (an HTTP header, an SDK error, a parse error of a peer's answer, a template error) is driven
 * by a real spawned run; then stdout, stderr and every file under the workspace and the run's temp folder are
 * searched for any 10 characters of any secret.
 */
// biome-ignore lint/suspicious/noExplicitAny: a config document edited freely per case
type Config = Record<string, any>;

const KORRECT_KEY = 'KORRECTSECRET-4b9e2f71c3a85d06e1f9';
const KORRECT_KEY_NEWLINE = 'NEWLINESECRET-8c1d3e5f7a9b\nsecondline-2468ace';
const TOKEN_KEY_FILE = path.join(DEMO_DIR, 'keys', 'unsubscribe-token-demo.key');
const PRIVATE_KEY_FILE = path.join(DEMO_DIR, 'keys', 'cloudfront-demo-private.pem');

/** Every 10-character window of each secret's lines: what must appear nowhere. */
async function forbiddenPieces(): Promise<string[]> {
  const secrets = [
    KORRECT_KEY,
    KORRECT_KEY_NEWLINE,
    (await readFile(TOKEN_KEY_FILE, 'utf8')).trim(),
    await readFile(PRIVATE_KEY_FILE, 'utf8'),
  ];
  const pieces = new Set<string>();
  for (const secret of secrets) {
    for (const line of secret.split('\n')) {
      if (line.startsWith('-----')) continue;
      for (let i = 0; i + 10 <= line.length; i += 1) pieces.add(line.slice(i, i + 10));
    }
  }
  return [...pieces];
}

async function everyFileUnder(dir: string): Promise<{ file: string; text: string }[]> {
  const out: { file: string; text: string }[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out.push({ file, text: (await readFile(file)).toString('latin1') });
  }
  return out;
}

describe('secrets never reach the output (built CLI, every writer searched)', () => {
  let korrect: KorrectFake;
  let secretsManager: SecretsManagerFake;
  let pieces: string[];
  let root: string;

  beforeAll(async () => {
    const demoUsers = JSON.parse(await readFile(path.join(DEMO_DIR, 'users.json'), 'utf8')) as {
      body: unknown[];
    };
    korrect = await startKorrectFake({ users: demoUsers.body });
    secretsManager = await startSecretsManagerFake({ 'dn/korrect': KORRECT_KEY });
    pieces = await forbiddenPieces();
    root = await mkdtemp(path.join(tmpdir(), 'dn-e2e-secrets-'));
  });
  afterAll(async () => {
    await korrect.stop();
    await secretsManager.stop();
  });

  async function run(
    name: string,
    edit: (config: Config) => void,
    env: Record<string, string> = {},
    flags: string[] = [],
  ) {
    const dir = path.join(root, name);
    const tmp = path.join(dir, 'tmp');
    await mkdir(tmp, { recursive: true });
    const config = await demoConfigCopy(dir, (json) => {
      const c = json as Config;
      c.unsubscribe.tokenKey = { file: TOKEN_KEY_FILE };
      c.users = {
        ...c.users,
        source: 'korrect',
        korrect: { baseUrl: korrect.baseUrl, apiKey: { secret: 'dn/korrect' }, retries: 1 },
      };
      edit(c);
    });
    const result = await runCli(
      [
        'send-report',
        '-m',
        'January',
        '-y',
        '2025',
        '--dry-run',
        '--out',
        path.join(dir, 'out'),
        '--json',
        '--config',
        config,
        ...flags,
      ],
      {
        cwd: dir,
        env: {
          TMPDIR: tmp,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint,
          AWS_REGION: FAKE_AWS_REGION,
          AWS_ACCESS_KEY_ID: FAKE_AWS_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: FAKE_AWS_CREDENTIALS.secretAccessKey,
          ...env,
        },
      },
    );
    const written = [
      { file: 'stdout', text: result.stdout },
      { file: 'stderr', text: result.stderr },
      ...(await everyFileUnder(dir)).filter((f) => !f.file.endsWith('.distronationrc.json')),
    ];
    const leaks = written.flatMap(({ file, text }) =>
      pieces.filter((piece) => text.includes(piece)).map((piece) => `${file}: …${piece}…`),
    );
    return { result, leaks, written };
  }

  it('a key with a line break (the header fetch refuses): exit 3 naming the reference, no retries, nothing printed', async () => {
    const { result, leaks } = await run(
      'header',
      (c) => {
        c.users.korrect.apiKey = { env: 'KORRECT_KEY' };
      },
      { KORRECT_KEY: KORRECT_KEY_NEWLINE },
    );
    expect(leaks).toEqual([]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('environment variable KORRECT_KEY contains a control character (U+000A)');
    expect(result.stderr).not.toMatch(/retry/);
    expect(JSON.parse(result.stdout).error.exitCode).toBe(3);
    expect(korrect.requestsTo(USERS_ROUTE)).toHaveLength(0);
  });

  it('a peer answer that echoes the key into a parse error', async () => {
    korrect.reset();
    korrect.enqueue(USERS_ROUTE, { status: 200, body: `${KORRECT_KEY} was not accepted` });
    const { result, leaks } = await run('parse', () => {});
    expect(leaks).toEqual([]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('[secret users.korrect.apiKey]');
    expect(korrect.requestsTo(USERS_ROUTE)[0]?.headers['x-api-key']).toBe(KORRECT_KEY);
  });

  it('an SDK error that quotes another secret (with --verbose: the stack trace too)', async () => {
    korrect.reset();
    secretsManager.failSecret('dn/cloudfront', {
      type: 'ResourceNotFoundException',
      message: `Secrets Manager can't find dn/cloudfront (request carried ${KORRECT_KEY})`,
    });
    const { result, leaks } = await run(
      'sdk',
      (c) => {
        c.links.privateKey = { secret: 'dn/cloudfront' };
      },
      {},
      ['--verbose'],
    );
    expect(leaks).toEqual([]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('not found while reading secret "dn/cloudfront"');
    expect(`${result.stdout}${result.stderr}`).toContain('[secret users.korrect.apiKey]');
  });

  it('a file that cannot be parsed, quoting what it holds', async () => {
    korrect.reset();
    const payouts = path.join(root, 'payouts-broken.json');
    await writeFile(payouts, `${KORRECT_KEY.slice(0, 20)}${KORRECT_KEY.slice(20)} [`);
    const { result, leaks } = await run('file', (c) => {
      c.payouts.file = payouts;
    });
    expect(leaks).toEqual([]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('[secret users.korrect.apiKey]');
  });

  it('a template error stops the run before any secret is resolved, so it has none to carry', async () => {
    korrect.reset();
    secretsManager.reset();
    const templates = path.join(root, 'templates-broken');
    await cp(path.join(REPO_ROOT, 'templates'), templates, { recursive: true });
    const html = path.join(templates, 'financial-report.html.hbs');
    await writeFile(html, `${await readFile(html, 'utf8')}\n<p>{{#if}}</p>\n`);
    const { result, leaks } = await run('template', (c) => {
      c.email.templates = templates;
    });
    expect(leaks).toEqual([]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('Parse error');
    expect(korrect.requests).toHaveLength(0);
    expect(secretsManager.requests).toHaveLength(0);
  });

  it('a dry run that succeeds writes previews, manifest and report without any secret', async () => {
    korrect.reset();
    const { result, leaks, written } = await run('ok', () => {});
    expect(leaks).toEqual([]);
    expect(result.code).toBe(0);
    expect(written.filter((f) => f.file.endsWith('.html')).length).toBeGreaterThan(3);
  });
});
