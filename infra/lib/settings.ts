import type { App } from 'aws-cdk-lib';

/**
 * Every name and choice of the stack, read from CDK context (`cdk deploy -c ledgerTable=… -c githubRepository=…`,
 * or the `context` of cdk.json). Context, not CfnParameters: most choices change what is synthesized (a receipt rule
 * or none, a new KMS key or an existing one, a new OIDC provider or an imported one), which a CloudFormation
 * parameter cannot do. Defaults are the names the README and the code already use.
 */
export interface StackSettings {
  stackName: string;
  ledgerTable: string;
  trackingTable: string;
  suppressionTable: string;
  auditTable: string;
  configurationSet: string;
  /** SNS topic of the configuration set's event destination. */
  eventTopic: string;
  /** SNS topic of the unsubscribe address's receipt rule. */
  inboundTopic: string;
  eventQueue: string;
  deadLetterQueue: string;
  contactList: string;
  /** false: the contact list already exists (SES allows one per account); the stack only uses its name. */
  createContactList: boolean;
  topic: string;
  topicDisplayName: string;
  /** The address opt-out mails go to; undefined: no receipt rule set. */
  unsubscribeAddress: string | undefined;
  receiptRuleSet: string;
  /** The alias of the KMS key the stack creates (when neither kmsKeyArn nor existingKmsAlias is given). */
  kmsAlias: string;
  kmsKeyArn: string | undefined;
  existingKmsAlias: string | undefined;
  /** Secrets Manager id of the AES token key the endpoint also reads; undefined: AES tokens are not read there. */
  tokenKeySecret: string | undefined;
  tokenFormat: 'kms' | 'aes';
  brandName: string;
  maxAgeDays: number;
  /** The endpoint's public URL (a custom domain in front of the function URL); undefined: the function URL. */
  publicUrl: string | undefined;
  functionName: string;
  logRetentionDays: number;
  githubRepository: string;
  githubBranch: string;
  githubEnvironment: string;
  /** An existing `token.actions.githubusercontent.com` provider; undefined: the stack creates one. */
  githubOidcProviderArn: string | undefined;
  githubRoleName: string;
  reportsBucket: string;
  /** Secrets Manager names (or ARNs, or `prefix/*`) the workflow's config references. */
  secrets: string[];
  /** The bucket a receipt rule's S3 action stores inbound mail in; undefined: the stack's rule uses SNS only. */
  inboundMailBucket: string | undefined;
}

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const DEFAULT_SETTINGS: Omit<StackSettings, 'githubRepository'> = {
  stackName: 'DnMailer',
  ledgerTable: 'dn-mailer-ledger',
  trackingTable: 'financial-campaign-tracking',
  suppressionTable: 'dn-mailer-suppressions',
  auditTable: 'dn-mailer-unsubscribe-audit',
  configurationSet: 'dn-mailer',
  eventTopic: 'dn-mailer-events',
  inboundTopic: 'dn-mailer-inbound',
  eventQueue: 'dn-mailer-events',
  deadLetterQueue: 'dn-mailer-events-dlq',
  contactList: 'distro-nation',
  createContactList: true,
  topic: 'financial-reports',
  topicDisplayName: 'Monthly financial reports',
  unsubscribeAddress: undefined,
  receiptRuleSet: 'dn-mailer',
  kmsAlias: 'alias/dn-unsubscribe',
  kmsKeyArn: undefined,
  existingKmsAlias: undefined,
  tokenKeySecret: undefined,
  tokenFormat: 'kms',
  brandName: 'Distro Nation',
  maxAgeDays: 30,
  publicUrl: undefined,
  functionName: 'dn-mailer-unsubscribe',
  logRetentionDays: 90,
  githubBranch: 'main',
  githubEnvironment: 'financial-send',
  githubOidcProviderArn: undefined,
  githubRoleName: 'dn-mailer-github-actions',
  reportsBucket: 'distro-nation-reports',
  secrets: ['dn-mailer/*'],
  inboundMailBucket: undefined,
};

/** A setting that cannot be used, naming the context key and what to pass instead. */
export class SettingsError extends Error {
  constructor(key: string, problem: string, hint: string) {
    super(`-c ${key}: ${problem} (hint: ${hint})`);
    this.name = 'SettingsError';
  }
}

/** The stack's settings from the app's context; throws a SettingsError naming the key when one is unusable. */
export function stackSettings(app: App): StackSettings {
  const raw = (key: keyof StackSettings): unknown => app.node.tryGetContext(key);
  const text = <K extends keyof StackSettings>(key: K, fallback: string): string => {
    const value = raw(key);
    if (value === undefined || value === null || value === '') return fallback;
    if (typeof value !== 'string' && typeof value !== 'number')
      throw new SettingsError(key, 'not text', `-c ${key}=…`);
    return String(value).trim();
  };
  const optional = (key: keyof StackSettings): string | undefined => {
    const value = text(key, '');
    return value === '' ? undefined : value;
  };
  const d = DEFAULT_SETTINGS;
  const githubRepository = text('githubRepository', '');
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(githubRepository)) {
    throw new SettingsError(
      'githubRepository',
      githubRepository === ''
        ? 'required: the GitHub Actions role trusts this repository only'
        : `"${githubRepository}" is not owner/repo`,
      'cdk deploy -c githubRepository=<owner>/<repo>',
    );
  }
  const settings: StackSettings = {
    stackName: text('stackName', d.stackName),
    ledgerTable: text('ledgerTable', d.ledgerTable),
    trackingTable: text('trackingTable', d.trackingTable),
    suppressionTable: text('suppressionTable', d.suppressionTable),
    auditTable: text('auditTable', d.auditTable),
    configurationSet: text('configurationSet', d.configurationSet),
    eventTopic: text('eventTopic', d.eventTopic),
    inboundTopic: text('inboundTopic', d.inboundTopic),
    eventQueue: text('eventQueue', d.eventQueue),
    deadLetterQueue: text('deadLetterQueue', d.deadLetterQueue),
    contactList: text('contactList', d.contactList),
    createContactList: flag(raw('createContactList'), 'createContactList', d.createContactList),
    topic: text('topic', d.topic),
    topicDisplayName: text('topicDisplayName', d.topicDisplayName),
    unsubscribeAddress: optional('unsubscribeAddress'),
    receiptRuleSet: text('receiptRuleSet', d.receiptRuleSet),
    kmsAlias: text('kmsAlias', d.kmsAlias),
    kmsKeyArn: optional('kmsKeyArn'),
    existingKmsAlias: optional('existingKmsAlias'),
    tokenKeySecret: optional('tokenKeySecret'),
    tokenFormat: oneOf(text('tokenFormat', d.tokenFormat), 'tokenFormat', ['kms', 'aes'] as const),
    brandName: text('brandName', d.brandName),
    maxAgeDays: whole(text('maxAgeDays', String(d.maxAgeDays)), 'maxAgeDays', 1, 365),
    publicUrl: optional('publicUrl'),
    functionName: text('functionName', d.functionName),
    logRetentionDays: whole(
      text('logRetentionDays', String(d.logRetentionDays)),
      'logRetentionDays',
      1,
      3653,
    ),
    githubRepository,
    githubBranch: text('githubBranch', d.githubBranch),
    githubEnvironment: text('githubEnvironment', d.githubEnvironment),
    githubOidcProviderArn: optional('githubOidcProviderArn'),
    githubRoleName: text('githubRoleName', d.githubRoleName),
    reportsBucket: text('reportsBucket', d.reportsBucket),
    secrets: list(raw('secrets'), 'secrets', d.secrets),
    inboundMailBucket: optional('inboundMailBucket'),
  };
  checkCombinations(settings);
  return settings;
}

function checkCombinations(s: StackSettings): void {
  if (s.kmsKeyArn && s.existingKmsAlias) {
    throw new SettingsError(
      'kmsKeyArn',
      'given with existingKmsAlias',
      'name the existing key one way: its ARN or its alias',
    );
  }
  if (s.kmsKeyArn && !/^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/.test(s.kmsKeyArn)) {
    throw new SettingsError(
      'kmsKeyArn',
      `"${s.kmsKeyArn}" is not a KMS key ARN`,
      'arn:aws:kms:<region>:<account>:key/<id>',
    );
  }
  for (const key of ['kmsAlias', 'existingKmsAlias'] as const) {
    const alias = s[key];
    if (alias !== undefined && !/^alias\/[\w/-]+$/.test(alias)) {
      throw new SettingsError(key, `"${alias}" is not a KMS alias`, 'alias/dn-unsubscribe');
    }
  }
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(s.logRetentionDays)) {
    throw new SettingsError(
      'logRetentionDays',
      `${s.logRetentionDays} is not a retention CloudWatch Logs offers`,
      LOG_RETENTION_DAYS.join(', '),
    );
  }
  if (s.unsubscribeAddress !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s.unsubscribeAddress)) {
    throw new SettingsError(
      'unsubscribeAddress',
      `"${s.unsubscribeAddress}" is not an e-mail address`,
      'unsubscribe@distro-nation.com',
    );
  }
  if (s.publicUrl !== undefined && !/^https:\/\/[^\s]+$/.test(s.publicUrl)) {
    throw new SettingsError(
      'publicUrl',
      `"${s.publicUrl}" is not an https URL`,
      'https://mail.distro-nation.com/unsubscribe',
    );
  }
  if (s.tokenFormat === 'aes' && !s.tokenKeySecret) {
    throw new SettingsError(
      'tokenFormat',
      'aes needs the AES key',
      '-c tokenKeySecret=dn-mailer/unsubscribe-token-key',
    );
  }
}

function flag(value: unknown, key: string, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new SettingsError(key, `"${String(value)}" is not true or false`, `-c ${key}=false`);
}

function whole(value: string, key: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new SettingsError(
      key,
      `"${value}" is not a whole number from ${min} to ${max}`,
      `-c ${key}=${min}`,
    );
  }
  return n;
}

function oneOf<T extends string>(value: string, key: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new SettingsError(key, `"${value}" is not one of ${allowed.join(', ')}`, `-c ${key}=${allowed[0]}`);
}

/** A list: a JSON array in cdk.json, or comma-separated on the command line. */
function list(value: unknown, key: string, fallback: string[]): string[] {
  if (value === undefined || value === null || value === '') return fallback;
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (!items || items.some((item) => typeof item !== 'string')) {
    throw new SettingsError(
      key,
      'not a list of names',
      `-c ${key}=dn-mailer/korrect,dn-mailer/cloudfront-key`,
    );
  }
  return (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
}
