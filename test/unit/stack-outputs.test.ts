import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  parseStackOutputs,
  REQUIRED_STACK_OUTPUTS,
  readStackOutputs,
  type StackOutputs,
} from '../../src/config/stack-outputs.js';
import { DnMailerError, ExitCode, InputError, UsageError } from '../../src/core/common/errors.js';
import { freshDir } from '../support/demo.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/stack-outputs/', import.meta.url));
const CDK = path.join(FIXTURES, 'cdk-outputs.json');
const DESCRIBED = path.join(FIXTURES, 'describe-stacks.json');

/** The outputs both fixture files hold for the stack DnMailer. */
const OUTPUTS = {
  LedgerTableName: 'dn-mailer-ledger',
  TrackingTableName: 'financial-campaign-tracking',
  SuppressionTableName: 'dn-mailer-suppressions',
  AuditTableName: 'dn-mailer-unsubscribe-audit',
  EventQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dn-mailer-events',
  DeadLetterQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dn-mailer-events-dlq',
  ConfigurationSetName: 'dn-mailer',
  ContactListName: 'distro-nation',
  TopicName: 'financial-reports',
  UnsubscribeUrl: 'https://abc123.lambda-url.eu-west-1.on.aws/',
  KmsKeyId: 'alias/dn-unsubscribe',
  GitHubRoleArn: 'arn:aws:iam::123456789012:role/DnMailer-GitHubRole1A2B3C4D5E6F',
  Region: 'eu-west-1',
};

/** The error `run` throws (every one of the project's errors, with its exit code). */
function thrown(run: () => unknown): DnMailerError {
  try {
    run();
  } catch (error) {
    if (error instanceof DnMailerError) return error;
    throw error;
  }
  throw new Error('did not throw');
}

const parse = (json: unknown, stack?: string) =>
  parseStackOutputs(JSON.stringify(json), 'outputs.json', stack);
const without = (...keys: string[]) =>
  Object.fromEntries(Object.entries(OUTPUTS).filter(([key]) => !keys.includes(key)));
const described = (...stacks: { name: string; outputs: Record<string, string>; status?: string }[]) => ({
  Stacks: stacks.map(({ name, outputs, status }) => ({
    StackName: name,
    ...(status ? { StackStatus: status } : {}),
    Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
  })),
});

describe('parseStackOutputs: both shapes', () => {
  it('cdk deploy --outputs-file: { "<StackName>": { Key: value } }', async () => {
    const stack = parseStackOutputs(await readFile(CDK, 'utf8'), 'cdk-outputs.json');
    expect(stack).toEqual<StackOutputs>({
      stackName: 'DnMailer',
      format: 'cdk-outputs',
      values: { ...OUTPUTS, UnsubscribeAddress: 'unsubscribe@mail.distro-nation.com' },
    });
  });

  it('aws cloudformation describe-stacks: { Stacks: [ { StackName, Outputs: [ { OutputKey, OutputValue } ] } ] }', async () => {
    const stack = parseStackOutputs(await readFile(DESCRIBED, 'utf8'), 'describe-stacks.json');
    // This stack has no inbound address: UnsubscribeAddress is optional and simply absent.
    expect(stack).toEqual<StackOutputs>({
      stackName: 'DnMailer',
      format: 'describe-stacks',
      values: OUTPUTS,
    });
  });

  it('ignores outputs it does not know, trims values, and reads a file that starts with a byte-order mark', () => {
    const text = `\uFEFF${JSON.stringify({ DnMailer: { ...OUTPUTS, Region: ' eu-west-1\n', ExtraThing: 'x' } })}`;
    const stack = parseStackOutputs(text, 'outputs.json');
    expect(stack.values.Region).toBe('eu-west-1');
    expect(stack.values).not.toHaveProperty('ExtraThing');
  });
});

describe('parseStackOutputs: choosing the stack', () => {
  const other = { BucketName: 'acme-site', DistributionId: 'E2ABCDEF123456' };

  it('several stacks: picks the one with dn-mailer outputs (both shapes)', () => {
    expect(parse({ AcmeSite: other, DnMailer: OUTPUTS, AcmeDns: { ZoneId: 'Z123' } }).stackName).toBe(
      'DnMailer',
    );
    const stack = parse(
      described({ name: 'AcmeSite', outputs: other }, { name: 'DnMailerProd', outputs: OUTPUTS }),
    );
    expect(stack.stackName).toBe('DnMailerProd');
    expect(stack.values.LedgerTableName).toBe('dn-mailer-ledger');
  });

  it('several with dn-mailer outputs: exit 2 naming them, and --stack picks one', () => {
    const file = {
      DnMailerStaging: { ...OUTPUTS, LedgerTableName: 'staging-ledger' },
      DnMailer: OUTPUTS,
      AcmeSite: other,
    };
    const error = thrown(() => parse(file));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.message).toBe(
      "--from-stack: outputs.json holds 2 stacks with dn-mailer's outputs; choose one",
    );
    expect(error.details).toEqual(['stack DnMailerStaging', 'stack DnMailer']);
    expect(error.hint).toBe('add --stack <name>, e.g. --stack DnMailerStaging');
    expect(parse(file, 'DnMailerStaging').values.LedgerTableName).toBe('staging-ledger');
    expect(parse(file, 'DnMailer').values.LedgerTableName).toBe('dn-mailer-ledger');
  });

  it('--stack naming no stack in the file: exit 2 listing the stacks there', () => {
    const error = thrown(() => parse({ DnMailer: OUTPUTS, AcmeSite: other }, 'DnMailr'));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe('--stack DnMailr: outputs.json holds no stack of that name');
    expect(error.details).toEqual(['stack DnMailer', 'stack AcmeSite']);
  });

  it('--stack picks even a single stack by name only', () => {
    expect(parse({ DnMailer: OUTPUTS }, 'DnMailer').stackName).toBe('DnMailer');
    expect(thrown(() => parse({ DnMailer: OUTPUTS }, 'Other'))).toBeInstanceOf(UsageError);
  });

  it('no stack with dn-mailer outputs among several: exit 4 naming them', () => {
    const error = thrown(() => parse({ AcmeSite: other, AcmeDns: { ZoneId: 'Z123' } }));
    expect(error).toBeInstanceOf(InputError);
    expect(error.exitCode).toBe(ExitCode.input);
    expect(error.message).toBe("--from-stack: none of the 2 stacks in outputs.json has dn-mailer's outputs");
    expect(error.details).toEqual(['stack AcmeSite', 'stack AcmeDns']);
  });
});

describe('parseStackOutputs: what it refuses (exit 4, naming the file)', () => {
  it('missing outputs: names the stack and lists exactly the missing keys', () => {
    const error = thrown(() => parse({ DnMailer: without('EventQueueUrl', 'KmsKeyId', 'GitHubRoleArn') }));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(
      '--from-stack: stack DnMailer in outputs.json lacks 2 output(s) dn-mailer needs (nothing written):',
    );
    expect(error.details).toEqual(['EventQueueUrl', 'KmsKeyId']);
    expect(error.hint).toContain('cdk deploy');
  });

  it('an empty value counts as missing; a stack with no outputs at all lacks every one', () => {
    expect(thrown(() => parse({ DnMailer: { ...OUTPUTS, Region: '  ' } })).details).toEqual(['Region']);
    expect(thrown(() => parse(described({ name: 'DnMailer', outputs: {} }))).details).toEqual([
      ...REQUIRED_STACK_OUTPUTS,
    ]);
  });

  it('describe-stacks: a stack that failed or is still deploying says its status', () => {
    const failed = thrown(() =>
      parse(described({ name: 'DnMailer', outputs: without('Region'), status: 'ROLLBACK_COMPLETE' })),
    );
    expect(failed.message).toBe(
      '--from-stack: stack DnMailer in outputs.json lacks 1 output(s) dn-mailer needs (stack status ROLLBACK_COMPLETE) (nothing written):',
    );
    const pending = thrown(() =>
      parse(described({ name: 'DnMailer', outputs: {}, status: 'CREATE_IN_PROGRESS' })),
    );
    expect(pending.message).toContain('(stack status CREATE_IN_PROGRESS)');
    const updated = thrown(() =>
      parse(described({ name: 'DnMailer', outputs: without('Region'), status: 'UPDATE_COMPLETE' })),
    );
    expect(updated.message).not.toContain('stack status');
  });

  it.each([
    ['{ "DnMailer": { "LedgerTableName": "dn-mailer-ledger", }', 'outputs.json is not valid JSON'],
    ['', 'outputs.json is not valid JSON'],
    ['[]', 'outputs.json is not a stack outputs file: it holds no object'],
    ['"DnMailer"', 'outputs.json is not a stack outputs file: it holds no object'],
    ['{}', 'outputs.json is not a stack outputs file: it holds no stack'],
    [
      '{ "DnMailer": "dn-mailer-ledger" }',
      'outputs.json is not a stack outputs file: "DnMailer" is not an object',
    ],
    ['{ "Stacks": {} }', 'outputs.json is not a stack outputs file: its "Stacks" is not a list'],
    [
      '{ "Stacks": [ { "Outputs": [] } ] }',
      'outputs.json is not a stack outputs file: Stacks[0] has no StackName',
    ],
  ])('%s → %s', (text, message) => {
    const error = thrown(() => parseStackOutputs(text, 'outputs.json'));
    expect(error).toBeInstanceOf(InputError);
    expect(error.exitCode).toBe(ExitCode.input);
    expect(error.message).toContain(message);
    expect(error.hint).toContain('cdk deploy --outputs-file');
  });
});

describe('readStackOutputs', () => {
  it('reads the file', async () => {
    expect((await readStackOutputs(DESCRIBED, 'describe-stacks.json')).format).toBe('describe-stacks');
  });

  it('a file that does not exist: exit 2 naming it as typed', async () => {
    const dir = await freshDir('dn-stack-');
    const error = await readStackOutputs(path.join(dir, 'outputs.json'), 'infra/outputs.json').catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe('--from-stack: infra/outputs.json does not exist');
  });

  it('a folder: exit 4, saying to give the file', async () => {
    const dir = await freshDir('dn-stack-');
    await mkdir(path.join(dir, 'infra'));
    const error = await readStackOutputs(path.join(dir, 'infra'), 'infra').catch((e) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/^--from-stack: cannot read infra: /);
    expect(error.hint).toBe('give the file itself, not its folder');
  });

  it('bad JSON in a real file: exit 4 naming the file', async () => {
    const dir = await freshDir('dn-stack-');
    await writeFile(path.join(dir, 'outputs.json'), 'Outputs:\n  - LedgerTableName\n');
    const error = await readStackOutputs(path.join(dir, 'outputs.json'), 'outputs.json').catch((e) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/^--from-stack: outputs.json is not valid JSON: /);
  });
});
