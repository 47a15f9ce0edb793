import { monthName, type Period } from '../core/common/months.js';

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

export interface PlannedFile {
  path: string;
  content: string;
  secret?: boolean;
}

/** The commented `.distronationrc.yaml` of an aws workspace, from the operator's answers. */
export function awsConfigFile(answers: AwsAnswers, today: Date): PlannedFile {
  const a = answers;
  const lines = [
    `# dn-mailer configuration (aws backend), written by \`dn-mailer init\` on ${today.toISOString().slice(0, 10)}.`,
    '# Every key is documented in .distronationrc.example. Secrets are references, never values.',
    '# AWS credentials and region come from the SDK chain (AWS_PROFILE, SSO, OIDC in CI, AWS_REGION).',
    'backend: aws',
    'users:',
    '  korrect:',
    `    baseUrl: ${a.korrectBaseUrl}`,
    `    apiKey: { secret: ${a.korrectKeySecret} }`,
    '  excludeEmails: []   # internal test accounts',
    '  customIdAliases: {} # e.g. { MOLS: MOL }',
    'reports:',
    `  bucket: ${a.bucket}`,
    'links:',
    `  baseUrl: ${a.cloudFrontUrl}`,
    `  keyPairId: ${a.keyPairId}`,
    `  privateKey: { secret: ${a.privateKeySecret} }`,
    '  expiresInDays: 25',
    'email:',
    `  from: "${a.from}"`,
    'ses:',
    `  configurationSet: ${a.configurationSet}`,
    'tracking:',
    `  ledgerTable: ${a.ledgerTable}   # keys campaignId (S), email (S)`,
    `  table: ${a.trackingTable}   # keys campaignId (S), timestamp (N); TTL on expirationTime`,
    `  auditTable: ${a.auditTable}   # keys email (S), at (S)`,
    'unsubscribe:',
    '  mode: own',
    `  baseUrl: ${a.unsubscribeUrl}`,
    `  tokenKey: { secret: ${a.tokenKeySecret} }`,
    `  contactList: ${a.contactList}`,
    '  topic: financial-reports',
    '',
  ];
  return { path: '.distronationrc.yaml', content: lines.join('\n') };
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
  const config = [
    `# dn-mailer configuration (local backend), written by \`dn-mailer init\` on ${today.toISOString().slice(0, 10)}.`,
    '# Every key is documented in .distronationrc.example. Nothing here talks to AWS: mail goes to .dn-mailer/outbox,',
    '# the ledger to .dn-mailer/dn-mailer.sqlite. Replace the sample users, payouts and reports with your own.',
    'backend: local',
    'users:',
    '  file: users.json        # the Korrect /dn_users_list shape',
    '  excludeEmails: []',
    '  customIdAliases: {}',
    'payouts:',
    '  file: payouts.json      # the Korrect /dn_payouts_fetch body shape',
    '  currency: USD',
    'reports:',
    '  dir: reports            # laid out like the bucket',
    'links:',
    '  baseUrl: https://reports.example.test   # your CloudFront distribution on AWS',
    '  keyPairId: KLOCALDEMO00000',
    '  privateKey: { file: keys/cloudfront-private.pem }',
    'email:',
    '  from: "Finance <reports@example.test>"',
    'unsubscribe:',
    '  mode: own',
    '  baseUrl: http://127.0.0.1:8787/unsubscribe   # dn-mailer serve',
    '  mailto: unsubscribe@example.test',
    '  tokenKey: { file: keys/unsubscribe-token.key }',
    '',
  ].join('\n');
  const users = {
    statusCode: 200,
    body: [
      {
        userName: 'Sample Artist',
        status: 'active',
        emailsUser: 'artist@example.test',
        creators: [{ channels: [{ customID: 'SAMPLE1' }, { customID: 'SAMPLE2' }] }],
      },
      {
        userName: 'Second Creator',
        status: 'active',
        emailsUser: 'creator@example.test',
        creators: [{ channels: [{ customID: 'SAMPLE3' }] }],
      },
    ],
  };
  const contract = (code: string, opening: number, earnings: number) => ({
    contractCode: code,
    yearPart: period.year,
    monthPart: period.month,
    openingBal: opening,
    paymentsAll: -opening,
    periodBal: earnings - opening,
    totalBal: earnings,
  });
  const payouts = {
    statusCode: 200,
    body: [
      { customId: 'SAMPLE1', payout: [contract('YT-SAMPLE1', 120.5, 98.25)] },
      { customId: 'SAMPLE2', payout: [contract('DST-SAMPLE2', 40, 12.75)] },
      { customId: 'SAMPLE3', payout: [] },
    ],
  };
  const report = (id: string, type: string) => ({
    path: `reports/financial-reports/${period.year}/${month}/${id}-${type}.pdf`,
    content: `%PDF-1.4\n% sample ${type} report of ${id} for ${month} ${period.year}\n`,
  });
  return [
    { path: '.distronationrc.yaml', content: config },
    { path: 'users.json', content: `${JSON.stringify(users, null, 2)}\n` },
    { path: 'payouts.json', content: `${JSON.stringify(payouts, null, 2)}\n` },
    report('SAMPLE1', 'youtube'),
    report('SAMPLE2', 'distro'),
    report('SAMPLE3', 'youtube'),
    { path: 'keys/cloudfront-private.pem', content: keys.privateKey, secret: true },
    { path: 'keys/cloudfront-public.pem', content: keys.publicKey },
    { path: 'keys/unsubscribe-token.key', content: keys.tokenKey, secret: true },
    { path: '.gitignore', content: '.dn-mailer/\npreviews/\nkeys/*private*\nkeys/*.key\n' },
  ];
}
