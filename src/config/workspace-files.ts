import { Document, isMap, isNode, isScalar, visit } from 'yaml';
import { monthName, type Period } from '../core/common/months.js';
import { schemaEntry } from './example.js';

export interface AwsAnswers {
  korrectBaseUrl: string;
  korrectKeySecret: string;
  bucket: string;
  cloudFrontUrl: string;
  keyPairId: string;
  privateKeySecret: string;
  from: string;
  configurationSet: string;
  contactList: string;
  ledgerTable: string;
  trackingTable: string;
  auditTable: string;
  unsubscribeUrl: string;
  tokenKeySecret: string;
}

/** A file `init` writes (every one 0600: the workspace holds keys and addresses). */
export interface PlannedFile {
  path: string;
  content: string;
}

/** The answers only the operator knows (Korrect, reports, CloudFront, sender): the stack does not make these. */
export type OperatorAnswers = Pick<
  AwsAnswers,
  | 'korrectBaseUrl'
  | 'korrectKeySecret'
  | 'bucket'
  | 'cloudFrontUrl'
  | 'keyPairId'
  | 'privateKeySecret'
  | 'from'
>;

/** The config of an aws workspace, from the operator's answers (what `init` writes and validates first). */
export function awsConfig(a: AwsAnswers): Record<string, unknown> {
  return {
    ...operatorSections(a),
    ses: { configurationSet: a.configurationSet },
    tracking: { ledgerTable: a.ledgerTable, table: a.trackingTable, auditTable: a.auditTable },
    unsubscribe: {
      mode: 'own',
      baseUrl: a.unsubscribeUrl,
      tokenKey: { secret: a.tokenKeySecret },
      contactList: a.contactList,
      topic: schemaDefault('unsubscribe.topic'),
    },
  };
}

/** The start of every aws config: the backend, users, reports, links and sender, from the operator's answers. */
export function operatorSections(a: OperatorAnswers): Record<string, unknown> {
  return {
    backend: 'aws',
    users: {
      korrect: { baseUrl: a.korrectBaseUrl, apiKey: { secret: a.korrectKeySecret } },
      excludeEmails: schemaDefault('users.excludeEmails'),
      customIdAliases: originalAliases(),
    },
    reports: { bucket: a.bucket },
    links: {
      baseUrl: a.cloudFrontUrl,
      keyPairId: a.keyPairId,
      privateKey: { secret: a.privateKeySecret },
      expiresInDays: schemaDefault('links.expiresInDays'),
    },
    email: { from: a.from },
  };
}

/** The line comments of the operator's sections of an aws config. */
export const OPERATOR_COMMENTS: Readonly<Record<string, string>> = {
  'users.excludeEmails': 'internal test accounts',
  'users.customIdAliases': "the original system's aliases; add your own",
};

/** The commented `.distronationrc.yaml` of an aws workspace, from the operator's answers. */
export function awsConfigFile(answers: AwsAnswers, today: Date): PlannedFile {
  const config = awsConfig(answers);
  const header = [
    `dn-mailer configuration (aws backend), written by \`dn-mailer init\` on ${isoDay(today)}.`,
    'Every key is documented in .distronationrc.example. Secrets are references, never values.',
    'AWS credentials and region come from the SDK chain (AWS_PROFILE, SSO, OIDC in CI, AWS_REGION).',
  ];
  return {
    path: '.distronationrc.yaml',
    content: renderConfig(config, header, {
      ...OPERATOR_COMMENTS,
      'tracking.ledgerTable': 'keys campaignId (S), email (S)',
      'tracking.table': 'keys campaignId (S), timestamp (N); TTL on expirationTime',
      'tracking.auditTable': 'keys email (S), at (S)',
    }),
  };
}

/**
 * A complete local workspace: config, fresh keys (passed in), and a small sample month (two creators, their
 * payouts and report files for `period`) so `send-report --dry-run` works at once.
 */
export function localWorkspaceFiles(
  keys: { privateKey: string; publicKey: string; tokenKey: string },
  period: Period,
  today: Date,
): PlannedFile[] {
  const month = monthName(period.month);
  const config = {
    backend: 'local',
    users: {
      file: 'users.json',
      excludeEmails: schemaDefault('users.excludeEmails'),
      customIdAliases: originalAliases(),
    },
    payouts: { file: 'payouts.json', currency: schemaDefault('payouts.currency') },
    reports: { dir: 'reports' },
    links: {
      baseUrl: 'https://reports.example.test',
      keyPairId: 'KLOCALDEMO00000',
      privateKey: { file: 'keys/cloudfront-private.pem' },
    },
    email: { from: 'Finance <reports@example.test>' },
    unsubscribe: {
      mode: 'own',
      baseUrl: 'http://127.0.0.1:8787/unsubscribe',
      mailto: 'unsubscribe@example.test',
      tokenKey: { file: 'keys/unsubscribe-token.key' },
    },
    // The switch for rehearsing failures (README: Rehearse step 5): off until an address is listed.
    outbox: { simulate: { reject: [], unknown: [], throttle: 0 } },
  };
  const header = [
    `dn-mailer configuration (local backend), written by \`dn-mailer init\` on ${isoDay(today)}.`,
    'Every key is documented in .distronationrc.example. Nothing here talks to AWS: mail goes to .dn-mailer/outbox,',
    'the ledger to .dn-mailer/dn-mailer.sqlite. Replace the sample users, payouts and reports with your own.',
  ];
  const configYaml = renderConfig(config, header, {
    'users.file': 'the Korrect /dn_users_list shape',
    'users.customIdAliases': "the original system's aliases; add your own",
    'payouts.file': 'the Korrect /dn_payouts_fetch body shape',
    'reports.dir': 'laid out like the bucket',
    'links.baseUrl': 'your CloudFront distribution on AWS',
    'unsubscribe.baseUrl': 'dn-mailer serve',
    'outbox.simulate': 'rehearse: list an address in reject or unknown, or set throttle (sends a second)',
  });
  const users = {
    statusCode: 200,
    body: [
      {
        userName: 'Sample Artist',
        status: 'active',
        emailsUser: 'artist@example.test',
        creators: [
          {
            channels: [
              { customID: 'SAMPLE1', channelName: 'Sample Artist', platform: 'youtube' },
              { customID: 'SAMPLE2', channelName: 'Sample Artist Music', platform: 'spotify' },
            ],
          },
        ],
      },
      {
        userName: 'Second Creator',
        status: 'active',
        emailsUser: 'creator@example.test',
        creators: [{ channels: [{ customID: 'SAMPLE3', channelName: 'Second Creator' }] }],
      },
    ],
  };
  const contract = (code: string, opening: number, earnings: number, views: number) => ({
    contractCode: code,
    yearPart: period.year,
    monthPart: period.month,
    openingBal: opening,
    paymentsAll: -opening,
    periodBal: earnings - opening,
    totalBal: earnings,
    totalViews: views,
  });
  const payouts = {
    statusCode: 200,
    body: [
      { customId: 'SAMPLE1', payout: [contract('YT-SAMPLE1', 120.5, 98.25, 18250)] },
      { customId: 'SAMPLE2', payout: [contract('DST-SAMPLE2', 40, 12.75, 0)] },
      { customId: 'SAMPLE3', payout: [] },
    ],
  };
  const report = (id: string, type: string) => ({
    path: `reports/financial-reports/${period.year}/${month}/${id}-${type}.pdf`,
    content: `%PDF-1.4\n% sample ${type} report of ${id} for ${month} ${period.year}\n`,
  });
  return [
    { path: '.distronationrc.yaml', content: configYaml },
    { path: 'users.json', content: `${JSON.stringify(users, null, 2)}\n` },
    { path: 'payouts.json', content: `${JSON.stringify(payouts, null, 2)}\n` },
    report('SAMPLE1', 'youtube'),
    report('SAMPLE2', 'distro'),
    report('SAMPLE3', 'youtube'),
    { path: 'keys/cloudfront-private.pem', content: keys.privateKey },
    { path: 'keys/cloudfront-public.pem', content: keys.publicKey },
    { path: 'keys/unsubscribe-token.key', content: keys.tokenKey },
    { path: '.gitignore', content: '.dn-mailer/\npreviews/\nkeys/*private*\nkeys/*.key\n' },
  ];
}

/**
 * The config as YAML, written by the `yaml` library so every value is quoted and escaped as it needs: the
 * header, each top-level section's description from the schema, and `lineComments` (by dotted key) after values.
 * Secret references (`{ secret: … }`, `{ file: … }`) and empty collections are written on one line.
 */
export function renderConfig(
  config: Record<string, unknown>,
  header: readonly string[],
  lineComments: Record<string, string>,
): string {
  const doc = new Document(config);
  doc.commentBefore = header.map((line) => ` ${line}`).join('\n');
  const root = doc.contents;
  if (!isMap(root)) throw new Error('the config is a map');
  for (const pair of root.items) {
    if (!isScalar(pair.key) || !isMap(pair.value)) continue;
    const { description } = schemaEntry(String(pair.key.value));
    pair.key.spaceBefore = true;
    if (description) pair.key.commentBefore = ` ${description}`;
  }
  for (const [key, comment] of Object.entries(lineComments)) {
    const node = doc.getIn(key.split('.'), true);
    if (!isNode(node)) throw new Error(`no ${key} to comment`);
    node.comment = ` ${comment}`;
  }
  visit(doc, {
    Map(_, map) {
      if (map.items.every((pair) => isScalar(pair.key) && SECRET_REF_KEYS.has(String(pair.key.value)))) {
        map.flow = true;
      }
    },
    Seq(_, seq) {
      if (seq.items.length === 0) seq.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

const SECRET_REF_KEYS = new Set(['env', 'file', 'secret', 'key']);

/** A default of the config schema (what `.distronationrc.example` shows), so `init` cannot drift from it. */
function schemaDefault(key: string): unknown {
  const value = schemaEntry(key).default;
  if (value === undefined) throw new Error(`${key} has no default in the config schema`);
  return value;
}

/**
 * The custom ID aliases the original financial mailer applied (`MOLS → MOL`, `JODYHIGHROLLER → RIFFRAFF`): the
 * schema's sample, which `.distronationrc.example` shows too. Written into a new workspace as config, never applied
 * as code.
 */
function originalAliases(): unknown {
  const { sample } = schemaEntry('users.customIdAliases');
  if (sample === undefined) throw new Error('users.customIdAliases has no sample in the config schema');
  return sample;
}

export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
