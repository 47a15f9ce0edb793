import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import {
  checkStackAnswers,
  OPERATOR_QUESTIONS,
  repositoryVariables,
  stackConfig,
  stackConfigFile,
  stackFields,
  stackResourcesNeeded,
} from '../../src/config/stack-config.js';
import { parseStackOutputs, type StackOutputs } from '../../src/config/stack-outputs.js';
import { backendProblems, requireCampaignConfig } from '../../src/config/validate.js';
import type { OperatorAnswers } from '../../src/config/workspace-files.js';
import { freshDir } from '../support/demo.js';

const TODAY = new Date('2026-11-30T09:00:00Z');
const FIXTURE = fileURLToPath(new URL('../fixtures/stack-outputs/cdk-outputs.json', import.meta.url));

const ANSWERS: OperatorAnswers = {
  korrectBaseUrl: 'https://api.korrect.io/v1',
  korrectKeySecret: 'acme/korrect-api-key',
  bucket: 'acme-finance-reports',
  cloudFrontUrl: 'https://d3kq8r2v9xyz01.cloudfront.net',
  keyPairId: 'K3QWERTYUIOP7Z',
  privateKeySecret: 'acme/cloudfront-private-key',
  from: 'Acme Finance <reports@acme-finance.io>',
};

const fixture = async (): Promise<StackOutputs> =>
  parseStackOutputs(await readFile(FIXTURE, 'utf8'), 'cdk-outputs.json');
const withValues = (stack: StackOutputs, values: Partial<StackOutputs['values']>): StackOutputs => ({
  ...stack,
  values: { ...stack.values, ...values },
});

/** Writes the file `stackConfigFile` plans and loads it with the real loader (the schema every command uses). */
async function writeAndLoad(stack: StackOutputs, tokenKeySecret?: string) {
  const dir = await freshDir('dn-stack-config-');
  const file = stackConfigFile(ANSWERS, stack, TODAY, tokenKeySecret);
  await writeFile(path.join(dir, file.path), file.content);
  return { ...(await loadConfig({ cwd: dir, env: {} })), text: file.content };
}

describe('the config from a stack', () => {
  it('loads with the real schema, runs a campaign on aws, and holds every stack value where the mapping says', async () => {
    const stack = await fixture();
    const { config, text } = await writeAndLoad(stack);
    expect(config.backend).toBe('aws');
    expect(config.ses).toMatchObject({ region: 'eu-west-1', configurationSet: 'dn-mailer' });
    expect(config.tracking).toMatchObject({
      ledgerTable: 'dn-mailer-ledger',
      table: 'financial-campaign-tracking',
      suppressionTable: 'dn-mailer-suppressions',
      auditTable: 'dn-mailer-unsubscribe-audit',
    });
    expect(config.events.queueUrl).toBe('https://sqs.eu-west-1.amazonaws.com/123456789012/dn-mailer-events');
    expect(config.unsubscribe).toMatchObject({
      mode: 'own',
      token: 'kms',
      kmsKeyId: 'alias/dn-unsubscribe',
      // The schema drops the trailing slash of the function URL.
      baseUrl: 'https://abc123.lambda-url.eu-west-1.on.aws',
      mailto: 'unsubscribe@mail.distro-nation.com',
      contactList: 'distro-nation',
      topic: 'financial-reports',
    });
    expect(config.unsubscribe.tokenKey).toBeUndefined();
    expect(config.reports.bucket).toBe('acme-finance-reports');
    expect(config.email?.from).toBe('Acme Finance <reports@acme-finance.io>');
    for (const use of ['reports', 'sending', 'contacts'] as const)
      expect(backendProblems(config, use)).toEqual([]);
    expect(() => requireCampaignConfig(config)).not.toThrow();
    // Each value from the stack says where it came from.
    expect(text).toContain('ledgerTable: dn-mailer-ledger # stack output LedgerTableName');
    expect(text).toContain('the outputs of the CloudFormation stack DnMailer');
    expect(text).toContain('stack (eu-west-1)');
  });

  it('every mapped config key holds its output exactly (the mapping and the config cannot drift)', async () => {
    const stack = await fixture();
    const written = parseDocument(stackConfigFile(ANSWERS, stack, TODAY).content);
    const fields = stackFields(stack).filter((f) => f.field);
    expect(fields).toHaveLength(12);
    for (const { field, value } of fields) expect(written.getIn(field?.split('.') ?? []), field).toBe(value);
    expect(
      stackFields(stack)
        .filter((f) => !f.field)
        .map((f) => [f.output, f.use]),
    ).toEqual([
      ['DeadLetterQueueUrl', '(not in the config)'],
      ['GitHubRoleArn', 'vars.DN_MAILER_ROLE_ARN'],
    ]);
  });

  it('without UnsubscribeAddress there is no mailto', async () => {
    const { UnsubscribeAddress: _, ...values } = (await fixture()).values;
    const config = stackConfig(ANSWERS, { ...(await fixture()), values });
    expect(config.unsubscribe).not.toHaveProperty('mailto');
    expect((await writeAndLoad({ ...(await fixture()), values })).config.unsubscribe.mailto).toBeUndefined();
  });

  it('--token-key-secret adds the AES token key (old links stay readable) and lists its secret', async () => {
    const { config } = await writeAndLoad(await fixture(), 'dn-mailer/unsubscribe-token-key');
    expect(config.unsubscribe).toMatchObject({
      token: 'kms',
      tokenKey: { secret: 'dn-mailer/unsubscribe-token-key' },
    });
    expect(stackResourcesNeeded(ANSWERS, 'dn-mailer/unsubscribe-token-key')).toContain(
      'Secrets Manager secret dn-mailer/unsubscribe-token-key (the AES token key)',
    );
  });
});

describe('checkStackAnswers', () => {
  it('none for good answers and a good stack', async () => {
    expect(checkStackAnswers(ANSWERS, await fixture())).toEqual([]);
  });

  it('names the flag of a bad answer', async () => {
    expect(checkStackAnswers({ ...ANSWERS, bucket: 'Not A Bucket' }, await fixture())).toEqual([
      '--bucket: expected an S3 bucket name (3–63 lower-case letters, digits, "-", ".")',
    ]);
    expect(checkStackAnswers(ANSWERS, await fixture(), 'has spaces')).toEqual([
      '--token-key-secret: expected a Secrets Manager secret name (letters, digits, /_+=.@-) or ARN',
    ]);
  });

  it('a stack value the schema refuses names its config key and the output', async () => {
    const stack = withValues(await fixture(), {
      EventQueueUrl: 'http://sqs.eu-west-1.amazonaws.com/123456789012/dn-mailer-events',
      UnsubscribeAddress: 'not-an-address',
    });
    const problems = checkStackAnswers(ANSWERS, stack);
    expect(problems).toHaveLength(2);
    expect(problems.find((p) => p.startsWith('events.queueUrl:'))).toMatch(/\(stack output EventQueueUrl\)$/);
    expect(problems.find((p) => p.startsWith('unsubscribe.mailto:'))).toMatch(
      /\(stack output UnsubscribeAddress\)$/,
    );
  });
});

describe('what the stack leaves to the operator', () => {
  it('asks only the 7 questions the stack cannot answer', () => {
    expect(OPERATOR_QUESTIONS.map((q) => q.flag)).toEqual([
      'korrect-url',
      'korrect-key-secret',
      'bucket',
      'cloudfront-url',
      'key-pair-id',
      'private-key-secret',
      'from',
    ]);
  });

  it('lists only the resources the stack does not create', () => {
    const needed = stackResourcesNeeded(ANSWERS);
    expect(needed).toHaveLength(5);
    expect(needed.join('\n')).not.toMatch(/DynamoDB|contact list|configuration set|token key/);
  });

  it('the repository variables of the monthly workflow', async () => {
    const stack = await fixture();
    expect(repositoryVariables(stack)).toEqual({
      DN_MAILER_ROLE_ARN: 'arn:aws:iam::123456789012:role/DnMailer-GitHubRole1A2B3C4D5E6F',
      AWS_REGION: 'eu-west-1',
    });
    const { GitHubRoleArn: _, ...values } = stack.values;
    expect(repositoryVariables({ ...stack, values })).toEqual({ AWS_REGION: 'eu-west-1' });
  });
});
