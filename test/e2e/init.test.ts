import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runCli } from '../support/cli.js';

describe('dn-mailer init (built CLI)', () => {
  it('--backend local writes a ready workspace: a dry run and a send work at once', async () => {
    const dir = path.join(await mkdtemp(path.join(tmpdir(), 'dn-init-')), 'ws');
    const init = await runCli(['init', '--backend', 'local', '--dir', dir, '--json']);
    expect(init.code, init.stderr).toBe(0);
    const written = JSON.parse(init.stdout) as { files: string[]; next: string };
    expect(written.files.map((f) => path.relative(dir, f)).sort()).toContain('keys/cloudfront-private.pem');
    expect((await stat(path.join(dir, 'keys', 'cloudfront-private.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, 'keys', 'unsubscribe-token.key'))).mode & 0o777).toBe(0o600);
    const config = parseYaml(await readFile(path.join(dir, '.distronationrc.yaml'), 'utf8'));
    expect(config.backend).toBe('local');

    const [month, year] = [...written.next.matchAll(/--(month|year) (\S+)/g)].map((m) => m[2] ?? '');
    const dryRun = await runCli(
      ['send-report', '--month', month ?? '', '--year', year ?? '', '--dry-run', '--json'],
      {
        cwd: dir,
      },
    );
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(JSON.parse(dryRun.stdout).counts).toMatchObject({ recipients: 2, messages: 2, links: 3 });
    const doctor = await runCli(['doctor'], { cwd: dir });
    expect(doctor.code, doctor.stdout).toBe(0);
    const send = await runCli(['send-report', '--month', month ?? '', '--year', year ?? '', '--yes'], {
      cwd: dir,
    });
    expect(send.code, send.stderr).toBe(0);
    expect(await readdir(path.join(dir, '.dn-mailer', 'outbox'))).toHaveLength(2);
  }, 60_000);

  it('never overwrites a file (exit 2)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dn-init-'));
    expect((await runCli(['init', '--backend', 'local', '--dir', dir])).code).toBe(0);
    const again = await runCli(['init', '--backend', 'local', '--dir', dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('never overwrites');
  });

  it('--backend aws without a terminal and without flags refuses (exit 2), listing the flags', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dn-init-'));
    const result = await runCli(['init', '--backend', 'aws', '--dir', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--korrect-url');
    expect(result.stderr).toContain('--token-key-secret');
    expect(await readdir(dir)).toEqual([]);
  });

  it('--backend aws with every flag: doctor finds the config valid; a placeholder is refused', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dn-init-'));
    const flags = {
      'korrect-url': 'https://api.korrect.io/v1',
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
    const args = (edit: Record<string, string>) =>
      Object.entries({ ...flags, ...edit }).flatMap(([flag, value]) => [`--${flag}`, value]);

    const placeholder = await runCli(['init', '--backend', 'aws', '--dir', dir, ...args({ bucket: 'x' })]);
    expect(placeholder.code).toBe(2);
    expect(placeholder.stderr).toContain('--bucket: expected an S3 bucket name');
    const sample = await runCli([
      'init',
      '--backend',
      'aws',
      '--dir',
      dir,
      ...args({ 'key-pair-id': 'K2JCJMDEHXQW5F' }),
    ]);
    expect(sample.code).toBe(2);
    expect(sample.stderr).toContain('--key-pair-id: K2JCJMDEHXQW5F is the documentation');
    expect(await readdir(dir)).toEqual([]);

    const init = await runCli(['init', '--backend', 'aws', '--dir', dir, '--json', ...args({})]);
    expect(init.code, init.stderr).toBe(0);
    const written = JSON.parse(init.stdout) as { next: string; missing: string[] };
    expect(written.missing).toContain(
      'S3 bucket acme-finance-reports (the reports), listable by this identity',
    );
    // The Next: hint runs as printed; without AWS it fails on reaching AWS, never on the config.
    const [command, ...rest] = written.next.split(' ');
    expect(command).toBe('dn-mailer');
    const doctor = await runCli([...rest, '--json'], { cwd: dir });
    const report = JSON.parse(doctor.stdout) as { checks: { name: string; ok: boolean }[] };
    expect(report.checks[0]).toMatchObject({ name: 'config', ok: true });
  }, 60_000);
});
