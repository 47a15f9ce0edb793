import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CONFIG, REPO_ROOT } from '../support/cli.js';

// Installs the packed tarball (`npm pack`) globally into a temporary prefix — never the user's own prefix — and runs
// the installed `dn-mailer` from a folder that is not the clone. Needs `npm run build` first (the suite runs after
// it) and the npm registry (the tarball's dependencies). better-sqlite3 downloads a prebuilt binary, or compiles
// itself when none can be fetched: that compile is why the timeout is generous.
const INSTALL_TIMEOUT = 300_000;
const run = promisify(execFile);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of this process minus npm's own per-run settings (`npm test` exports them). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_(lifecycle|package|config_(prefix|global|location|dry_run))/i.test(name)) continue;
    env[name] = value;
  }
  return { ...env, CI: 'true', AWS_EC2_METADATA_DISABLED: 'true', ...extra };
}

async function exec(file: string, args: readonly string[], cwd: string, env = cleanEnv()): Promise<Result> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? String(error),
    };
  }
}

describe('the packed tarball installed globally into a temp prefix', () => {
  let root: string;
  let prefix: string;
  let bin: string;
  let elsewhere: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'dn-install-'));
    prefix = path.join(root, 'prefix');
    elsewhere = path.join(root, 'elsewhere');
    await mkdir(elsewhere);
    const packs = path.join(root, 'pack');
    await mkdir(packs);
    // --ignore-scripts: `prepare` would rebuild dist/ in the clone while other tests read it; the suite built it.
    const pack = await exec('npm', ['pack', '--ignore-scripts', '--pack-destination', packs], REPO_ROOT);
    expect(pack.code, pack.stderr).toBe(0);
    const [tarball] = (await readdir(packs)).filter((name) => name.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    const install = await exec(
      'npm',
      ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', path.join(packs, tarball ?? '')],
      root,
    );
    expect(install.code, install.stderr).toBe(0);
    bin = path.join(prefix, 'bin', 'dn-mailer');
  }, INSTALL_TIMEOUT);

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('was packed from a built dist/', async () => {
    await expect(stat(path.join(REPO_ROOT, 'dist', 'cli', 'main.js'))).resolves.toBeTruthy();
  });

  it('runs `dn-mailer --version` from another folder', async () => {
    const result = await exec(bin, ['--version'], elsewhere);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('dry-runs a copy of the demo workspace from another folder, with its own templates', async () => {
    const demo = path.join(root, 'demo');
    const out = path.join(root, 'out');
    await cp(path.dirname(DEMO_CONFIG), demo, {
      recursive: true,
      filter: (source) => !source.includes(`${path.sep}.dn-mailer`),
    });
    const config = path.join(demo, path.basename(DEMO_CONFIG));
    const args = ['send-report', '--config', config, '--month', 'January', '--year', '2025', '--dry-run'];
    const result = await exec(bin, [...args, '--out', out], elsewhere);
    expect(result.code, result.stderr).toBe(0);
    const written = await readdir(out);
    expect(written).toContain('manifest.json');
    for (const extension of ['.eml', '.html', '.txt']) {
      expect(written.some((name) => /^\d{3}-/.test(name) && name.endsWith(extension))).toBe(true);
    }
  });

  it('runs every "Next:" line that `init --backend local` prints, exactly as printed', async () => {
    const workspace = path.join(root, 'workspace');
    const init = await exec(bin, ['init', '--backend', 'local', '--dir', workspace], elsewhere);
    expect(init.code, init.stderr).toBe(0);
    const hints = [...`${init.stdout}\n${init.stderr}`.matchAll(/^Next: (.+)$/gm)].map(
      (match) => match[1] ?? '',
    );
    expect(hints.length, init.stdout).toBeGreaterThan(0);
    // The operator types the line into a shell where `dn-mailer` is the installed command.
    const env = cleanEnv({ PATH: `${path.dirname(bin)}${path.delimiter}${process.env.PATH ?? ''}` });
    for (const next of hints) {
      expect(next).toMatch(/^dn-mailer /);
      const result = await exec('/bin/sh', ['-c', next], elsewhere, env);
      expect(result.code, `${next}\n${result.stdout}\n${result.stderr}`).toBe(0);
    }
  });
});
