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

  it('--backend aws asks questions, so without a terminal it refuses (exit 2)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dn-init-'));
    const result = await runCli(['init', '--backend', 'aws', '--dir', dir]);
    expect(result.code).toBe(2);
    expect(await readdir(dir)).toEqual([]);
  });
});
