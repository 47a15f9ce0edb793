import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/stack-outputs/', import.meta.url));
const FLAGS = [
  ['--korrect-url', 'https://api.korrect.io/v1'],
  ['--korrect-key-secret', 'acme/korrect-api-key'],
  ['--bucket', 'acme-finance-reports'],
  ['--cloudfront-url', 'https://d3kq8r2v9xyz01.cloudfront.net'],
  ['--key-pair-id', 'K3QWERTYUIOP7Z'],
  ['--private-key-secret', 'acme/cloudfront-private-key'],
  ['--from', 'Acme Finance <reports@acme-finance.io>'],
].flat();

describe('dn-mailer init --from-stack (built CLI)', () => {
  it('describe-stacks JSON: writes the config, prints the role ARN, and doctor finds the config valid', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dn-init-stack-'));
    const outputs = path.join(FIXTURES, 'describe-stacks.json');
    const init = await runCli(['init', '--from-stack', outputs, '--dir', dir, ...FLAGS]);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain(
      '  DN_MAILER_ROLE_ARN=arn:aws:iam::123456789012:role/DnMailer-GitHubRole1A2B3C4D5E6F\n',
    );
    const config = path.join(dir, '.distronationrc.yaml');
    expect(init.stdout).toContain(`Next: dn-mailer doctor --config ${config}\n`);
    const doctor = await runCli(['doctor', '--config', config], { cwd: dir });
    expect(doctor.stdout).toContain(`✔ config — ${config} is valid`);
  }, 60_000);

  it('a file that is not JSON: exit 4 naming it, nothing written', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dn-init-stack-'));
    const result = await runCli([
      'init',
      '--from-stack',
      path.join(FIXTURES, '..', 'ses-events', 'README.md'),
      '--dir',
      dir,
      ...FLAGS,
    ]);
    expect(result.code, result.stderr).toBe(4);
    expect(result.stderr).toContain('ses-events/README.md is not valid JSON');
    expect(await readdir(dir)).toEqual([]);
  });
});
