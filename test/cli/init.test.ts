import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
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

  it('--json gives { backend, dir, files, next } with absolute file paths', async () => {
    const dir = await freshDir('dn-init-');
    const result = await init(['--backend', 'local', '--dir', dir, '--json'], '/');
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    const report = result.json<{ backend: string; dir: string; files: string[]; next: string }>();
    expect(Object.keys(report)).toEqual(['backend', 'dir', 'files', 'next']);
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

  it('--backend aws without a terminal refuses (exit 2) with a hint and writes nothing', async () => {
    const dir = await freshDir('dn-init-');
    const result = await init(['--backend', 'aws', '--dir', dir], dir);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('dn-mailer init --backend aws asks questions: run it in a terminal');
    expect(result.stderr).toContain('hint: or copy .distronationrc.example and edit it');
    expect(await readdir(dir)).toEqual([]);
  });

  it('--backend aws --json: the error as JSON on stdout', async () => {
    const dir = await freshDir('dn-init-');
    const result = await init(['--backend', 'aws', '--dir', dir, '--json'], dir);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.json()).toEqual({
      error: {
        message: 'dn-mailer init --backend aws asks questions: run it in a terminal',
        exitCode: ExitCode.usage,
        hint: 'or copy .distronationrc.example and edit it',
        details: [],
      },
    });
  });
});
