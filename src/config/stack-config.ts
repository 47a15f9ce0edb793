import { ConfigError } from '../core/common/errors.js';
import { AWS_QUESTIONS, type AwsQuestion, checkAwsAnswer, operatorResourcesNeeded } from './init-answers.js';
import type { StackOutputKey, StackOutputs } from './stack-outputs.js';
import { validateConfig } from './validate.js';
import {
  type AwsAnswers,
  isoDay,
  OPERATOR_COMMENTS,
  type OperatorAnswers,
  operatorSections,
  type PlannedFile,
  renderConfig,
} from './workspace-files.js';

/** The questions of `init --backend aws` the stack answers (with the output that does): not asked, no flag taken. */
export const STACK_ANSWERED: Readonly<Partial<Record<keyof AwsAnswers, StackOutputKey>>> = {
  configurationSet: 'ConfigurationSetName',
  contactList: 'ContactListName',
  ledgerTable: 'LedgerTableName',
  trackingTable: 'TrackingTableName',
  auditTable: 'AuditTableName',
  unsubscribeUrl: 'UnsubscribeUrl',
};

/** With the stack, links carry KMS tokens: the AES token key is optional (`--token-key-secret`), never asked. */
const TOKEN_KEY_QUESTION = AWS_QUESTIONS.find((q) => q.key === 'tokenKeySecret') as AwsQuestion;

/** What `init --from-stack` asks (or takes as flags): what only the operator knows. */
export const OPERATOR_QUESTIONS: readonly AwsQuestion[] = AWS_QUESTIONS.filter(
  (q) => STACK_ANSWERED[q.key] === undefined && q !== TOKEN_KEY_QUESTION,
);

/** One output of the stack and where it goes: a config key (dotted), or elsewhere (`field` undefined: `use` says). */
export interface StackField {
  output: StackOutputKey;
  field: string | undefined;
  use: string;
  value: string;
}

/** Where each output goes, in the order the config lists them. */
const FIELDS: readonly { output: StackOutputKey; field?: string; use?: string }[] = [
  { output: 'Region', field: 'ses.region' },
  { output: 'ConfigurationSetName', field: 'ses.configurationSet' },
  { output: 'LedgerTableName', field: 'tracking.ledgerTable' },
  { output: 'TrackingTableName', field: 'tracking.table' },
  { output: 'SuppressionTableName', field: 'tracking.suppressionTable' },
  { output: 'AuditTableName', field: 'tracking.auditTable' },
  { output: 'EventQueueUrl', field: 'events.queueUrl' },
  { output: 'KmsKeyId', field: 'unsubscribe.kmsKeyId' },
  { output: 'UnsubscribeUrl', field: 'unsubscribe.baseUrl' },
  { output: 'UnsubscribeAddress', field: 'unsubscribe.mailto' },
  { output: 'ContactListName', field: 'unsubscribe.contactList' },
  { output: 'TopicName', field: 'unsubscribe.topic' },
  { output: 'DeadLetterQueueUrl', use: '(not in the config)' },
  { output: 'GitHubRoleArn', use: 'vars.DN_MAILER_ROLE_ARN' },
];

/** Every output the stack gave, with the config key it fills (undefined: not part of the config). */
export function stackFields(stack: StackOutputs): StackField[] {
  return FIELDS.flatMap(({ output, field, use }) => {
    const value = stack.values[output];
    return value === undefined ? [] : [{ output, field, use: field ?? use ?? '', value }];
  });
}

/**
 * The config of an aws workspace from the stack's outputs and the operator's answers: own-mode unsubscribe links
 * with KMS tokens (the stack's key and endpoint); `tokenKeySecret`, when given, keeps AES tokens readable too.
 */
export function stackConfig(
  answers: OperatorAnswers,
  stack: StackOutputs,
  tokenKeySecret?: string,
): Record<string, unknown> {
  const config: Record<string, unknown> = {
    ...operatorSections(answers),
    ses: {},
    tracking: {},
    events: {},
    unsubscribe: { mode: 'own', token: 'kms' },
  };
  for (const { field, value } of stackFields(stack)) {
    if (!field) continue;
    const [section = '', key = ''] = field.split('.');
    (config[section] as Record<string, unknown>)[key] = value;
  }
  if (tokenKeySecret !== undefined)
    (config.unsubscribe as Record<string, unknown>).tokenKey = { secret: tokenKeySecret };
  return config;
}

/** The commented `.distronationrc.yaml`: each value from the stack says which output it came from. */
export function stackConfigFile(
  answers: OperatorAnswers,
  stack: StackOutputs,
  today: Date,
  tokenKeySecret?: string,
): PlannedFile {
  const region = stack.values.Region;
  const header = [
    `dn-mailer configuration (aws backend), written by \`dn-mailer init --from-stack\` on ${isoDay(today)}.`,
    `Tables, queue, SES names, KMS key and unsubscribe endpoint: the outputs of the CloudFormation stack ${stack.stackName}.`,
    'Every key is documented in .distronationrc.example. Secrets are references, never values.',
    'AWS credentials come from the SDK chain (AWS_PROFILE, SSO, OIDC in CI); set AWS_REGION to the region of the',
    `stack (${region}) for DynamoDB, KMS, S3 and Secrets Manager.`,
  ];
  const comments: Record<string, string> = { ...OPERATOR_COMMENTS };
  for (const { output, field } of stackFields(stack)) if (field) comments[field] = `stack output ${output}`;
  if (tokenKeySecret !== undefined)
    comments['unsubscribe.tokenKey'] = 'reads AES tokens of earlier mails; new links use KMS';
  return {
    path: '.distronationrc.yaml',
    content: renderConfig(stackConfig(answers, stack, tokenKeySecret), header, comments),
  };
}

/**
 * Every problem of the operator's answers, each naming its flag, then of the config they make with the stack,
 * validated by the schema every command loads it with (a stack value the schema refuses names its output).
 */
export function checkStackAnswers(
  answers: OperatorAnswers,
  stack: StackOutputs,
  tokenKeySecret?: string,
): string[] {
  const questions =
    tokenKeySecret === undefined ? OPERATOR_QUESTIONS : [...OPERATOR_QUESTIONS, TOKEN_KEY_QUESTION];
  const all: Partial<AwsAnswers> = {
    ...answers,
    ...(tokenKeySecret === undefined ? {} : { tokenKeySecret }),
  };
  const problems = questions.flatMap((question) => {
    const problem = checkAwsAnswer(question, all[question.key] ?? '');
    return problem ? [`--${question.flag}: ${problem}`] : [];
  });
  if (problems.length > 0) return problems;
  try {
    validateConfig(stackConfig(answers, stack, tokenKeySecret), (p) => p, 'the answers and the stack');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const fields = stackFields(stack);
    return error.details.map((line) => {
      const from = fields.find((f) => f.field && line.startsWith(`${f.field}:`));
      return from ? `${line} (stack output ${from.output})` : line;
    });
  }
  return [];
}

/** What must exist before `doctor` passes that the stack does not create. */
export function stackResourcesNeeded(answers: OperatorAnswers, tokenKeySecret?: string): string[] {
  const tokenKey =
    tokenKeySecret === undefined ? [] : [`Secrets Manager secret ${tokenKeySecret} (the AES token key)`];
  return [...operatorResourcesNeeded(answers), ...tokenKey];
}

/** The GitHub repository variables the monthly workflow reads, from the stack. */
export function repositoryVariables(stack: StackOutputs): Record<string, string> {
  return {
    ...(stack.values.GitHubRoleArn ? { DN_MAILER_ROLE_ARN: stack.values.GitHubRoleArn } : {}),
    AWS_REGION: stack.values.Region,
  };
}
