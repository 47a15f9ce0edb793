import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { schemaEntry } from '../../src/config/example.js';
import {
  AWS_QUESTIONS,
  checkAwsAnswer,
  checkAwsAnswers,
  missingAwsFlags,
} from '../../src/config/init-answers.js';
import { loadConfig } from '../../src/config/load.js';
import { backendProblems, requireCampaignConfig } from '../../src/config/validate.js';
import {
  type AwsAnswers,
  awsConfig,
  awsConfigFile,
  localWorkspaceFiles,
} from '../../src/config/workspace-files.js';

const TODAY = new Date('2025-03-04T12:00:00Z');

const ANSWERS: AwsAnswers = {
  korrectBaseUrl: 'https://api.example.com/staging',
  korrectKeySecret: 'dn-mailer/korrect-api-key',
  bucket: 'distro-nation-reports',
  cloudFrontUrl: 'https://d111111abcdef8.cloudfront.net',
  keyPairId: 'K2JCJMDEHXQW5F',
  privateKeySecret: 'cloudfront-private-key',
  from: 'Distro Nation <reports@distro-nation.com>',
  configurationSet: 'financial-reports',
  contactList: 'distro-nation',
  ledgerTable: 'dn-mailer-ledger',
  trackingTable: 'financial-campaign-tracking',
  auditTable: 'dn-mailer-audit',
  unsubscribeUrl: 'https://mail.distro-nation.com/unsubscribe',
  tokenKeySecret: 'dn-mailer/unsubscribe-token-key',
};

/** What `awsConfigFile` must write for `a`: exactly these keys and values, nothing more. */
const expectedAwsConfig = (a: AwsAnswers) => ({
  backend: 'aws',
  users: {
    korrect: { baseUrl: a.korrectBaseUrl, apiKey: { secret: a.korrectKeySecret } },
    excludeEmails: [],
    // The original system's aliases, written as config.
    customIdAliases: { MOLS: 'MOL', JODYHIGHROLLER: 'RIFFRAFF' },
  },
  reports: { bucket: a.bucket },
  links: {
    baseUrl: a.cloudFrontUrl,
    keyPairId: a.keyPairId,
    privateKey: { secret: a.privateKeySecret },
    expiresInDays: 25,
  },
  email: { from: a.from },
  ses: { configurationSet: a.configurationSet },
  tracking: { ledgerTable: a.ledgerTable, table: a.trackingTable, auditTable: a.auditTable },
  unsubscribe: {
    mode: 'own',
    baseUrl: a.unsubscribeUrl,
    tokenKey: { secret: a.tokenKeySecret },
    contactList: a.contactList,
    topic: 'financial-reports',
  },
});

const localConfigYaml = () => {
  const files = localWorkspaceFiles(
    { privateKey: 'PRIVATE', publicKey: 'PUBLIC', tokenKey: 'TOKEN' },
    { year: 2025, month: 2 },
    TODAY,
  );
  const config = files.find((file) => file.path === '.distronationrc.yaml');
  if (!config) throw new Error('no .distronationrc.yaml');
  return config.content;
};

/** Loads `content` with the real loader, as `dn-mailer` would find it in a workspace. */
async function load(content: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'dn-workspace-files-'));
  await writeFile(path.join(dir, '.distronationrc.yaml'), content);
  return (await loadConfig({ cwd: dir, env: {} })).config;
}

describe('awsConfigFile', () => {
  it('writes a config the real loader accepts, ready to send and change contacts', async () => {
    const file = awsConfigFile(ANSWERS, TODAY);
    expect(file.path).toBe('.distronationrc.yaml');
    expect(parse(file.content)).toEqual(expectedAwsConfig(ANSWERS));
    const config = await load(file.content);
    expect(config.backend).toBe('aws');
    expect(config.users.korrect?.apiKey).toEqual({ secret: ANSWERS.korrectKeySecret });
    expect(() => requireCampaignConfig(config)).not.toThrow();
    for (const use of ['reports', 'sending', 'contacts'] as const) {
      expect(backendProblems(config, use)).toEqual([]);
    }
  });

  it('takes the values it does not ask for from the schema defaults', () => {
    const config = parse(awsConfigFile(ANSWERS, TODAY).content);
    expect(config.links.expiresInDays).toBe(schemaEntry('links.expiresInDays').default);
    expect(config.unsubscribe.topic).toBe(schemaEntry('unsubscribe.topic').default);
    expect(config.users.excludeEmails).toEqual(schemaEntry('users.excludeEmails').default);
  });

  it('keeps the comments: header, section descriptions, table keys', () => {
    const content = awsConfigFile(ANSWERS, TODAY).content;
    const doc = parseDocument(content);
    expect(doc.errors).toEqual([]);
    expect(doc.commentBefore).toContain('dn-mailer configuration (aws backend)');
    expect(doc.commentBefore).toContain('on 2025-03-04');
    expect(doc.commentBefore).toContain('Secrets are references, never values.');
    expect(content).toContain('# who receives the report\nusers:');
    expect(content).toContain(`ledgerTable: ${ANSWERS.ledgerTable} # keys campaignId (S), email (S)`);
    expect(content).toContain('# keys campaignId (S), timestamp (N); TTL on expirationTime');
    expect(content).toContain(`apiKey: { secret: ${ANSWERS.korrectKeySecret} }`);
    expect(content).toContain('excludeEmails: [] # internal test accounts');
  });

  it('writes any answer so that it reads back exactly (quotes, ": ", "#", newlines, unicode)', () => {
    const nasty = fc.constantFrom(
      'a: b',
      '# not a comment',
      'x #y',
      `it's "quoted"`,
      "'",
      '"',
      ' leading',
      'trailing ',
      'two\nlines',
      'trailing newline\n',
      '\r\n',
      '\t',
      '',
      'true',
      'null',
      '~',
      '0x1F',
      '1e3',
      '- item',
      '? key',
      '{ secret: x }',
      '[a, b]',
      '*alias',
      '&anchor',
      '!tag',
      '|',
      '>-',
      '%YAML',
      '@',
      '`',
      '---',
      '...',
      'a, b',
      '\u2028\u0085\uFEFF',
      'Ünïcödé 🎉 日本語',
      'backend: local\nusers: {}',
    );
    const answer = fc
      .oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), nasty)
      .filter((value) => !/\p{Cs}/u.test(value)); // a lone surrogate cannot be written as UTF-8
    const keys = Object.keys(ANSWERS) as (keyof AwsAnswers)[];
    const answers = fc.record(
      Object.fromEntries(keys.map((key) => [key, answer])),
    ) as fc.Arbitrary<AwsAnswers>;
    fc.assert(
      fc.property(answers, (a) => {
        const doc = parseDocument(awsConfigFile(a, TODAY).content);
        expect(doc.errors).toEqual([]);
        expect(doc.toJS()).toEqual(expectedAwsConfig(a));
      }),
      { numRuns: 300 },
    );
  });
});

describe('localWorkspaceFiles', () => {
  it('writes a config the real loader accepts, ready for a dry run', async () => {
    const content = localConfigYaml();
    expect(parse(content)).toEqual({
      backend: 'local',
      users: {
        file: 'users.json',
        excludeEmails: [],
        customIdAliases: { MOLS: 'MOL', JODYHIGHROLLER: 'RIFFRAFF' },
      },
      payouts: { file: 'payouts.json', currency: 'USD' },
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
      outbox: { simulate: { reject: [], unknown: [], throttle: 0 } },
    });
    const config = await load(content);
    expect(config.backend).toBe('local');
    expect(config.outbox.simulate).toEqual({ reject: [], unknown: [], throttle: 0 });
    expect(() => requireCampaignConfig(config)).not.toThrow();
    expect(backendProblems(config, 'reports')).toEqual([]);
  });

  it('keeps the comments: header, where files go, section descriptions', () => {
    const content = localConfigYaml();
    const doc = parseDocument(content);
    expect(doc.errors).toEqual([]);
    expect(doc.commentBefore).toContain('dn-mailer configuration (local backend)');
    expect(doc.commentBefore).toContain('mail goes to .dn-mailer/outbox');
    expect(doc.commentBefore).toContain('the ledger to .dn-mailer/dn-mailer.sqlite');
    expect(content).toContain('file: users.json # the Korrect /dn_users_list shape');
    expect(content).toContain('dir: reports # laid out like the bucket');
    expect(content).toContain('# your CloudFront distribution on AWS');
    expect(content).toContain('# dn-mailer serve');
    expect(content).toContain('# payout figures shown in the e-mail\npayouts:');
  });
});

describe('checkAwsAnswers (init --backend aws)', () => {
  const REAL: AwsAnswers = {
    ...ANSWERS,
    korrectBaseUrl: 'https://api.korrect.io/v1',
    cloudFrontUrl: 'https://d3kq8r2v9xyz01.cloudfront.net',
    keyPairId: 'K3QWERTYUIOP7Z',
  };

  it('accepts real values, and the config they make is the one awsConfigFile writes', () => {
    expect(checkAwsAnswers(REAL)).toEqual([]);
    expect(awsConfig(REAL)).toEqual(parse(awsConfigFile(REAL, TODAY).content));
  });

  it('rejects the samples the questions show, each naming its flag', () => {
    expect(checkAwsAnswers(ANSWERS)).toEqual([
      '--korrect-url: api.example.com is an example host, not yours',
      "--cloudfront-url: d111111abcdef8 is the documentation's sample, not yours",
      "--key-pair-id: K2JCJMDEHXQW5F is the documentation's sample, not yours",
    ]);
  });

  it('has one question per answer, each with a distinct flag, and lists the missing flags in order', () => {
    expect(AWS_QUESTIONS.map((q) => q.key).sort()).toEqual(Object.keys(ANSWERS).sort());
    expect(new Set(AWS_QUESTIONS.map((q) => q.flag)).size).toBe(AWS_QUESTIONS.length);
    expect(missingAwsFlags({ korrectBaseUrl: 'x', bucket: 'y' })).toHaveLength(AWS_QUESTIONS.length - 2);
    expect(missingAwsFlags({ ...REAL })).toEqual([]);
  });

  it.each([
    ['keyPairId', 'APKAEIBAERJR2EXAMPL3', undefined],
    ['keyPairId', 'k3qwertyuiop7z', 'expected a CloudFront public key ID'],
    ['from', 'reports@acme-finance.io', undefined],
    ['from', 'Finance <reports@mail.example.com>', 'mail.example.com is an example domain, not yours'],
    ['unsubscribeUrl', 'https://localhost/unsubscribe', 'localhost is an example host, not yours'],
    ['tokenKeySecret', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dn/token-AbCdEf', undefined],
    ['auditTable', '  ', 'required'],
  ] as const)('%s %j → %s', (key, value, problem) => {
    const question = AWS_QUESTIONS.find((q) => q.key === key);
    if (!question) throw new Error(key);
    const found = checkAwsAnswer(question, value);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});
