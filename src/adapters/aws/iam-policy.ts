import type { Config } from '../../config/schema.js';

/**
 * The IAM action behind every AWS SDK command the aws adapters send — the list a least-privilege policy is made
 * from. `test/unit/iam-policy.test.ts` reads `src/adapters/aws/` and fails when a command the code sends is missing
 * here, or when this lists one no code sends: the policy can neither lag behind the code nor grant more than it uses.
 */
export const IAM_ACTION_OF_COMMAND: Readonly<Record<string, string>> = {
  // DynamoDB (lib-dynamodb document commands are the item APIs)
  BatchWriteCommand: 'dynamodb:BatchWriteItem',
  DescribeTableCommand: 'dynamodb:DescribeTable',
  GetCommand: 'dynamodb:GetItem',
  PutCommand: 'dynamodb:PutItem',
  QueryCommand: 'dynamodb:Query',
  ScanCommand: 'dynamodb:Scan',
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
};

/** Commands any identity may call without a grant (STS GetCallerIdentity needs no permission). */
export const COMMANDS_WITHOUT_PERMISSION: readonly string[] = ['GetCallerIdentityCommand'];

interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
}

/**
 * The policy the aws backend needs for `config`, as JSON (`dn-mailer doctor --iam-policy`): every action the code
 * sends, each scoped to the resources the config names where the config names them (tables, bucket, queue, secrets).
 */
export function buildIamPolicy(config: Config): { Version: '2012-10-17'; Statement: Statement[] } {
  const actions = (service: string) =>
    [...new Set(Object.values(IAM_ACTION_OF_COMMAND).filter((a) => a.startsWith(`${service}:`)))].sort();
  const tables = [
    config.tracking.ledgerTable,
    config.tracking.table,
    config.tracking.suppressionTable,
    config.tracking.auditTable,
  ].filter((name): name is string => name !== undefined);
  const tableArns = tables.flatMap((name) => [
    `arn:aws:dynamodb:*:*:table/${name}`,
    `arn:aws:dynamodb:*:*:table/${name}/index/*`,
  ]);
  const bucket = config.reports.bucket;
  const statements: Statement[] = [
    { Sid: 'Ledger', Effect: 'Allow', Action: actions('dynamodb'), Resource: orAll(tableArns) },
    { Sid: 'Sending', Effect: 'Allow', Action: actions('ses'), Resource: ['*'] },
    {
      Sid: 'Reports',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: orAll(bucket ? [`arn:aws:s3:::${bucket}`] : []),
    },
    // The receipt rule's bucket is named by each notification, not by the config.
    { Sid: 'InboundMail', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'] },
    {
      Sid: 'Events',
      Effect: 'Allow',
      Action: actions('sqs'),
      Resource: orAll(queueArn(config.events.queueUrl)),
    },
    {
      Sid: 'Secrets',
      Effect: 'Allow',
      Action: actions('secretsmanager'),
      Resource: orAll(secretArns(config)),
    },
  ];
  return { Version: '2012-10-17', Statement: statements };
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

/** Every Secrets Manager reference of the config: an ARN as given, a name with the suffix Secrets Manager adds. */
function secretArns(config: Config): string[] {
  const refs = [
    config.users.korrect?.apiKey,
    config.users.firestore?.serviceAccount,
    config.links?.privateKey,
    config.unsubscribe.tokenKey,
  ];
  return refs
    .map((ref) => ref?.secret)
    .filter((name): name is string => name !== undefined)
    .map((name) => (name.startsWith('arn:') ? name : `arn:aws:secretsmanager:*:*:secret:${name}-*`));
}
