import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { ExitCode } from '../../src/core/common/errors.js';
import { freshDir } from '../support/demo.js';
import { createMemoryWorld, runInProcess } from '../support/memory-backend.js';

/** `init` in-process: it has no config and writes real files through runtime.workspace, into temp folders. */

const NOW = new Date('2025-02-10T12:00:00.000Z');
/** What `init --backend local` writes, relative to --dir (the sample month is January 2025, before NOW). */
const LOCAL_FILES = [
  '.distronationrc.yaml',
  '.gitignore',
  'keys/cloudfront-private.pem',
  'keys/cloudfront-public.pem',
  'keys/unsubscribe-token.key',
  'payouts.json',
  'users.json',
];

const init = (args: readonly string[], cwd: string) =>
  runInProcess(['init', ...args], { cwd, now: NOW, world: createMemoryWorld() });

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe('dn-mailer init (in-process)', () => {
  it('--backend local --dir writes the workspace (relative to cwd) and prints the Next: hint', async () => {
    const cwd = await freshDir('dn-init-');
    const result = await init(['--backend', 'local', '--dir', 'ws'], cwd);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    const dir = path.join(cwd, 'ws');
    const files = await listFiles(dir);
    expect(files.filter((file) => !file.startsWith('reports/'))).toEqual(LOCAL_FILES);
    expect(files.some((file) => /^reports\/financial-reports\/2025\/January\/.+\.pdf$/.test(file))).toBe(
      true,
    );
    const config = path.join(dir, '.distronationrc.yaml');
    expect(result.stdout).toBe(
      `✔ wrote ${files.length} files into ${dir}\n` +
        `✔ config: ${config} is valid\n` +
        '✔ complete: every key a send needs on the local backend is set\n' +
        `✔ signing key: ${path.join(dir, 'keys/cloudfront-private.pem')} is readable (a private key)\n` +
        `✔ token key: ${path.join(dir, 'keys/unsubscribe-token.key')} is readable\n` +
        `Next: dn-mailer send-report --month January --year 2025 --dry-run --config ${config}\n`,
    );
    expect(parseYaml(await readFile(config, 'utf8'))).toMatchObject({ backend: 'local' });
    for (const secret of ['keys/cloudfront-private.pem', 'keys/unsubscribe-token.key']) {
      expect((await stat(path.join(dir, secret))).mode & 0o777, secret).toBe(0o600);
    }
  });

  it('the workspace it writes is a valid config: doctor passes on it', async () => {
    const dir = await freshDir('dn-init-');
    expect((await init(['--backend', 'local', '--dir', dir], dir)).code).toBe(ExitCode.ok);
    const doctor = await runInProcess(['doctor', '--config', path.join(dir, '.distronationrc.yaml')], {
      cwd: dir,
      now: NOW,
    });
    expect(doctor.code, doctor.stdout).toBe(ExitCode.ok);
  });

  it('--json gives { backend, dir, files, next, checks, missing } with absolute file paths', async () => {
    const dir = await freshDir('dn-init-');
    const result = await init(['--backend', 'local', '--dir', dir, '--json'], '/');
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    const report = result.json<{
      backend: string;
      dir: string;
      files: string[];
      next: string;
      checks: { name: string; ok: boolean }[];
      missing: string[];
    }>();
    expect(Object.keys(report)).toEqual(['backend', 'dir', 'files', 'next', 'checks', 'missing']);
    expect(report.checks.map((check) => [check.name, check.ok])).toEqual([
      ['config', true],
      ['complete', true],
      ['signing key', true],
      ['token key', true],
    ]);
    expect(report.missing).toEqual([]);
    expect(report.backend).toBe('local');
    expect(report.dir).toBe(dir);
    expect([...report.files].sort()).toEqual((await listFiles(dir)).map((file) => path.join(dir, file)));
    expect(report.next).toBe(
      `dn-mailer send-report --month January --year 2025 --dry-run --config ${path.join(dir, '.distronationrc.yaml')}`,
    );
  });

  it('without --backend writes the local workspace; without --dir writes into the current folder', async () => {
    const cwd = await freshDir('dn-init-');
    const result = await init(['--json'], cwd);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(result.json()).toMatchObject({ backend: 'local', dir: cwd });
    expect(await listFiles(cwd)).toEqual(expect.arrayContaining(LOCAL_FILES));
  });

  it('running again refuses to overwrite anything (exit 2) and leaves the files as they were', async () => {
    const dir = await freshDir('dn-init-');
    expect((await init(['--backend', 'local', '--dir', dir], dir)).code).toBe(ExitCode.ok);
    const key = path.join(dir, 'keys', 'unsubscribe-token.key');
    const before = await readFile(key, 'utf8');
    const files = await listFiles(dir);
    const again = await init(['--backend', 'local', '--dir', dir], dir);
    expect(again.code).toBe(ExitCode.usage);
    expect(again.stderr).toContain(`${path.join(dir, '.distronationrc.yaml')} already exists`);
    expect(again.stderr).toContain('never overwrites');
    expect(again.stderr).toContain('hint: choose an empty folder with --dir');
    expect(again.stdout).toBe('');
    expect(await readFile(key, 'utf8')).toBe(before);
    expect(await listFiles(dir)).toEqual(files);
  });

  it('--backend local refuses the aws answer flags (exit 2) and writes nothing', async () => {
    const dir = await freshDir('dn-init-');
    const result = await init(['--backend', 'local', '--dir', dir, '--bucket', 'acme-reports'], dir);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('--bucket is for --backend aws');
    expect(await readdir(dir)).toEqual([]);
  });
});

/** Real-looking answers: none under example.com / example.test, none of the documentation's sample IDs. */
const AWS_FLAGS: Record<string, string> = {
  'korrect-url': 'https://api.korrect.io/v1/',
  'korrect-key-secret': 'acme/korrect-api-key',
  bucket: 'acme-finance-reports',
  'cloudfront-url': 'https://d3kq8r2v9xyz01.cloudfront.net',
  'key-pair-id': 'K3QWERTYUIOP7Z',
  'private-key-secret': 'acme/cloudfront-private-key',
  from: 'Acme Finance <reports@acme-finance.io>',
  'configuration-set': 'acme-reports',
  'contact-list': 'acme-creators',
  'ledger-table': 'acme-ledger',
  'tracking-table': 'acme-tracking',
  'audit-table': 'acme-audit',
  'unsubscribe-url': 'https://mail.acme-finance.io/unsubscribe',
  'token-key-secret': 'acme/unsubscribe-token-key',
};

const flagArgs = (flags: Record<string, string>) =>
  Object.entries(flags).flatMap(([flag, value]) => [`--${flag}`, value]);

describe('dn-mailer init --backend aws (in-process, unattended)', () => {
  it('every flag given: writes a config the real loader accepts, lists the AWS resources, hints doctor', async () => {
    const dir = await freshDir('dn-init-');
    const result = await init(['--backend', 'aws', '--dir', dir, ...flagArgs(AWS_FLAGS)], dir);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(await readdir(dir)).toEqual(['.distronationrc.yaml']);
    const file = path.join(dir, '.distronationrc.yaml');
    const { config } = await loadConfig({ cwd: dir, env: {} });
    expect(config.backend).toBe('aws');
    expect(config.users.korrect?.baseUrl).toBe('https://api.korrect.io/v1');
    expect(config.users.korrect?.apiKey).toEqual({ secret: 'acme/korrect-api-key' });
    expect(config.reports.bucket).toBe('acme-finance-reports');
    expect(config.links).toMatchObject({
      baseUrl: 'https://d3kq8r2v9xyz01.cloudfront.net',
      keyPairId: 'K3QWERTYUIOP7Z',
      privateKey: { secret: 'acme/cloudfront-private-key' },
    });
    expect(config.email?.from).toBe('Acme Finance <reports@acme-finance.io>');
    expect(config.tracking).toMatchObject({
      ledgerTable: 'acme-ledger',
      table: 'acme-tracking',
      auditTable: 'acme-audit',
    });
    expect(config.unsubscribe).toMatchObject({
      baseUrl: 'https://mail.acme-finance.io/unsubscribe',
      tokenKey: { secret: 'acme/unsubscribe-token-key' },
      contactList: 'acme-creators',
    });
    expect(result.stdout).toContain(`✔ config: ${file} is valid`);
    expect(result.stdout).toContain('Still missing (init cannot check these; doctor does):');
    for (const resource of [
      'S3 bucket acme-finance-reports',
      'DynamoDB table acme-ledger (keys campaignId (S), email (S))',
      'Secrets Manager secret acme/unsubscribe-token-key',
      'SES contact list acme-creators',
    ]) {
      expect(result.stdout).toContain(resource);
    }
    expect(result.stdout).toMatch(new RegExp(`Next: dn-mailer doctor --config ${file}\n$`));
    // The hint runs as printed: doctor finds the config valid, and fails only where AWS must answer (no region here).
    const doctor = await runInProcess(['doctor', '--config', file], { cwd: dir, now: NOW });
    expect(doctor.stdout).toContain(`✔ config — ${file} is valid`);
    expect(doctor.stdout).not.toContain('config invalid');
    expect(doctor.code).not.toBe(ExitCode.ok);
  });

  it.each([
    ['korrect-url', 'https://api.example.com/staging', 'api.example.com is an example host'],
    ['cloudfront-url', 'https://d111111abcdef8.cloudfront.net', 'd111111abcdef8 is the documentation'],
    ['key-pair-id', 'K2JCJMDEHXQW5F', 'K2JCJMDEHXQW5F is the documentation'],
    ['key-pair-id', 'my-key', 'expected a CloudFront public key ID'],
    ['from', 'Finance <reports@example.test>', 'example.test is an example domain'],
    ['from', 'reports', 'expected an address'],
    ['unsubscribe-url', 'http://mail.acme-finance.io/unsubscribe', 'expected an https URL'],
    ['bucket', 'Not A Bucket', 'expected an S3 bucket name'],
    ['ledger-table', 'a b', 'expected a DynamoDB table name'],
    ['token-key-secret', 'has spaces in it', 'expected a Secrets Manager secret name'],
  ])('--%s %s: exit 2 naming the flag, nothing written', async (flag, value, problem) => {
    const dir = await freshDir('dn-init-');
    const args = flagArgs({ ...AWS_FLAGS, [flag]: value });
    const result = await init(['--backend', 'aws', '--dir', dir, ...args], dir);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('cannot go into the config (nothing written)');
    expect(result.stderr).toContain(`--${flag}: ${problem}`);
    expect(result.stdout).toBe('');
    expect(await readdir(dir)).toEqual([]);
  });

  it('missing flags without a terminal: exit 2 listing exactly those flags, nothing written', async () => {
    const dir = await freshDir('dn-init-');
    const { bucket: _, 'audit-table': __, from: ___, ...given } = AWS_FLAGS;
    const result = await init(['--backend', 'aws', '--dir', dir, '--json', ...flagArgs(given)], dir);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.json()).toEqual({
      error: {
        message: 'init --backend aws without a terminal needs every answer as a flag; missing 3:',
        exitCode: ExitCode.usage,
        hint: 'give every flag (dn-mailer init --help lists them), or run it in a terminal to be asked',
        details: ['--bucket', '--from', '--audit-table'],
      },
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it('no flags at all without a terminal: lists all 14 flags', async () => {
    const dir = await freshDir('dn-init-');
    const result = await init(['--backend', 'aws', '--dir', dir], dir);
    expect(result.code).toBe(ExitCode.usage);
    for (const flag of Object.keys(AWS_FLAGS)) expect(result.stderr).toContain(`  - --${flag}\n`);
    expect(await readdir(dir)).toEqual([]);
  });
});
