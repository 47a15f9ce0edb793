import { ConfigError } from '../core/common/errors.js';
import { validateConfig } from './validate.js';
import { type AwsAnswers, awsConfig, type OperatorAnswers } from './workspace-files.js';

/** One question of `init --backend aws`: its flag, its prompt, an example shown as a hint (never a default). */
export interface AwsQuestion {
  key: keyof AwsAnswers;
  flag: string;
  message: string;
  example: string;
  /** The value's shape; a problem in words, or undefined. The schema is checked on top (`checkAwsAnswers`). */
  shape(value: string): string | undefined;
}

const HOST_OF_EXAMPLE = /(^|\.)(example\.(com|net|org|test)|example|test|invalid|localhost)$/i;
/** The sample values the questions show (CloudFront's documentation distribution and key ID). */
const SAMPLE_VALUES = ['d111111abcdef8', 'K2JCJMDEHXQW5F', 'APKAEIBAERJR2EXAMPLE'];
const KEY_PAIR_ID = /^(K[A-Z0-9]{12,31}|APKA[A-Z0-9]{16})$/;
/** Secrets Manager names: 1–512 of letters, digits and /_+=.@-; or a secret ARN. */
const SECRET_NAME = /^(arn:aws[\w-]*:secretsmanager:[\w-]+:\d{12}:secret:[\w/+=.@-]+|[\w/+=.@-]{1,512})$/;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const SES_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const ADDRESS = /^(?:[^<>]*<([^<>\s]+@[^<>\s]+\.[^<>\s]+)>|([^<>\s]+@[^<>\s]+\.[^<>\s]+))$/;

function httpsShape(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'expected an https URL';
  }
  if (url.protocol !== 'https:') return 'expected an https URL';
  if (HOST_OF_EXAMPLE.test(url.hostname)) return `${url.hostname} is an example host, not yours`;
  return undefined;
}

const matches = (pattern: RegExp, expected: string) => (value: string) =>
  pattern.test(value) ? undefined : `expected ${expected}`;

function addressShape(value: string): string | undefined {
  const match = ADDRESS.exec(value.trim());
  const address = match?.[1] ?? match?.[2];
  if (!address)
    return 'expected an address, e.g. reports@your-domain.com or "Finance <reports@your-domain.com>"';
  const domain = address.slice(address.lastIndexOf('@') + 1);
  return HOST_OF_EXAMPLE.test(domain) ? `${domain} is an example domain, not yours` : undefined;
}

const secretShape = matches(SECRET_NAME, 'a Secrets Manager secret name (letters, digits, /_+=.@-) or ARN');
const tableShape = matches(TABLE_NAME, 'a DynamoDB table name (3–255 letters, digits, "_", "-", ".")');
const sesShape = matches(SES_NAME, 'an SES name (1–64 letters, digits, "_", "-")');

/** Every question, in the order they are asked; `init` has one flag per question. */
export const AWS_QUESTIONS: readonly AwsQuestion[] = [
  q('korrectBaseUrl', 'korrect-url', 'Korrect API base URL', 'https://api.example.com/staging', httpsShape),
  q(
    'korrectKeySecret',
    'korrect-key-secret',
    'Secrets Manager name of the Korrect API key',
    'dn-mailer/korrect-api-key',
    secretShape,
  ),
  q(
    'bucket',
    'bucket',
    'S3 bucket with the reports',
    'distro-nation-reports',
    matches(BUCKET_NAME, 'an S3 bucket name (3–63 lower-case letters, digits, "-", ".")'),
  ),
  q(
    'cloudFrontUrl',
    'cloudfront-url',
    'CloudFront distribution URL',
    'https://d111111abcdef8.cloudfront.net',
    httpsShape,
  ),
  q(
    'keyPairId',
    'key-pair-id',
    'CloudFront public key ID',
    'K2JCJMDEHXQW5F',
    matches(
      KEY_PAIR_ID,
      'a CloudFront public key ID (K…, 13–32 capitals and digits) or a key-pair ID (APKA…)',
    ),
  ),
  q(
    'privateKeySecret',
    'private-key-secret',
    'Secrets Manager name of the CloudFront private key',
    'cloudfront-private-key',
    secretShape,
  ),
  q(
    'from',
    'from',
    'Sender (a verified SES identity)',
    'Distro Nation <reports@distro-nation.com>',
    addressShape,
  ),
  q('configurationSet', 'configuration-set', 'SES configuration set', 'financial-reports', sesShape),
  q('contactList', 'contact-list', 'SES contact list', 'distro-nation', sesShape),
  q('ledgerTable', 'ledger-table', 'DynamoDB ledger table', 'dn-mailer-ledger', tableShape),
  q('trackingTable', 'tracking-table', 'DynamoDB tracking table', 'financial-campaign-tracking', tableShape),
  q('auditTable', 'audit-table', 'DynamoDB audit table', 'dn-mailer-audit', tableShape),
  q(
    'unsubscribeUrl',
    'unsubscribe-url',
    'Public URL of the unsubscribe endpoint',
    'https://mail.distro-nation.com/unsubscribe',
    httpsShape,
  ),
  q(
    'tokenKeySecret',
    'token-key-secret',
    'Secrets Manager name of the unsubscribe token key',
    'dn-mailer/unsubscribe-token-key',
    secretShape,
  ),
];

function q(
  key: keyof AwsAnswers,
  flag: string,
  message: string,
  example: string,
  shape: (value: string) => string | undefined,
): AwsQuestion {
  return { key, flag, message, example, shape };
}

/** The problem with one answer (`--flag: problem`), or undefined: empty, a sample value, or the wrong shape. */
export function checkAwsAnswer(question: AwsQuestion, raw: string): string | undefined {
  const value = raw.trim();
  if (value === '') return 'required';
  const sample = SAMPLE_VALUES.find((s) => value.toLowerCase().includes(s.toLowerCase()));
  if (sample) return `${sample} is the documentation's sample, not yours`;
  return question.shape(value);
}

/** The flags of the questions (default: all of them) not answered, as `--flag`. */
export function missingAwsFlags(
  answers: Partial<Record<keyof AwsAnswers, string>>,
  questions: readonly AwsQuestion[] = AWS_QUESTIONS,
): string[] {
  return questions.filter((question) => answers[question.key] === undefined).map((q) => `--${q.flag}`);
}

/**
 * Every problem of a full set of answers, each naming its flag: the shape of each answer, then the config they
 * make, validated by the same schema `doctor` and every command load it with.
 */
export function checkAwsAnswers(answers: AwsAnswers): string[] {
  const problems = AWS_QUESTIONS.flatMap((question) => {
    const problem = checkAwsAnswer(question, answers[question.key]);
    return problem ? [`--${question.flag}: ${problem}`] : [];
  });
  if (problems.length > 0) return problems;
  try {
    validateConfig(awsConfig(answers), (p) => p, 'the answers');
  } catch (error) {
    if (error instanceof ConfigError) return [...error.details];
    throw error;
  }
  return [];
}

/** What must exist in AWS before `doctor` passes: what `init` cannot check without the network. */
export function awsResourcesNeeded(a: AwsAnswers): string[] {
  return [
    ...operatorResourcesNeeded(a),
    `SES configuration set ${a.configurationSet}`,
    `SES contact list ${a.contactList}`,
    `DynamoDB table ${a.ledgerTable} (keys campaignId (S), email (S))`,
    `DynamoDB table ${a.trackingTable} (keys campaignId (S), timestamp (N); TTL on expirationTime)`,
    `DynamoDB table ${a.auditTable} (keys email (S), at (S))`,
    `the unsubscribe endpoint at ${a.unsubscribeUrl} (dn-mailer serve behind it)`,
    `Secrets Manager secret ${a.tokenKeySecret} (the unsubscribe token key)`,
  ];
}

/** The resources behind the answers only the operator knows (no stack of infra/ creates them). */
export function operatorResourcesNeeded(a: OperatorAnswers): string[] {
  return [
    `Secrets Manager secret ${a.korrectKeySecret} (the Korrect API key)`,
    `S3 bucket ${a.bucket} (the reports), listable by this identity`,
    `CloudFront distribution ${a.cloudFrontUrl} with public key ${a.keyPairId} in its key group`,
    `Secrets Manager secret ${a.privateKeySecret} (the CloudFront private key, PEM)`,
    `SES verified identity for ${a.from}, out of the sandbox`,
  ];
}
