import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { createConfigSchema } from '../../src/config/schema.js';
import { ExitCode } from '../../src/core/common/errors.js';
import { freshDir } from '../support/demo.js';
import { createMemoryWorld, runInProcess } from '../support/memory-backend.js';

/** `init --from-stack` in-process: the real program reads a real outputs file and writes into a temp folder. */

const NOW = new Date('2026-11-30T09:00:00.000Z');
const FIXTURES = fileURLToPath(new URL('../fixtures/stack-outputs/', import.meta.url));
const ROLE = 'arn:aws:iam::123456789012:role/DnMailer-GitHubRole1A2B3C4D5E6F';
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/dn-mailer-events';

/** The 7 answers the stack cannot give (real-looking: no example hosts, no documentation sample IDs). */
const OPERATOR_FLAGS: Record<string, string> = {
  'korrect-url': 'https://api.korrect.io/v1/',
  'korrect-key-secret': 'acme/korrect-api-key',
  bucket: 'acme-finance-reports',
  'cloudfront-url': 'https://d3kq8r2v9xyz01.cloudfront.net',
  'key-pair-id': 'K3QWERTYUIOP7Z',
  'private-key-secret': 'acme/cloudfront-private-key',
  from: 'Acme Finance <reports@acme-finance.io>',
};

const flagArgs = (flags: Record<string, string>) =>
  Object.entries(flags).flatMap(([flag, value]) => [`--${flag}`, value]);
const init = (args: readonly string[], cwd: string) =>
  runInProcess(['init', ...args], { cwd, now: NOW, world: createMemoryWorld() });

/** A working folder holding `infra/outputs.json` (a copy of a fixture, or the given text) and an empty `ws/`. */
async function workspace(outputs: string | { fixture: string }) {
  const cwd = await freshDir('dn-init-stack-');
  await mkdir(path.join(cwd, 'infra'));
  await mkdir(path.join(cwd, 'ws'));
  const file = path.join(cwd, 'infra', 'outputs.json');
  if (typeof outputs === 'string') await writeFile(file, outputs);
  else await copyFile(path.join(FIXTURES, outputs.fixture), file);
  return { cwd, ws: path.join(cwd, 'ws'), config: path.join(cwd, 'ws', '.distronationrc.yaml') };
}

describe('dn-mailer init --from-stack (in-process, unattended)', () => {
  it('cdk outputs file: writes a config the schema accepts with the stack values, says what came from where', async () => {
    const { cwd, ws, config } = await workspace({ fixture: 'cdk-outputs.json' });
    const result = await init(
      ['--from-stack', 'infra/outputs.json', '--dir', 'ws', ...flagArgs(OPERATOR_FLAGS)],
      cwd,
    );
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(await readdir(ws)).toEqual(['.distronationrc.yaml']);

    // The schema itself, on the file as written (no loader in between)…
    const raw = parseYaml(await readFile(config, 'utf8'));
    expect(createConfigSchema().safeParse(raw).success).toBe(true);
    // …and the real loader every command uses.
    const { config: loaded } = await loadConfig({ cwd: ws, env: {} });
    expect(loaded.backend).toBe('aws');
    expect(loaded.ses).toMatchObject({ region: 'eu-west-1', configurationSet: 'dn-mailer' });
    expect(loaded.tracking).toMatchObject({
      ledgerTable: 'dn-mailer-ledger',
      table: 'financial-campaign-tracking',
      suppressionTable: 'dn-mailer-suppressions',
      auditTable: 'dn-mailer-unsubscribe-audit',
    });
    expect(loaded.events.queueUrl).toBe(QUEUE);
    expect(loaded.unsubscribe).toMatchObject({
      mode: 'own',
      token: 'kms',
      kmsKeyId: 'alias/dn-unsubscribe',
      baseUrl: 'https://abc123.lambda-url.eu-west-1.on.aws',
      mailto: 'unsubscribe@mail.distro-nation.com',
      contactList: 'distro-nation',
      topic: 'financial-reports',
    });
    expect(loaded.unsubscribe.tokenKey).toBeUndefined();
    expect(loaded.users.korrect?.baseUrl).toBe('https://api.korrect.io/v1');
    expect(loaded.links).toMatchObject({
      keyPairId: 'K3QWERTYUIOP7Z',
      privateKey: { secret: 'acme/cloudfront-private-key' },
    });

    const out = result.stdout;
    expect(out).toMatch(
      /^✔ stack DnMailer \(infra\/outputs\.json, cdk deploy --outputs-file\): 14 outputs\n/,
    );
    expect(out).toMatch(/ {2}LedgerTableName +→ tracking\.ledgerTable +dn-mailer-ledger\n/);
    expect(out).toMatch(new RegExp(` {2}EventQueueUrl +→ events\\.queueUrl +${QUEUE}\\n`));
    expect(out).toMatch(/ {2}KmsKeyId +→ unsubscribe\.kmsKeyId +alias\/dn-unsubscribe\n/);
    expect(out).toMatch(/ {2}Region +→ ses\.region +eu-west-1\n/);
    expect(out).toContain(`✔ config: ${config} is valid`);
    expect(out).toContain('✔ complete: every key a send needs on the aws backend is set');
    // Only what the stack does not create is still missing.
    expect(out).toContain('  - S3 bucket acme-finance-reports (the reports), listable by this identity\n');
    expect(out).not.toMatch(/- DynamoDB table|- SES contact list|unsubscribe token key/);
    expect(out).toContain(
      'GitHub Actions: set these repository variables (Settings → Secrets and variables → Actions → Variables):\n' +
        `  DN_MAILER_ROLE_ARN=${ROLE}\n` +
        '  AWS_REGION=eu-west-1\n' +
        `Next: dn-mailer doctor --config ${config}\n`,
    );
    expect(out.endsWith(`Next: dn-mailer doctor --config ${config}\n`)).toBe(true);

    // The hint runs as printed: doctor finds the config valid (and fails only where AWS must answer).
    const doctor = await runInProcess(['doctor', '--config', config], { cwd: ws, now: NOW });
    expect(doctor.stdout).toContain(`✔ config — ${config} is valid`);
  });

  it('describe-stacks JSON with --json: the report adds the stack, each output → field, and the variables', async () => {
    const { cwd, ws, config } = await workspace({ fixture: 'describe-stacks.json' });
    const result = await init(
      ['--from-stack', 'infra/outputs.json', '--dir', ws, '--json', ...flagArgs(OPERATOR_FLAGS)],
      cwd,
    );
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    const report = result.json<{
      backend: string;
      files: string[];
      next: string;
      missing: string[];
      stack: {
        name: string;
        file: string;
        format: string;
        outputs: { output: string; field: string | null }[];
      };
      repositoryVariables: Record<string, string>;
    }>();
    expect(Object.keys(report)).toEqual([
      'backend',
      'dir',
      'files',
      'next',
      'checks',
      'missing',
      'stack',
      'repositoryVariables',
    ]);
    expect(report.backend).toBe('aws');
    expect(report.files).toEqual([config]);
    expect(report.stack).toMatchObject({
      name: 'DnMailer',
      file: 'infra/outputs.json',
      format: 'describe-stacks',
    });
    expect(report.stack.outputs).toContainEqual({
      output: 'EventQueueUrl',
      field: 'events.queueUrl',
      value: QUEUE,
    });
    expect(report.stack.outputs).toContainEqual({
      output: 'GitHubRoleArn',
      field: null,
      use: 'vars.DN_MAILER_ROLE_ARN',
      value: ROLE,
    });
    // No UnsubscribeAddress in this stack: no mailto line, and none in the config.
    expect(report.stack.outputs.map((o) => o.output)).not.toContain('UnsubscribeAddress');
    expect(report.repositoryVariables).toEqual({ DN_MAILER_ROLE_ARN: ROLE, AWS_REGION: 'eu-west-1' });
    expect(report.missing).toHaveLength(5);
    const { config: loaded } = await loadConfig({ cwd: ws, env: {} });
    expect(loaded.unsubscribe.mailto).toBeUndefined();
    expect(loaded.tracking.ledgerTable).toBe('dn-mailer-ledger');
  });

  it('--token-key-secret keeps AES tokens readable next to KMS', async () => {
    const { cwd, ws } = await workspace({ fixture: 'cdk-outputs.json' });
    const args = [
      '--from-stack',
      'infra/outputs.json',
      '--dir',
      'ws',
      '--token-key-secret',
      'acme/unsubscribe-token-key',
    ];
    const result = await init([...args, ...flagArgs(OPERATOR_FLAGS)], cwd);
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    const { config } = await loadConfig({ cwd: ws, env: {} });
    expect(config.unsubscribe).toMatchObject({
      token: 'kms',
      tokenKey: { secret: 'acme/unsubscribe-token-key' },
    });
    expect(result.stdout).toContain('Secrets Manager secret acme/unsubscribe-token-key (the AES token key)');
  });

  it('a file with several dn-mailer stacks: exit 2 naming them; --stack picks one', async () => {
    const fixture = JSON.parse(await readFile(path.join(FIXTURES, 'cdk-outputs.json'), 'utf8'));
    const staging = { ...fixture.DnMailer, LedgerTableName: 'dn-mailer-staging-ledger' };
    const { cwd, ws } = await workspace(JSON.stringify({ DnMailerStaging: staging, ...fixture }));
    const args = ['--from-stack', 'infra/outputs.json', '--dir', 'ws', ...flagArgs(OPERATOR_FLAGS)];
    const refused = await init(args, cwd);
    expect(refused.code).toBe(ExitCode.usage);
    expect(refused.stderr).toContain(
      "infra/outputs.json holds 2 stacks with dn-mailer's outputs; choose one",
    );
    expect(refused.stderr).toContain('stack DnMailerStaging');
    expect(refused.stderr).toContain('add --stack <name>');
    expect(await readdir(ws)).toEqual([]);
    const picked = await init([...args, '--stack', 'DnMailerStaging'], cwd);
    expect(picked.code, picked.stderr).toBe(ExitCode.ok);
    expect((await loadConfig({ cwd: ws, env: {} })).config.tracking.ledgerTable).toBe(
      'dn-mailer-staging-ledger',
    );
  });
});

describe('dn-mailer init --from-stack refuses, writing nothing', () => {
  async function refused(
    outputs: string | { fixture: string },
    extra: readonly string[] = [],
    flags = OPERATOR_FLAGS,
  ) {
    const { cwd, ws } = await workspace(outputs);
    const result = await init(
      ['--from-stack', 'infra/outputs.json', '--dir', 'ws', ...extra, ...flagArgs(flags)],
      cwd,
    );
    expect(result.stdout).toBe('');
    expect(await readdir(ws)).toEqual([]);
    return result;
  }

  it('bad JSON: exit 4 naming the file', async () => {
    const result = await refused('{ "DnMailer": { "LedgerTableName": "dn-mailer-ledger", ');
    expect(result.code).toBe(ExitCode.input);
    expect(result.stderr).toContain('--from-stack: infra/outputs.json is not valid JSON');
    expect(result.stderr).toContain('hint: give the file `cdk deploy --outputs-file outputs.json` wrote');
  });

  it('missing outputs: exit 4 naming the file, the stack and exactly the missing keys', async () => {
    const fixture = JSON.parse(await readFile(path.join(FIXTURES, 'cdk-outputs.json'), 'utf8'));
    const { EventQueueUrl: _, AuditTableName: __, ...outputs } = fixture.DnMailer;
    const result = await refused(JSON.stringify({ DnMailer: outputs }));
    expect(result.code).toBe(ExitCode.input);
    expect(result.stderr).toContain(
      'stack DnMailer in infra/outputs.json lacks 2 output(s) dn-mailer needs (nothing written):\n' +
        '  - AuditTableName\n' +
        '  - EventQueueUrl\n',
    );
  });

  it('a file that does not exist: exit 2 naming it', async () => {
    const cwd = await freshDir('dn-init-stack-');
    const result = await init(['--from-stack', 'infra/outputs.json', ...flagArgs(OPERATOR_FLAGS)], cwd);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('--from-stack: infra/outputs.json does not exist');
    expect(await readdir(cwd)).toEqual([]);
  });

  it('a flag the stack answers: exit 2 naming the output that answers it', async () => {
    const result = await refused({ fixture: 'cdk-outputs.json' }, ['--ledger-table', 'acme-ledger']);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('--from-stack answers this flag itself:');
    expect(result.stderr).toContain("--ledger-table (the stack's LedgerTableName)");
  });

  it('without a terminal, missing answers: exit 2 listing only the flags the stack does not answer', async () => {
    const { bucket: _, from: __, ...given } = OPERATOR_FLAGS;
    const result = await refused({ fixture: 'cdk-outputs.json' }, [], given);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain(
      'init --from-stack without a terminal needs every answer as a flag; missing 2:',
    );
    expect(result.stderr).toContain('  - --bucket\n');
    expect(result.stderr).toContain('  - --from\n');
    expect(result.stderr).not.toMatch(/--ledger-table|--unsubscribe-url|--token-key-secret/);
  });

  it('a bad answer: exit 2 naming its flag', async () => {
    const result = await refused({ fixture: 'cdk-outputs.json' }, [], {
      ...OPERATOR_FLAGS,
      bucket: 'Not A Bucket',
    });
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('--bucket: expected an S3 bucket name');
  });

  it('a stack value the schema refuses: exit 2 naming the key and the output', async () => {
    const fixture = JSON.parse(await readFile(path.join(FIXTURES, 'cdk-outputs.json'), 'utf8'));
    const bad = {
      DnMailer: { ...fixture.DnMailer, UnsubscribeUrl: 'http://abc123.lambda-url.eu-west-1.on.aws/' },
    };
    const result = await refused(JSON.stringify(bad));
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toMatch(/unsubscribe\.baseUrl: .*\(stack output UnsubscribeUrl\)/);
  });

  it('--backend local --from-stack, and --stack without --from-stack: exit 2', async () => {
    const local = await refused({ fixture: 'cdk-outputs.json' }, ['--backend', 'local']);
    expect(local.code).toBe(ExitCode.usage);
    expect(local.stderr).toContain('--from-stack writes an aws workspace, not --backend local');
    const cwd = await freshDir('dn-init-stack-');
    const stray = await init(['--backend', 'aws', '--stack', 'DnMailer', '--dir', cwd], cwd);
    expect(stray.code).toBe(ExitCode.usage);
    expect(stray.stderr).toContain('--stack is for --from-stack');
    expect(await readdir(cwd)).toEqual([]);
  });
});

describe('dn-mailer init --help', () => {
  it('documents --from-stack and --stack with an example', async () => {
    const result = await runInProcess(['init', '--help'], { cwd: await freshDir('dn-init-help-') });
    expect(result.code).toBe(ExitCode.ok);
    expect(result.stdout).toContain('--from-stack <outputs.json>');
    expect(result.stdout).toContain('--stack <name>');
    expect(result.stdout).toContain('$ dn-mailer init --from-stack infra/outputs.json');
  });
});
