import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditTableInput,
  ledgerTableInput,
  suppressionTableInput,
  trackingTableInput,
} from '../../src/adapters/aws/dynamo-tables.js';
import { buildIamStatements, IAM_ACTION_OF_COMMAND } from '../../src/adapters/aws/iam-policy.js';
import { isSendingEventName } from '../../src/core/events/read-sending-event.js';
import { MAX_RECEIVE_COUNT, SES_EVENT_TYPES } from '../lib/mail-events.js';
import { DEFAULT_SETTINGS, stackSettings } from '../lib/settings.js';
import {
  onlyResource,
  prebuiltBundle,
  REPOSITORY,
  removeTempDirs,
  resourcesOf,
  type Synthesized,
  synthesize,
} from './synth.js';

type Json = Record<string, unknown>;
interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: Json;
}

const ADDRESS = 'unsubscribe@distro-nation.com';
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const actionsOf = (statements: readonly PolicyStatement[]) =>
  new Set(statements.flatMap((s) => asList(s.Action)));

let defaults: Synthesized;
let inbound: Synthesized;

beforeAll(() => {
  // The default synth bundles with esbuild, as `cdk deploy` does; the variants share one bundle.
  defaults = synthesize({}, { bundle: 'esbuild' });
  inbound = synthesize({ unsubscribeAddress: ADDRESS, inboundMailBucket: 'dn-inbound-mail' });
});

afterAll(removeTempDirs);

/** The table resource named `name`. */
function tableNamed(s: Synthesized, name: string): Json {
  const found = resourcesOf(s.template, 'AWS::DynamoDB::Table').find(
    ([, r]) => r.Properties.TableName === name,
  );
  if (!found) throw new Error(`no table ${name}`);
  return s.template.toJSON().Resources[found[0]] as Json;
}

const sortBy = <T extends Json>(items: readonly T[] | undefined, key: string) =>
  [...(items ?? [])].sort((a, b) => String(a[key]).localeCompare(String(b[key])));

describe('the DynamoDB tables', () => {
  const inputs: [string, (name: string) => CreateTableCommandInput][] = [
    [DEFAULT_SETTINGS.ledgerTable, ledgerTableInput],
    [DEFAULT_SETTINGS.trackingTable, trackingTableInput],
    [DEFAULT_SETTINGS.suppressionTable, suppressionTableInput],
    [DEFAULT_SETTINGS.auditTable, auditTableInput],
  ];

  it.each(inputs)('%s has exactly the keys and indexes of the code’s CreateTable input', (name, inputOf) => {
    const input = inputOf(name);
    const table = tableNamed(defaults, name);
    const props = table.Properties as Json;
    expect(props.KeySchema).toEqual(input.KeySchema);
    expect(sortBy(props.AttributeDefinitions as Json[], 'AttributeName')).toEqual(
      sortBy(input.AttributeDefinitions as unknown as Json[], 'AttributeName'),
    );
    expect(sortBy(props.GlobalSecondaryIndexes as Json[] | undefined, 'IndexName')).toEqual(
      sortBy(input.GlobalSecondaryIndexes as unknown as Json[] | undefined, 'IndexName'),
    );
    expect(props.BillingMode).toBe('PAY_PER_REQUEST');
    expect(props.DeletionProtectionEnabled).toBe(true);
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
  });

  it('the tracking table has the three GSIs; TTL on expirationTime for tracking and suppression only', () => {
    const props = (name: string) => tableNamed(defaults, name).Properties as Json;
    const indexes = (props(DEFAULT_SETTINGS.trackingTable).GlobalSecondaryIndexes as Json[]).map(
      (i) => i.IndexName,
    );
    expect(indexes.sort()).toEqual(['EmailIndex', 'MonthYearIndex', 'email-event-index']);
    const ttl = { AttributeName: 'expirationTime', Enabled: true };
    expect(props(DEFAULT_SETTINGS.trackingTable).TimeToLiveSpecification).toEqual(ttl);
    expect(props(DEFAULT_SETTINGS.suppressionTable).TimeToLiveSpecification).toEqual(ttl);
    expect(props(DEFAULT_SETTINGS.ledgerTable).TimeToLiveSpecification).toBeUndefined();
    expect(props(DEFAULT_SETTINGS.auditTable).TimeToLiveSpecification).toBeUndefined();
  });

  it('point-in-time recovery on the ledger', () => {
    const pitr = (name: string) =>
      (tableNamed(defaults, name).Properties as Json).PointInTimeRecoverySpecification;
    expect(pitr(DEFAULT_SETTINGS.ledgerTable)).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(pitr(DEFAULT_SETTINGS.auditTable)).toBeUndefined();
  });

  it('every table name is a setting', () => {
    const s = synthesize({ ledgerTable: 'l', trackingTable: 't', suppressionTable: 's', auditTable: 'a' });
    const names = resourcesOf(s.template, 'AWS::DynamoDB::Table').map(([, r]) => r.Properties.TableName);
    expect(names.sort()).toEqual(['a', 'l', 's', 't']);
  });
});

describe('SES events → SNS → SQS', () => {
  it('the configuration set publishes every event type events sync reads, to the event topic', () => {
    const [, destination] = onlyResource(defaults.template, 'AWS::SES::ConfigurationSetEventDestination');
    const props = destination.Properties as { ConfigurationSetName: unknown; EventDestination: Json };
    const types = props.EventDestination.MatchingEventTypes as string[];
    for (const name of Object.keys(SES_EVENT_TYPES)) expect(isSendingEventName(name), name).toBe(true);
    expect(types.sort()).toEqual(Object.values(SES_EVENT_TYPES).sort());
    for (const required of [
      'delivery',
      'bounce',
      'complaint',
      'reject',
      'deliveryDelay',
      'renderingFailure',
      'open',
      'click',
    ])
      expect(types).toContain(required);
    expect(props.EventDestination.Enabled).toBe(true);
    const [topicId] = onlyResource(defaults.template, 'AWS::SNS::Topic');
    expect(props.EventDestination.SnsDestination).toEqual({ TopicARN: { Ref: topicId } });
    defaults.template.hasResourceProperties('AWS::SES::ConfigurationSet', { Name: 'dn-mailer' });
  });

  it('the queue: visibility 60 s, redrive to the dead-letter queue after 5 receives; the DLQ keeps 14 days', () => {
    const queues = resourcesOf(defaults.template, 'AWS::SQS::Queue');
    const byName = (name: string) => queues.find(([, q]) => q.Properties.QueueName === name);
    const [dlqId, dlq] = byName('dn-mailer-events-dlq') ?? [];
    const [, queue] = byName('dn-mailer-events') ?? [];
    expect(queue?.Properties.VisibilityTimeout).toBe(60);
    expect(queue?.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: MAX_RECEIVE_COUNT,
    });
    expect(MAX_RECEIVE_COUNT).toBe(5);
    expect(dlq?.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('the queue policy lets only the stack’s topics send, the inbound one when there is an address', () => {
    const senders = (s: Synthesized) => {
      const [queueId] =
        resourcesOf(s.template, 'AWS::SQS::Queue').find(
          ([, q]) => q.Properties.QueueName === 'dn-mailer-events',
        ) ?? [];
      const policies = resourcesOf(s.template, 'AWS::SQS::QueuePolicy').filter(([, p]) =>
        JSON.stringify(p.Properties.Queues).includes(`"${queueId}"`),
      );
      const allows = policies
        .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement)
        .filter((st) => st.Effect === 'Allow');
      for (const st of allows) {
        expect(asList(st.Action)).toEqual(['sqs:SendMessage']);
        expect(st.Principal).toEqual({ Service: 'sns.amazonaws.com' });
      }
      return allows.map((st) => (st.Condition?.ArnEquals as Json | undefined)?.['aws:SourceArn']);
    };
    const topicRefs = (s: Synthesized) =>
      resourcesOf(s.template, 'AWS::SNS::Topic').map(([id]) => ({ Ref: id }));
    expect(senders(defaults)).toEqual(topicRefs(defaults));
    expect(topicRefs(defaults)).toHaveLength(1);
    expect(senders(inbound)).toEqual(expect.arrayContaining(topicRefs(inbound)));
    expect(senders(inbound)).toHaveLength(2);
    // Both topics deliver into the one queue events.queueUrl names.
    expect(resourcesOf(inbound.template, 'AWS::SNS::Subscription')).toHaveLength(2);
    inbound.template.allResourcesProperties('AWS::SNS::Subscription', { Protocol: 'sqs' });
  });

  it('the contact list and its topic, opted in by default, retained; none with createContactList=false', () => {
    const [id, list] = onlyResource(defaults.template, 'AWS::SES::ContactList');
    expect(list.Properties.ContactListName).toBe('distro-nation');
    expect(list.Properties.Topics).toEqual([
      expect.objectContaining({ TopicName: 'financial-reports', DefaultSubscriptionStatus: 'OPT_IN' }),
    ]);
    expect((defaults.template.toJSON().Resources[id] as Json).DeletionPolicy).toBe('Retain');
    expect(resourcesOf(synthesize({ createContactList: 'false' }).template, 'AWS::SES::ContactList')).toEqual(
      [],
    );
  });

  it('a receipt rule for the unsubscribe address → its own topic, the text in the notification', () => {
    inbound.template.hasResourceProperties('AWS::SES::ReceiptRuleSet', { RuleSetName: 'dn-mailer' });
    const [, rule] = onlyResource(inbound.template, 'AWS::SES::ReceiptRule');
    const ruleProps = rule.Properties.Rule as Json;
    expect(ruleProps).toMatchObject({ Enabled: true, ScanEnabled: true, Recipients: [ADDRESS] });
    const [inboundTopicId] =
      resourcesOf(inbound.template, 'AWS::SNS::Topic').find(
        ([, t]) => t.Properties.TopicName === 'dn-mailer-inbound',
      ) ?? [];
    expect(ruleProps.Actions).toEqual([
      { SNSAction: { TopicArn: { Ref: inboundTopicId }, Encoding: 'UTF-8' } },
    ]);
    inbound.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: inboundTopicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'sns:Publish', Principal: { Service: 'ses.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('no address, no receipt rule, no inbound topic', () => {
    expect(resourcesOf(defaults.template, 'AWS::SES::ReceiptRuleSet')).toEqual([]);
    expect(resourcesOf(defaults.template, 'AWS::SES::ReceiptRule')).toEqual([]);
    expect(resourcesOf(defaults.template, 'AWS::SNS::Topic')).toHaveLength(1);
  });
});

describe('the unsubscribe endpoint', () => {
  const functionOf = (s: Synthesized) => onlyResource(s.template, 'AWS::Lambda::Function')[1].Properties;

  it('a Node 22 Lambda, handler index.handler, with the environment createUnsubscribeLambda reads', () => {
    const fn = functionOf(defaults);
    expect(fn.Handler).toBe('index.handler');
    expect(fn.Runtime).toBe('nodejs22.x');
    const [keyId] = onlyResource(defaults.template, 'AWS::KMS::Key');
    expect(keyId).toBeDefined();
    expect((fn.Environment as Json).Variables).toEqual({
      DN_CONTACT_LIST: 'distro-nation',
      DN_AUDIT_TABLE: { Ref: expect.stringMatching(/^AuditTable/) },
      DN_BRAND_NAME: 'Distro Nation',
      DN_MAX_AGE_DAYS: '30',
      DN_TOKEN_FORMAT: 'kms',
      DN_KMS_KEY_ID: 'alias/dn-unsubscribe',
    });
    // Every variable the stack sets is one the Lambda's code reads.
    const source = readFileSync(
      fileURLToPath(new URL('../../src/adapters/aws/unsubscribe-lambda.ts', import.meta.url)),
      'utf8',
    );
    for (const name of Object.keys((fn.Environment as Json).Variables as Json))
      expect(source).toContain(name);
  });

  it('optional variables: the AES key secret, the public URL', () => {
    const s = synthesize({
      tokenKeySecret: 'dn-mailer/unsubscribe-token-key',
      publicUrl: 'https://mail.distro-nation.com/unsubscribe',
      brandName: 'DN',
      maxAgeDays: '14',
    });
    expect((functionOf(s).Environment as Json).Variables).toMatchObject({
      DN_TOKEN_KEY_SECRET: 'dn-mailer/unsubscribe-token-key',
      DN_PUBLIC_URL: 'https://mail.distro-nation.com/unsubscribe',
      DN_BRAND_NAME: 'DN',
      DN_MAX_AGE_DAYS: '14',
    });
    s.template.hasOutput('UnsubscribeUrl', { Value: 'https://mail.distro-nation.com/unsubscribe' });
  });

  it('a function URL without auth, and its log group with the retention (default 90 days)', () => {
    defaults.template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
    const [logId, logs] = onlyResource(defaults.template, 'AWS::Logs::LogGroup');
    expect(logs.Properties).toMatchObject({
      LogGroupName: '/aws/lambda/dn-mailer-unsubscribe',
      RetentionInDays: 90,
    });
    expect(functionOf(defaults).LoggingConfig).toEqual({ LogGroup: { Ref: logId } });
    const month = synthesize({ logRetentionDays: '30' });
    expect(onlyResource(month.template, 'AWS::Logs::LogGroup')[1].Properties.RetentionInDays).toBe(30);
  });

  it('the code is the esbuild bundle, staged as an asset', () => {
    const code = functionOf(defaults).Code as Json;
    expect(code.S3Bucket).toBeDefined();
    expect(String(code.S3Key)).toMatch(/^[0-9a-f]{64}\.zip$/);
  });
});

/** The statements of the policies attached to the role whose logical ID starts with `prefix`. */
function rolePolicy(s: Synthesized, prefix: string): PolicyStatement[] {
  const [roleId, role] = resourcesOf(s.template, 'AWS::IAM::Role').find(([id]) => id.startsWith(prefix)) ?? [
    undefined,
    undefined,
  ];
  if (!roleId || !role) throw new Error(`no role ${prefix}`);
  const inline = (
    (role.Properties.Policies ?? []) as { PolicyDocument: { Statement: PolicyStatement[] } }[]
  ).flatMap((p) => p.PolicyDocument.Statement);
  const attached = resourcesOf(s.template, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
  return [...inline, ...attached];
}

describe('the unsubscribe endpoint’s role: least privilege', () => {
  /** The IAM actions of the SDK commands in the files of src/adapters/aws that the bundle contains. */
  function actionsTheBundleSends(): Set<string> {
    const awsAdapters = fileURLToPath(new URL('../../src/adapters/aws', import.meta.url));
    const actions = new Set<string>();
    for (const file of prebuiltBundle().inputs.filter((f) => path.dirname(f) === awsAdapters)) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\bnew ([A-Z][A-Za-z0-9]*Command)\(/g)) {
        const action = IAM_ACTION_OF_COMMAND[match[1] ?? ''];
        if (action) actions.add(action);
      }
    }
    return actions;
  }

  it('grants exactly the actions the bundled code sends (with an AES key secret: Secrets Manager too)', () => {
    const s = synthesize({ tokenKeySecret: 'dn-mailer/unsubscribe-token-key' });
    const statements = rolePolicy(s, 'UnsubscribeRole').filter(
      (st) => !asList(st.Action)[0]?.startsWith('logs:'),
    );
    expect([...actionsOf(statements)].sort()).toEqual([...actionsTheBundleSends()].sort());
    const secret = statements.find((st) => st.Sid === 'AesTokenKey');
    expect(JSON.stringify(secret?.Resource)).toContain(':secret:dn-mailer/unsubscribe-token-key-*');
    // Without the secret, no Secrets Manager.
    expect(actionsOf(rolePolicy(defaults, 'UnsubscribeRole'))).not.toContain('secretsmanager:GetSecretValue');
  });

  it('each grant is on its resource: the contact list, the audit table, the token key', () => {
    const statements = rolePolicy(defaults, 'UnsubscribeRole');
    const bySid = (sid: string) => statements.find((st) => st.Sid === sid);
    expect(JSON.stringify(bySid('ContactList')?.Resource)).toContain(':contact-list/distro-nation');
    expect(bySid('Audit')?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^AuditTable/), 'Arn'] });
    const [keyId] = onlyResource(defaults.template, 'AWS::KMS::Key');
    expect(bySid('UnsubscribeTokens')?.Resource).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(statements.some((st) => JSON.stringify(st.Resource) === '"*"')).toBe(false);
  });
});

describe('the KMS key of the tokens', () => {
  it('by default a new key with rotation, retained, and the alias alias/dn-unsubscribe', () => {
    const [id, key] = onlyResource(defaults.template, 'AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect((defaults.template.toJSON().Resources[id] as Json).DeletionPolicy).toBe('Retain');
    defaults.template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: 'alias/dn-unsubscribe',
      TargetKeyId: { 'Fn::GetAtt': [id, 'Arn'] },
    });
    defaults.template.hasOutput('KmsKeyId', { Value: 'alias/dn-unsubscribe' });
  });

  it('an existing alias: no key, no alias created; granted on the keys that alias names', () => {
    const s = synthesize({ existingKmsAlias: 'alias/dn-unsubscribe' });
    expect(resourcesOf(s.template, 'AWS::KMS::Key')).toEqual([]);
    expect(resourcesOf(s.template, 'AWS::KMS::Alias')).toEqual([]);
    for (const prefix of ['UnsubscribeRole', 'GitHubRole']) {
      const kms = rolePolicy(s, prefix).find((st) => st.Sid === 'UnsubscribeTokens');
      expect(kms?.Resource).toBe('arn:aws:kms:*:*:key/*');
      const aliases = (kms?.Condition?.['ForAnyValue:StringEquals'] as Json | undefined)?.[
        'kms:ResourceAliases'
      ];
      expect(asList(aliases)).toEqual(['alias/dn-unsubscribe']);
      expect(Object.keys(kms?.Condition ?? {})).toEqual(['ForAnyValue:StringEquals']);
    }
    s.template.hasOutput('KmsKeyId', { Value: 'alias/dn-unsubscribe' });
  });

  it('an existing key by ARN: granted on that ARN', () => {
    const arn = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const s = synthesize({ kmsKeyArn: arn });
    expect(resourcesOf(s.template, 'AWS::KMS::Key')).toEqual([]);
    expect(rolePolicy(s, 'UnsubscribeRole').find((st) => st.Sid === 'UnsubscribeTokens')?.Resource).toBe(arn);
    expect((functionOf(s).Environment as Json).Variables).toMatchObject({ DN_KMS_KEY_ID: arn });
    s.template.hasOutput('KmsKeyId', { Value: arn });
  });

  const functionOf = (s: Synthesized) => onlyResource(s.template, 'AWS::Lambda::Function')[1].Properties;
});

describe('the GitHub Actions role', () => {
  const trustOf = (s: Synthesized) => {
    const [, role] =
      resourcesOf(s.template, 'AWS::IAM::Role').find(([id]) => id.startsWith('GitHubRole')) ?? [];
    return role?.Properties as Json;
  };

  it('trusts only the repository’s branch and approval environment, for audience sts.amazonaws.com', () => {
    const role = trustOf(defaults);
    const [providerId, provider] = onlyResource(defaults.template, 'AWS::IAM::OIDCProvider');
    expect(provider.Properties).toMatchObject({
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRoleWithWebIdentity',
          Principal: { Federated: { Ref: providerId } },
          Condition: {
            StringEquals: {
              'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
              'token.actions.githubusercontent.com:sub': [
                `repo:${REPOSITORY}:ref:refs/heads/main`,
                `repo:${REPOSITORY}:environment:financial-send`,
              ],
            },
          },
        },
      ],
    });
    // The send job asks for 3 hours.
    expect(role.MaxSessionDuration).toBe(10800);
  });

  it('an existing OIDC provider is used by ARN; branch and environment are settings', () => {
    const arn = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
    const s = synthesize({ githubOidcProviderArn: arn, githubBranch: 'release', githubEnvironment: 'send' });
    expect(resourcesOf(s.template, 'AWS::IAM::OIDCProvider')).toEqual([]);
    const statement = (trustOf(s).AssumeRolePolicyDocument as { Statement: PolicyStatement[] }).Statement[0];
    expect(statement?.Principal).toEqual({ Federated: arn });
    expect(
      (statement?.Condition?.StringEquals as Json | undefined)?.['token.actions.githubusercontent.com:sub'],
    ).toEqual([`repo:${REPOSITORY}:ref:refs/heads/release`, `repo:${REPOSITORY}:environment:send`]);
  });

  it('its policy is buildIamStatements’ over the stack’s resources: every action the code sends, no other', () => {
    const statements = rolePolicy(inbound, 'GitHubRole');
    const all = new Set(Object.values(IAM_ACTION_OF_COMMAND));
    expect(actionsOf(statements)).toEqual(all);
    // Statement by statement, the same Sids and actions as the function the CLI prints.
    const expected = buildIamStatements({
      tableArns: ['t'],
      bucketArns: ['b'],
      inboundMailArns: ['i'],
      queueArns: ['q'],
      secretArns: ['s'],
      kmsKey: { arn: 'k' },
    });
    expect(statements.map((st) => [st.Sid, asList(st.Action)])).toEqual(
      expected.map((st) => [st.Sid, st.Action]),
    );
    const bySid = (sid: string) => JSON.stringify(statements.find((st) => st.Sid === sid)?.Resource);
    for (const table of ['LedgerTable', 'TrackingTable', 'SuppressionTable', 'AuditTable'])
      expect(bySid('Ledger')).toMatch(new RegExp(`"${table}[0-9A-F]{8}","Arn"`));
    expect(bySid('Ledger')).toContain('/index/*');
    expect(bySid('Reports')).toContain(':s3:::distro-nation-reports');
    expect(bySid('InboundMail')).toContain(':s3:::dn-inbound-mail/*');
    expect(bySid('Events')).toMatch(/"MailEventsEventQueue[0-9A-F]{8}","Arn"/);
    expect(bySid('Secrets')).toContain(':secret:dn-mailer/*');
    expect(bySid('UnsubscribeTokens')).toMatch(/"TokenKey[0-9A-F]{8}","Arn"/);
    expect(bySid('Sending')).toBe('"*"');
  });

  it('without an inbound-mail bucket (the receipt rule carries the text), no s3:GetObject', () => {
    const actions = actionsOf(rolePolicy(defaults, 'GitHubRole'));
    const expected = new Set(Object.values(IAM_ACTION_OF_COMMAND));
    expected.delete('s3:GetObject');
    expect(actions).toEqual(expected);
  });
});

describe('the outputs init --from-stack reads', () => {
  const ALL = [
    'LedgerTableName',
    'TrackingTableName',
    'SuppressionTableName',
    'AuditTableName',
    'EventQueueUrl',
    'DeadLetterQueueUrl',
    'ConfigurationSetName',
    'ContactListName',
    'TopicName',
    'UnsubscribeUrl',
    'UnsubscribeAddress',
    'KmsKeyId',
    'GitHubRoleArn',
    'Region',
  ];

  it('every output, by these exact logical IDs; UnsubscribeAddress only with an address', () => {
    expect(Object.keys(inbound.template.toJSON().Outputs).sort()).toEqual([...ALL].sort());
    expect(Object.keys(defaults.template.toJSON().Outputs).sort()).toEqual(
      ALL.filter((key) => key !== 'UnsubscribeAddress').sort(),
    );
    inbound.template.hasOutput('UnsubscribeAddress', { Value: ADDRESS });
    defaults.template.hasOutput('ContactListName', { Value: 'distro-nation' });
    defaults.template.hasOutput('TopicName', { Value: 'financial-reports' });
    defaults.template.hasOutput('Region', { Value: { Ref: 'AWS::Region' } });
    const outputs = defaults.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.EventQueueUrl?.Value).toEqual({ Ref: expect.stringMatching(/^MailEventsEventQueue/) });
    expect(outputs.DeadLetterQueueUrl?.Value).toEqual({
      Ref: expect.stringMatching(/^MailEventsDeadLetterQueue/),
    });
    expect(outputs.UnsubscribeUrl?.Value).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^UnsubscribeFunctionFunctionUrl/), 'FunctionUrl'],
    });
    expect(outputs.GitHubRoleArn?.Value).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^GitHubRole/), 'Arn'],
    });
    expect(outputs.LedgerTableName?.Value).toEqual({ Ref: expect.stringMatching(/^LedgerTable/) });
  });
});

describe('the settings', () => {
  const settingsOf = (context: Record<string, unknown>) => stackSettings(new App({ context }));

  it('the repository is required: the role would otherwise trust a guess', () => {
    expect(() => settingsOf({})).toThrow(/-c githubRepository: required/);
    expect(() => settingsOf({ githubRepository: 'not a repo' })).toThrow(/is not owner\/repo/);
  });

  it('names and refuses what cannot work, with the key to change', () => {
    const base = { githubRepository: REPOSITORY };
    expect(() =>
      settingsOf({
        ...base,
        kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k',
        existingKmsAlias: 'alias/x',
      }),
    ).toThrow(/-c kmsKeyArn: given with existingKmsAlias/);
    expect(() => settingsOf({ ...base, logRetentionDays: '42' })).toThrow(
      /-c logRetentionDays: 42 is not a retention/,
    );
    expect(() => settingsOf({ ...base, unsubscribeAddress: 'nobody' })).toThrow(/-c unsubscribeAddress/);
    expect(() => settingsOf({ ...base, tokenFormat: 'aes' })).toThrow(
      /-c tokenFormat: aes needs the AES key/,
    );
    expect(() => settingsOf({ ...base, createContactList: 'maybe' })).toThrow(/-c createContactList/);
  });

  it('lists: comma-separated on the command line, a JSON array in cdk.json', () => {
    expect(settingsOf({ githubRepository: REPOSITORY, secrets: 'dn/a, dn/b' }).secrets).toEqual([
      'dn/a',
      'dn/b',
    ]);
    expect(settingsOf({ githubRepository: REPOSITORY, secrets: ['dn/c'] }).secrets).toEqual(['dn/c']);
    expect(settingsOf({ githubRepository: REPOSITORY }).secrets).toEqual(['dn-mailer/*']);
  });
});
