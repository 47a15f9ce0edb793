import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CONFIG, runCli } from '../support/cli.js';
import { type KorrectFake, startKorrectFake, USERS_ROUTE } from '../support/korrect-fake.js';

const DEMO_DIR = path.dirname(DEMO_CONFIG);

describe('dn-mailer resolve-paths with users from Korrect (built CLI against the HTTP fake)', () => {
  let korrect: KorrectFake;
  let dir: string;

  beforeAll(async () => {
    const demoUsers = JSON.parse(await readFile(path.join(DEMO_DIR, 'users.json'), 'utf8')) as {
      body: unknown[];
    };
    korrect = await startKorrectFake({ users: demoUsers.body });
    dir = await mkdtemp(path.join(tmpdir(), 'dn-e2e-korrect-'));
    const demo = JSON.parse(await readFile(DEMO_CONFIG, 'utf8')) as { users: Record<string, unknown> };
    await writeFile(
      path.join(dir, '.distronationrc.yaml'),
      [
        'users:',
        '  source: korrect',
        '  korrect:',
        `    baseUrl: ${korrect.baseUrl}`,
        '    apiKey: { env: E2E_KORRECT_KEY }',
        '    retries: 2',
        `  excludeEmails: ${JSON.stringify(demo.users.excludeEmails)}`,
        `  customIdAliases: ${JSON.stringify(demo.users.customIdAliases)}`,
        'reports:',
        `  dir: ${path.join(DEMO_DIR, 'reports')}`,
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await korrect.stop();
  });

  it('gives the same audit as the users file, sending the API key, after a 503', async () => {
    korrect.reset();
    korrect.enqueue(USERS_ROUTE, { status: 503, body: 'busy' });
    const args = ['resolve-paths', '-m', 'January', '-y', '2025', '--json'];
    const [fromKorrect, fromFile] = await Promise.all([
      runCli(args, { cwd: dir, env: { E2E_KORRECT_KEY: 'k-123' } }),
      runCli([...args, '--config', DEMO_CONFIG]),
    ]);
    expect(fromKorrect.code).toBe(0);
    expect(JSON.parse(fromKorrect.stdout).rows).toEqual(JSON.parse(fromFile.stdout).rows);
    const calls = korrect.requestsTo(USERS_ROUTE);
    expect(calls).toHaveLength(2);
    expect(calls.every((call) => call.headers['x-api-key'] === 'k-123')).toBe(true);
    expect(fromKorrect.stderr).toContain('HTTP 503; retry 1');
  });

  it('a refused API key is a config error (exit 3) without retries', async () => {
    korrect.reset();
    korrect.enqueue(USERS_ROUTE, { status: 401, body: '{"message":"Unauthorized"}' });
    const result = await runCli(['resolve-paths', '-m', '1', '-y', '2025'], {
      cwd: dir,
      env: { E2E_KORRECT_KEY: 'bad' },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('Korrect refused the API key');
    expect(korrect.requestsTo(USERS_ROUTE)).toHaveLength(1);
  });

  it('an unset API key variable is a config error naming it', async () => {
    const result = await runCli(['resolve-paths', '-m', '1', '-y', '2025'], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('E2E_KORRECT_KEY is not set');
  });
});
