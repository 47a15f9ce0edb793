import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeps } from '../../src/cli/deps.js';
import { ExitCode } from '../../src/core/common/errors.js';
import { freshDir } from '../support/demo.js';
import { createdEntries, fileModes, notPrivate } from '../support/file-modes.js';
import { runInProcess } from '../support/memory-backend.js';
import { DEMO_JANUARY_FINDINGS, demoWorkspace, JANUARY } from '../support/send-world.js';

// In-process on the REAL local backend (createDeps with the real backend map): what dn-mailer writes to disk
// holds addresses, signed links and tokens, so under the usual umask 022 every file it writes is 0600 and every
// folder it creates 0700.
const NOW = new Date('2025-02-10T12:00:00Z');
const CAMPAIGN = 'financial-2025-01';

let umaskBefore: number;
beforeAll(() => {
  umaskBefore = process.umask(0o022);
});
afterAll(() => {
  process.umask(umaskBefore);
});

const run = (args: readonly string[], cwd: string) =>
  runInProcess(args, { cwd, now: NOW, makeDeps: createDeps });

describe('under umask 022 (in-process, real local files)', () => {
  it('a dry run: previews, manifest.json, report.html and plan-digest.txt are 0600 in 0700 folders', async () => {
    const ws = await demoWorkspace();
    const before = await fileModes(ws.dir);
    const result = await run(['send-report', ...JANUARY, '--dry-run', '--config', ws.config], ws.dir);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    const created = createdEntries(before, await fileModes(ws.dir));
    const folder = `previews/${CAMPAIGN}`;
    expect(created).toMatchObject({
      previews: 'dir 700',
      [folder]: 'dir 700',
      [`${folder}/manifest.json`]: 'file 600',
      [`${folder}/report.html`]: 'file 600',
      [`${folder}/plan-digest.txt`]: 'file 600',
    });
    const names = Object.keys(created).filter((name) => name.startsWith(`${folder}/`));
    for (const ext of ['.html', '.txt', '.eml']) {
      expect(names.filter((name) => /\/\d+-/.test(name) && name.endsWith(ext)).length, ext).toBe(7);
    }
    expect(names.filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(notPrivate(created)).toEqual({});

    // A second dry run replaces the previews, still private, and leaves no temp file.
    const again = await run(['send-report', ...JANUARY, '--dry-run', '--config', ws.config], ws.dir);
    expect(again.code, again.stderr).toBe(ExitCode.ok);
    const after = createdEntries(before, await fileModes(ws.dir));
    expect(Object.keys(after).sort()).toEqual(Object.keys(created).sort());
    expect(notPrivate(after)).toEqual({});
  });

  it('a local send: the outbox .eml files and the run report are 0600 in 0700 folders', async () => {
    const ws = await demoWorkspace();
    const before = await fileModes(ws.dir);
    const result = await run(
      ['send-report', ...JANUARY, ...DEMO_JANUARY_FINDINGS, '--yes', '--json', '--config', ws.config],
      ws.dir,
    );
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    const created = createdEntries(before, await fileModes(ws.dir));
    const emls = Object.keys(created).filter((name) => name.startsWith('.dn-mailer/outbox/'));
    expect(emls).toHaveLength(7);
    expect(emls.every((name) => name.endsWith('.eml'))).toBe(true);
    const reports = Object.keys(created).filter((name) => /^\.dn-mailer\/reports\/.+\.html$/.test(name));
    expect(reports).toHaveLength(1);
    expect(created).toMatchObject({ '.dn-mailer/outbox': 'dir 700', '.dn-mailer/reports': 'dir 700' });
    // The SQLite files are another module's (and private too); everything else dn-mailer wrote is checked here.
    const ours = Object.fromEntries(Object.entries(created).filter(([name]) => !name.includes('.sqlite')));
    expect(notPrivate(ours)).toEqual({});
  });

  it('preview: --out creates its folders 0700 and the file 0600; without --out a new 0700 folder in tmp', async () => {
    const ws = await demoWorkspace();
    const before = await fileModes(ws.dir);
    const args = ['preview', '-m', 'January', '-y', '2025', '--custom-id', 'MOL', '--config', ws.config];
    const out = await run([...args, '--out', 'out/nested/mol.html'], ws.dir);
    expect(out.code, out.stderr).toBe(ExitCode.ok);
    expect(createdEntries(before, await fileModes(ws.dir))).toEqual({
      out: 'dir 700',
      'out/nested': 'dir 700',
      'out/nested/mol.html': 'file 600',
    });

    // runInProcess's temp folder is <cwd>/tmp.
    await mkdir(path.join(ws.dir, 'tmp'));
    const planted = path.join(ws.dir, 'tmp', `dn-mailer-preview-${CAMPAIGN}-MOL.html`);
    const victim = path.join(await freshDir('dn-victim-'), 'victim');
    await writeFile(victim, 'precious', { mode: 0o600 });
    await symlink(victim, planted);
    const temp = await run(args, ws.dir);
    expect(temp.code, temp.stderr).toBe(ExitCode.ok);
    const file = temp.stdout.trim();
    expect(path.dirname(path.dirname(file))).toBe(path.join(ws.dir, 'tmp'));
    expect(await fileModes(path.join(ws.dir, 'tmp'))).toEqual({
      [path.basename(planted)]: 'other 777',
      [path.basename(path.dirname(file))]: 'dir 700',
      [path.relative(path.join(ws.dir, 'tmp'), file)]: 'file 600',
    });
    expect(await readFile(victim, 'utf8')).toBe('precious');
  });

  it('init --backend local: every file 0600, every folder it creates 0700', async () => {
    const cwd = await freshDir('dn-init-modes-');
    const result = await run(['init', '--backend', 'local', '--dir', 'ws'], cwd);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    const modes = await fileModes(path.join(cwd, 'ws'));
    expect(modes).toMatchObject({
      '.distronationrc.yaml': 'file 600',
      'users.json': 'file 600',
      keys: 'dir 700',
      'keys/unsubscribe-token.key': 'file 600',
      'reports/financial-reports': 'dir 700',
    });
    expect(notPrivate(modes)).toEqual({});
    expect(notPrivate(await fileModes(cwd))).toEqual({});
  });
});

describe('init never writes through a symlink (exit 3, naming it; nothing written, nothing outside)', () => {
  async function initInto(plant: (dir: string, outside: string) => Promise<string>) {
    const dir = await freshDir('dn-init-link-');
    const outside = await freshDir('dn-init-outside-');
    const link = await plant(dir, outside);
    const outsideBefore = await fileModes(outside);
    const dirBefore = await fileModes(dir);
    const result = await run(['init', '--backend', 'local', '--dir', dir, '--json'], dir);
    expect(result.code, result.stderr).toBe(ExitCode.config);
    expect(result.json()).toMatchObject({
      error: {
        exitCode: 3,
        message: `${link} is a symlink; dn-mailer never writes through a symlink`,
        hint: expect.stringContaining('remove the symlink'),
      },
    });
    expect(await fileModes(outside)).toEqual(outsideBefore);
    expect(await fileModes(dir)).toEqual(dirBefore);
    return outside;
  }

  it('a dangling symlink where the token key goes', async () => {
    const outside = await initInto(async (dir, out) => {
      await mkdir(path.join(dir, 'keys'));
      const link = path.join(dir, 'keys', 'unsubscribe-token.key');
      await symlink(path.join(out, 'stolen.key'), link);
      return link;
    });
    expect(await readdir(outside)).toEqual([]);
  });

  it('a symlink to an existing file where the config goes', async () => {
    const outside = await initInto(async (dir, out) => {
      await writeFile(path.join(out, 'theirs.yaml'), 'precious\n');
      const link = path.join(dir, '.distronationrc.yaml');
      await symlink(path.join(out, 'theirs.yaml'), link);
      return link;
    });
    expect(await readFile(path.join(outside, 'theirs.yaml'), 'utf8')).toBe('precious\n');
  });

  it('a symlinked folder on the way (keys → outside)', async () => {
    const outside = await initInto(async (dir, out) => {
      const link = path.join(dir, 'keys');
      await symlink(out, link);
      return link;
    });
    expect(await readdir(outside)).toEqual([]);
  });
});
