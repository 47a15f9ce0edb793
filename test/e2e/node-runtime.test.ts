import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, DEMO_CONFIG, runCli } from '../support/cli.js';
import { freshDir } from '../support/demo.js';

// Which Node runs the spawned CLI, asked of the CLI's own process: a preload (NODE_OPTIONS=--require, honoured by the
// child node) writes its process.version and script path to a file. scripts/e2e-node-lts.mjs sets
// DN_MAILER_E2E_NODE / DN_MAILER_E2E_CLI to a Node 22 or 24 binary and the install made with it, and
// DN_MAILER_E2E_EXPECT_NODE to the major it expects, so a silent fallback to the Node running vitest fails here.
const expectedMajor = process.env.DN_MAILER_E2E_EXPECT_NODE;

interface Probe {
  version: string;
  script: string;
}

async function probeCli(
  args: readonly string[],
): Promise<{ probe: Probe; stderr: string; code: number | null }> {
  const dir = await freshDir('dn-runtime-');
  const out = path.join(dir, 'probe.json');
  const preload = path.join(dir, 'probe.cjs');
  await writeFile(
    preload,
    `require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({` +
      ' version: process.version, script: process.argv[1] }));\n',
  );
  const result = await runCli([...args], { env: { NODE_OPTIONS: `--require ${preload}` } });
  const probe = JSON.parse(await readFile(out, 'utf8')) as Probe;
  return { probe, stderr: result.stderr, code: result.code };
}

describe('the Node.js runtime of the spawned CLI', () => {
  it('is the one the e2e run asked for, running the CLI it asked for', async () => {
    const { probe, code } = await probeCli(['--version']);
    expect(code).toBe(0);
    expect(probe.script).toBe(CLI);
    if (expectedMajor) expect(probe.version).toMatch(new RegExp(`^v${expectedMajor}\\.`));
    else expect(probe.version).toBe(process.version);
  });

  it('prints no runtime warning (deprecations, the AWS SDK Node version notice) on a demo dry run', async () => {
    const out = await freshDir('dn-runtime-out-');
    const args = [
      'send-report',
      '--config',
      DEMO_CONFIG,
      '--month',
      'January',
      '--year',
      '2025',
      '--dry-run',
    ];
    const { stderr, code } = await probeCli([...args, '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stderr).not.toMatch(/\(node:\d+\)|Warning\b/);
  });
});
