import { unsubscribeKmsKeyId } from '../../config/envelope.js';
import type { Config } from '../../config/schema.js';

/**
 * The IAM action behind every AWS SDK command the aws adapters send — the list a least-privilege policy is made
 * from. `test/unit/iam-policy.test.ts` reads `src/adapters/aws/` and fails when a command the code sends is missing
 * here, or when this lists one no code sends: the policy can neither lag behind the code nor grant more than it uses.
 */
export const IAM_ACTION_OF_COMMAND: Readonly<Record<string, string>> = {
  // DynamoDB (lib-dynamodb document commands are the item APIs)
  BatchWriteCommand: 'dynamodb:BatchWriteItem',
  DeleteCommand: 'dynamodb:DeleteItem',
  DescribeTableCommand: 'dynamodb:DescribeTable',
  GetCommand: 'dynamodb:GetItem',
  PutCommand: 'dynamodb:PutItem',
  QueryCommand: 'dynamodb:Query',
  ScanCommand: 'dynamodb:Scan',
  // A transaction's Updates are authorised as UpdateItem (the ledger's TransactWriteItems hold only Updates)
  TransactWriteCommand: 'dynamodb:UpdateItem',
  UpdateCommand: 'dynamodb:UpdateItem',
  // SES v2
  CreateContactCommand: 'ses:CreateContact',
  GetAccountCommand: 'ses:GetAccount',
  GetContactCommand: 'ses:GetContact',
  GetContactListCommand: 'ses:GetContactList',
  ListContactsCommand: 'ses:ListContacts',
  ListSuppressedDestinationsCommand: 'ses:ListSuppressedDestinations',
  SendEmailCommand: 'ses:SendEmail',
  UpdateContactCommand: 'ses:UpdateContact',
  // S3: listing the reports; reading an inbound unsubscribe mail a receipt rule stored
  ListObjectsV2Command: 's3:ListBucket',
  GetObjectCommand: 's3:GetObject',
  // SQS: the event queue (DeleteMessageBatch is authorised as DeleteMessage)
  DeleteMessageBatchCommand: 'sqs:DeleteMessage',
  GetQueueAttributesCommand: 'sqs:GetQueueAttributes',
  ReceiveMessageCommand: 'sqs:ReceiveMessage',
  // Secrets Manager
  GetSecretValueCommand: 'secretsmanager:GetSecretValue',
  // KMS: the unsubscribe tokens of `unsubscribe.token: kms` (kms-token-format.ts)
  EncryptCommand: 'kms:Encrypt',
  DecryptCommand: 'kms:Decrypt',
};

/** Commands any identity may call without a grant (STS GetCallerIdentity needs no permission). */
export const COMMANDS_WITHOUT_PERMISSION: readonly string[] = ['GetCallerIdentityCommand'];

export interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string[]>>;
}

export interface IamPolicyDocument {
  Version: '2012-10-17';
  Statement: Statement[];
}

/**
 * The resources the policy is scoped to, as ARNs (or CDK tokens that resolve to ARNs: the infra stack passes its
 * own tables, queue and key). An empty list grants on every resource (`*`), which `unscopedStatements` reports.
 */
export interface IamScope {
  /** The DynamoDB tables; each table's indexes (`<arn>/index/*`) are granted too. */
  tableArns: readonly string[];
  /** The reports bucket (`s3:ListBucket`). */
  bucketArns: readonly string[];
  /** Where a receipt rule's S3 action stores inbound mail (`s3:GetObject`); empty: any bucket (`*`). */
  inboundMailArns: readonly string[];
  queueArns: readonly string[];
  secretArns: readonly string[];
  /** The unsubscribe token key: its ARN, or an alias (granted on any key that alias names); none: no KMS grant. */
  kmsKey?: { arn: string } | { alias: string } | undefined;
}

/**
 * The policy the aws backend needs for `config`, as JSON (`dn-mailer doctor --iam-policy`): every action the code
 * sends, each scoped to the resources the config names where the config names them (tables, bucket, queue, secrets,
 * the KMS key of the unsubscribe tokens).
 */
export function buildIamPolicy(config: Config): IamPolicyDocument {
  return { Version: '2012-10-17', Statement: buildIamStatements(iamScopeOfConfig(config)) };
}

/** What `config` names, as ARNs; a name without region or account becomes an ARN with `*` for them. */
export function iamScopeOfConfig(config: Config): IamScope {
  const tables = [
    config.tracking.ledgerTable,
    config.tracking.table,
    config.tracking.suppressionTable,
    config.tracking.auditTable,
  ].filter((name): name is string => name !== undefined);
  const bucket = config.reports.bucket;
  const kmsKeyId = unsubscribeKmsKeyId(config.unsubscribe);
  return {
    tableArns: tables.map((name) => `arn:aws:dynamodb:*:*:table/${name}`),
    bucketArns: bucket ? [`arn:aws:s3:::${bucket}`] : [],
    // The receipt rule's bucket is named by each notification, not by the config.
    inboundMailArns: [],
    queueArns: queueArn(config.events.queueUrl),
    secretArns: secretRefs(config).map((ref) => secretArnOf(ref)),
    kmsKey: kmsKeyId === undefined ? undefined : kmsKeyOf(kmsKeyId),
  };
}

/**
 * The statements for `scope`: the one function behind both `dn-mailer doctor --iam-policy` (names from the config)
 * and the infra stack's GitHub Actions role (ARNs of the resources it creates), so neither can grant what the other
 * does not. Every action comes from IAM_ACTION_OF_COMMAND.
 *
 * The KMS statement is there when the tokens are made or read in the KMS format (`unsubscribe.token: kms`, or a
 * `kmsKeyId` set beside AES tokens to read the old endpoint's links); the stack's role always has it.
 */
export function buildIamStatements(scope: IamScope): Statement[] {
  const tableArns = scope.tableArns.flatMap((arn) => [arn, `${arn}/index/*`]);
  return [
    { Sid: 'Ledger', Effect: 'Allow', Action: actionsOf('dynamodb'), Resource: orAll(tableArns) },
    { Sid: 'Sending', Effect: 'Allow', Action: actionsOf('ses'), Resource: ['*'] },
    { Sid: 'Reports', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: orAll(scope.bucketArns) },
    { Sid: 'InboundMail', Effect: 'Allow', Action: ['s3:GetObject'], Resource: orAll(scope.inboundMailArns) },
    { Sid: 'Events', Effect: 'Allow', Action: actionsOf('sqs'), Resource: orAll(scope.queueArns) },
    {
      Sid: 'Secrets',
      Effect: 'Allow',
      Action: actionsOf('secretsmanager'),
      Resource: orAll(scope.secretArns),
    },
    ...(scope.kmsKey ? [buildKmsStatement(scope.kmsKey)] : []),
  ];
}

/** The actions of one service, sorted, each once. */
function actionsOf(service: string): string[] {
  return [...new Set(Object.values(IAM_ACTION_OF_COMMAND).filter((a) => a.startsWith(`${service}:`)))].sort();
}

/**
 * An alias is not a resource KMS authorizes `Decrypt` on (the ciphertext names the key, not the alias), so an alias
 * is granted as "any key that carries this alias" (`kms:ResourceAliases`), which covers `Encrypt` by alias too.
 */
export function buildKmsStatement(key: NonNullable<IamScope['kmsKey']>): Statement {
  const statement: Statement = {
    Sid: 'UnsubscribeTokens',
    Effect: 'Allow',
    Action: actionsOf('kms'),
    Resource: [],
  };
  if ('arn' in key) return { ...statement, Resource: [key.arn] };
  return {
    ...statement,
    Resource: ['arn:aws:kms:*:*:key/*'],
    Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [key.alias] } },
  };
}

/** `unsubscribe.kmsKeyId` → how it is granted: an alias by name (an alias ARN too), a key ARN as is, a bare key id. */
function kmsKeyOf(keyId: string): IamScope['kmsKey'] {
  const aliasArn = /^arn:aws[\w-]*:kms:[^:]*:\d{12}:(alias\/.+)$/.exec(keyId);
  if (aliasArn?.[1]) return { alias: aliasArn[1] };
  if (keyId.startsWith('alias/')) return { alias: keyId };
  if (keyId.startsWith('arn:')) return { arn: keyId };
  return { arn: `arn:aws:kms:*:*:key/${keyId}` };
}

/**
 * The statements that grant on every resource only because the config names none of theirs (tables, bucket, queue,
 * secrets) — not the two that are `*` by design (SES, the inbound-mail bucket a notification names).
 */
export const SCOPED_BY_CONFIG: Readonly<Record<string, string>> = {
  Ledger: 'tracking.*Table',
  Reports: 'reports.bucket',
  Events: 'events.queueUrl',
  Secrets: 'a { secret } reference',
};

export function unscopedStatements(policy: { Statement: readonly Statement[] }): string[] {
  return policy.Statement.filter((s) => s.Sid in SCOPED_BY_CONFIG && s.Resource.includes('*')).map(
    (s) => s.Sid,
  );
}

function orAll(resources: readonly string[]): string[] {
  return resources.length > 0 ? [...resources] : ['*'];
}

/** `https://sqs.eu-west-1.amazonaws.com/123456789012/name` → `arn:aws:sqs:eu-west-1:123456789012:name`. */
function queueArn(url: string | undefined): string[] {
  const match = url ? /^https?:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com\/(\d{12})\/([\w-]+)$/.exec(url) : null;
  return match ? [`arn:aws:sqs:${match[1]}:${match[2]}:${match[3]}`] : [];
}

/** Every Secrets Manager reference of the config (its `{ secret }` names or ARNs). */
function secretRefs(config: Config): string[] {
  const refs = [
    config.users.korrect?.apiKey,
    config.users.firestore?.serviceAccount,
    config.links?.privateKey,
    config.unsubscribe.tokenKey,
  ];
  return refs.map((ref) => ref?.secret).filter((name): name is string => name !== undefined);
}

/**
 * A Secrets Manager reference as an ARN: an ARN as given, a name with the random suffix Secrets Manager adds to
 * every secret's ARN (`-` and six characters), a name ending in `*` (a prefix, e.g. `dn-mailer/*`) as it is.
 */
export function secretArnOf(name: string, region = '*', account = '*'): string {
  if (name.startsWith('arn:')) return name;
  const base = `arn:aws:secretsmanager:${region}:${account}:secret:${name}`;
  return name.endsWith('*') ? base : `${base}-*`;
}
