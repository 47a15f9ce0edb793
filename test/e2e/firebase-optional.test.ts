import { cp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CONFIG, REPO_ROOT, runCli } from '../support/cli.js';
import { freshDir } from '../support/demo.js';

// firebase-admin is an optional dependency: an install without it (`npm install --omit=optional`) must still work
// for the file and Korrect sources, and `users.source: firestore` must say what to install. The install here is a
// copy of the built package (bin/, dist/, package.json, templates/) whose node_modules links every package of this
// clone except firebase-admin, so Node's own resolution really finds no firebase-admin. Needs `npm run build`.

const DRY_RUN = ['send-report', '--month', 'January', '--year', '2025', '--dry-run', '--json'];

/** The built package in a temp folder, without firebase-admin among its node_modules; returns its bin. */
async function installWithoutFirebaseAdmin(root: string): Promise<string> {
  const pkg = path.join(root, 'dn-mailer');
  for (const part of ['bin', 'dist', 'templates', 'package.json'])
    await cp(path.join(REPO_ROOT, part), path.join(pkg, part), { recursive: true });
  const modules = path.join(pkg, 'node_modules');
  await mkdir(modules);
  for (const name of await readdir(path.join(REPO_ROOT, 'node_modules'))) {
    if (name === 'firebase-admin' || name.startsWith('.')) continue;
    await symlink(path.join(REPO_ROOT, 'node_modules', name), path.join(modules, name));
  }
  return path.join(pkg, 'bin', 'dn-mailer.js');
}

/** A copy of the demo workspace whose users come from Firestore (a service account file that is not a key). */
async function firestoreWorkspace(root: string): Promise<string> {
  const dir = path.join(root, 'workspace');
  await cp(path.dirname(DEMO_CONFIG), dir, {
    recursive: true,
    filter: (source) => !/[/\\](\.dn-mailer|outbox|out|previews)$/.test(source),
  });
  const config = path.join(dir, path.basename(DEMO_CONFIG));
  const demo = JSON.parse(await readFile(config, 'utf8')) as { users: Record<string, unknown> };
  demo.users = {
    ...demo.users,
    source: 'firestore',
    firestore: { serviceAccount: { file: 'firebase-sa.json' } },
  };
  delete demo.users.file;
  await writeFile(config, JSON.stringify(demo, null, 2));
  await writeFile(path.join(dir, 'firebase-sa.json'), '{"type":"service_account"}');
  return config;
}

describe('firebase-admin is optional', () => {
  let root: string;
  let cli: string;
  let firestoreConfig: string;

  beforeAll(async () => {
    root = await freshDir('dn-no-firebase-');
    cli = await installWithoutFirebaseAdmin(root);
    firestoreConfig = await firestoreWorkspace(root);
  }, 60_000);

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('an install without it dry-runs the demo (users from a file)', async () => {
    const out = path.join(root, 'out-file');
    const result = await runCli([...DRY_RUN, '--config', DEMO_CONFIG, '--out', out], { cli });
    expect(result.code, result.stderr).toBe(0);
  });

  it('users.source firestore without it is a config error (exit 3) that says what to install', async () => {
    const out = path.join(root, 'out-firestore');
    const result = await runCli([...DRY_RUN, '--config', firestoreConfig, '--out', out], { cli });
    expect(result.code, result.stderr).toBe(3);
    const { error } = JSON.parse(result.stdout) as { error: { message: string; hint: string | null } };
    expect(error.message).toBe(
      'users.source is firestore but the optional package firebase-admin is not installed',
    );
    expect(error.hint).toContain('npm install firebase-admin@13.9.0');
  });

  it('with it installed (this clone), the same config gets as far as the service account', async () => {
    const out = path.join(root, 'out-installed');
    const result = await runCli([...DRY_RUN, '--config', firestoreConfig, '--out', out]);
    expect(result.code, result.stderr).toBe(3);
    const { error } = JSON.parse(result.stdout) as { error: { message: string } };
    expect(error.message).toMatch(/^users\.firestore\.serviceAccount: not a usable Firebase service account/);
  });
});
