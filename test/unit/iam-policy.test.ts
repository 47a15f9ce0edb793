import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildIamPolicy,
  buildIamStatements,
  COMMANDS_WITHOUT_PERMISSION,
  IAM_ACTION_OF_COMMAND,
  secretArnOf,
} from '../../src/adapters/aws/iam-policy.js';
import { validateConfig } from '../../src/config/validate.js';
import { REPO_ROOT } from '../support/cli.js';
import { runInProcess } from '../support/memory-backend.js';

/** Every AWS SDK command the aws adapters send, read from their source (`new XCommand(`). */
async function commandsInCode(): Promise<Set<string>> {
  const dir = path.join(REPO_ROOT, 'src', 'adapters', 'aws');
  const found = new Set<string>();
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.ts')) continue;
    const text = await readFile(path.join(dir, name), 'utf8');
    for (const match of text.matchAll(/\bnew ([A-Z][A-Za-z0-9]*Command)\(/g)) found.add(match[1] ?? '');
  }
  return found;
}

const CONFIG_INPUT = {
  backend: 'aws',
  users: {
    source: 'korrect',
    korrect: { baseUrl: 'https://korrect.example', apiKey: { secret: 'dn/korrect' } },
  },
  reports: { bucket: 'dn-reports' },
  tracking: {
    ledgerTable: 'dn-ledger',
    table: 'dn-tracking',
    suppressionTable: 'dn-suppressions',
    auditTable: 'dn-audit',
  },
  events: { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dn-events' },
  unsubscribe: { mode: 'own', token: 'kms', baseUrl: 'https://u.example/unsubscribe' },
};
const CONFIG = validateConfig(CONFIG_INPUT, (p) => p, 'test');

/** CONFIG with other `unsubscribe` settings. */
function withUnsubscribe(unsubscribe: Record<string, unknown>) {
  return validateConfig({ ...CONFIG_INPUT, unsubscribe }, (p) => p, 'test');
}

describe('the IAM policy is generated from the code', () => {
  it('names an action for every SDK command the aws adapters send, and for none they do not', async () => {
    const inCode = await commandsInCode();
    const granted = new Set([...Object.keys(IAM_ACTION_OF_COMMAND), ...COMMANDS_WITHOUT_PERMISSION]);
    expect(
      [...inCode].filter((command) => !granted.has(command)),
      'sent by the code, missing from the policy',
    ).toEqual([]);
    expect(
      [...granted].filter((command) => !inCode.has(command)),
      'granted, but no code sends it',
    ).toEqual([]);
  });

  it('the policy grants exactly those actions, scoped to the configured tables, bucket, queue and secrets', () => {
    const policy = buildIamPolicy(CONFIG);
    const actions = new Set(policy.Statement.flatMap((s) => s.Action));
    expect([...actions].sort()).toEqual([...new Set(Object.values(IAM_ACTION_OF_COMMAND))].sort());
    const resourcesOf = (sid: string) => policy.Statement.find((s) => s.Sid === sid)?.Resource;
    expect(resourcesOf('Ledger')).toContain('arn:aws:dynamodb:*:*:table/dn-ledger');
    expect(resourcesOf('Ledger')).toContain('arn:aws:dynamodb:*:*:table/dn-tracking/index/*');
    expect(resourcesOf('Reports')).toEqual(['arn:aws:s3:::dn-reports']);
    expect(resourcesOf('Events')).toEqual(['arn:aws:sqs:eu-west-1:123456789012:dn-events']);
    expect(resourcesOf('Secrets')).toEqual(['arn:aws:secretsmanager:*:*:secret:dn/korrect-*']);
    // The README's list had missed these: the code calls them.
    for (const action of [
      'ses:GetContactList',
      'ses:GetContact',
      'ses:CreateContact',
      'ses:UpdateContact',
      'dynamodb:DescribeTable',
    ])
      expect(actions).toContain(action);
    expect(actions).not.toContain('sqs:ChangeMessageVisibility');
  });

  it('grants kms:Encrypt and kms:Decrypt on the configured token key: an ARN as is, an alias through the key it names', () => {
    const kmsOf = (config: typeof CONFIG) =>
      buildIamPolicy(config).Statement.filter((s) => s.Action.some((a) => a.startsWith('kms:')));
    const [byAlias, ...moreByAlias] = kmsOf(
      withUnsubscribe({ token: 'kms', kmsKeyId: 'alias/dn-unsubscribe' }),
    );
    expect(moreByAlias).toEqual([]);
    expect(byAlias?.Action).toEqual(['kms:Decrypt', 'kms:Encrypt']);
    expect(byAlias?.Resource).toEqual(['arn:aws:kms:*:*:key/*']);
    expect(byAlias?.Condition).toEqual({
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/dn-unsubscribe'] },
    });
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const [byArn] = kmsOf(withUnsubscribe({ token: 'kms', kmsKeyId: keyArn }));
    expect(byArn?.Resource).toEqual([keyArn]);
    expect(byArn?.Condition).toBeUndefined();
    const [byAliasArn] = kmsOf(
      withUnsubscribe({ token: 'kms', kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:alias/dn-links' }),
    );
    expect(byAliasArn?.Condition).toEqual({
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/dn-links'] },
    });
    // token kms without a key id: the default alias.
    expect(kmsOf(CONFIG)[0]?.Condition).toEqual({
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/dn-unsubscribe'] },
    });
    // AES tokens and no kmsKeyId: the code never calls KMS, so nothing is granted.
    expect(kmsOf(withUnsubscribe({ token: 'aes', tokenKey: { secret: 'dn/token' } }))).toEqual([]);
    // AES tokens with a kmsKeyId: the old endpoint's KMS links are read, so Decrypt (and Encrypt) on that key.
    expect(kmsOf(withUnsubscribe({ token: 'aes', kmsKeyId: 'alias/old' }))[0]?.Condition).toEqual({
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/old'] },
    });
  });

  it('the statements come from ARNs the caller gives (the infra stack passes its own), with the same actions', () => {
    const statements = buildIamStatements({
      tableArns: ['arn:aws:dynamodb:eu-west-1:123456789012:table/t'],
      bucketArns: ['arn:aws:s3:::b'],
      inboundMailArns: ['arn:aws:s3:::inbound/*'],
      queueArns: ['arn:aws:sqs:eu-west-1:123456789012:q'],
      secretArns: [secretArnOf('dn-mailer/*', 'eu-west-1', '123456789012'), secretArnOf('dn/korrect')],
      kmsKey: { arn: 'arn:aws:kms:eu-west-1:123456789012:key/k' },
    });
    const resources = Object.fromEntries(statements.map((s) => [s.Sid, s.Resource]));
    expect(resources).toEqual({
      Ledger: [
        'arn:aws:dynamodb:eu-west-1:123456789012:table/t',
        'arn:aws:dynamodb:eu-west-1:123456789012:table/t/index/*',
      ],
      Sending: ['*'],
      Reports: ['arn:aws:s3:::b'],
      InboundMail: ['arn:aws:s3:::inbound/*'],
      Events: ['arn:aws:sqs:eu-west-1:123456789012:q'],
      Secrets: [
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dn-mailer/*',
        'arn:aws:secretsmanager:*:*:secret:dn/korrect-*',
      ],
      UnsubscribeTokens: ['arn:aws:kms:eu-west-1:123456789012:key/k'],
    });
    expect(new Set(statements.flatMap((s) => s.Action))).toEqual(
      new Set(Object.values(IAM_ACTION_OF_COMMAND)),
    );
  });

  it('dn-mailer doctor --iam-policy prints it as JSON and runs no check', async () => {
    const result = await runInProcess([
      'doctor',
      '--iam-policy',
      '--config',
      path.join(REPO_ROOT, 'examples/demo/.distronationrc.json'),
    ]);
    expect(result.code, result.stderr).toBe(0);
    const policy = JSON.parse(result.stdout) as { Version: string; Statement: { Action: string[] }[] };
    expect(policy.Version).toBe('2012-10-17');
    expect(policy.Statement.flatMap((s) => s.Action)).toContain('ses:SendEmail');
    expect(result.stdout).not.toContain('✔');
  });
});
