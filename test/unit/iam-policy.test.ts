import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildIamPolicy,
  COMMANDS_WITHOUT_PERMISSION,
  IAM_ACTION_OF_COMMAND,
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

const CONFIG = validateConfig(
  {
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
  },
  (p) => p,
  'test',
);

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
