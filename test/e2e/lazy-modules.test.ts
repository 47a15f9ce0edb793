import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEMO_CONFIG, runCli } from '../support/cli.js';
import { freshDir } from '../support/demo.js';

// Spawns the BUILT CLI (`npm run build` first) with a loader hook that writes down every module it resolves.
const HOOK = fileURLToPath(new URL('../support/module-log.mjs', import.meta.url));

/** The packages a local run must not load: the AWS SDK's clients, the inbound-mail parser, prompts, the spinner. */
const NOT_FOR_A_LOCAL_RUN = [
  '@aws-sdk/client-',
  '@aws-sdk/lib-dynamodb',
  '/mailparser/',
  '/@inquirer/',
  '/ora/',
];

async function modulesLoadedBy(
  args: string[],
): Promise<{ code: number | null; stderr: string; urls: string[] }> {
  const dir = await freshDir('dn-e2e-modules-');
  const log = path.join(dir, 'modules.log');
  const result = await runCli(args, {
    env: { NODE_OPTIONS: `--import=${HOOK}`, DN_TEST_MODULE_LOG: log },
  });
  expect(result.stderr).not.toMatch(/Error \[|at .*\(node:/);
  const urls = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  return { code: result.code, stderr: result.stderr, urls };
}

const loadedOf = (urls: readonly string[], part: string) => urls.filter((url) => url.includes(part));

describe('a run on the local backend loads only what it uses', () => {
  it('send-report --dry-run on the demo: no AWS SDK, mail parser, prompt or spinner module (the hook sees the rest)', async () => {
    const out = await freshDir('dn-e2e-modules-out-');
    const { code, stderr, urls } = await modulesLoadedBy([
      'send-report',
      '--dry-run',
      '--month',
      'January',
      '--year',
      '2025',
      '--config',
      DEMO_CONFIG,
      '--out',
      out,
    ]);
    expect(code, stderr).toBe(0);
    // The hook works: it saw the modules the dry run does use.
    expect(loadedOf(urls, '/handlebars/').length).toBeGreaterThan(0);
    expect(loadedOf(urls, '/nodemailer/').length).toBeGreaterThan(0);
    expect(loadedOf(urls, '/dist/adapters/local/backend.js')).toHaveLength(1);
    for (const part of NOT_FOR_A_LOCAL_RUN) expect(loadedOf(urls, part), part).toEqual([]);
    expect(loadedOf(urls, '/dist/adapters/aws/backend.js')).toEqual([]);
  });

  it('--help loads none of them either', async () => {
    const { code, urls } = await modulesLoadedBy(['--help']);
    expect(code).toBe(0);
    expect(loadedOf(urls, '/commander/').length).toBeGreaterThan(0);
    for (const part of NOT_FOR_A_LOCAL_RUN) expect(loadedOf(urls, part), part).toEqual([]);
  });
});
