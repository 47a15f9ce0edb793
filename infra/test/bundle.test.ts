import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTableInput } from '../../src/adapters/aws/dynamo-tables.js';
import { createKmsTokenFormat } from '../../src/adapters/aws/kms-token-format.js';
import type { TokenFormat } from '../../src/core/unsubscribe/token-format.js';
import { type Dynalite, startDynalite } from '../../test/support/dynalite.js';
import {
  FAKE_AWS_CREDENTIALS,
  FAKE_AWS_REGION,
  type KmsFake,
  startKmsFake,
} from '../../test/support/kms-fake.js';
import { type SesFake, startSesFake } from '../../test/support/ses-fake.js';
import { BUNDLE_FILE, type Bundle, bundleUnsubscribeLambda } from '../lib/bundle.js';
import { DEFAULT_SETTINGS, type StackSettings } from '../lib/settings.js';
import { endpointEnvironment } from '../lib/unsubscribe-endpoint.js';

/**
 * The Lambda bundle, built as the stack builds it and imported in this process, answers the events a function URL and
 * an HTTP API send, against local fakes of SES (contact list), DynamoDB (dynalite, the audit table) and KMS — with the
 * environment the stack gives the function.
 */

interface LambdaResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}
type Handler = (event: unknown) => Promise<LambdaResult>;

const SETTINGS: StackSettings = { ...DEFAULT_SETTINGS, githubRepository: 'distro-nation/dn-mailer' };
const TOPIC = SETTINGS.topic;
const ALIAS = SETTINGS.kmsAlias;

let ses: SesFake;
let dynalite: Dynalite;
let kms: KmsFake;
let kmsClient: KMSClient;
let tokens: TokenFormat;
let handler: Handler;
let bundleText: string;
let bundle: Bundle;
let outdir: string | undefined;
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const savedEnv = { ...process.env };

beforeAll(async () => {
  [ses, dynalite, kms] = await Promise.all([startSesFake(), startDynalite(), startKmsFake()]);
  ses.createContactList(SETTINGS.contactList, [
    { TopicName: TOPIC, DisplayName: SETTINGS.topicDisplayName, DefaultSubscriptionStatus: 'OPT_IN' },
  ]);
  await dynalite.createTables([auditTableInput(SETTINGS.auditTable)]);
  kms.createKey(ALIAS);
  kmsClient = new KMSClient({
    endpoint: kms.endpoint,
    region: FAKE_AWS_REGION,
    credentials: FAKE_AWS_CREDENTIALS,
  });
  tokens = createKmsTokenFormat(kmsClient, { keyId: ALIAS });

  outdir = mkdtempSync(path.join(tmpdir(), 'dn-infra-lambda-'));
  bundle = bundleUnsubscribeLambda(outdir);
  expect(path.basename(bundle.file)).toBe(BUNDLE_FILE);
  bundleText = readFileSync(bundle.file, 'utf8');
  Object.assign(process.env, {
    ...endpointEnvironment(SETTINGS, SETTINGS.auditTable, ALIAS),
    AWS_ENDPOINT_URL_SESV2: ses.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    AWS_ENDPOINT_URL_KMS: kms.endpoint,
    AWS_REGION: FAKE_AWS_REGION,
    AWS_ACCESS_KEY_ID: FAKE_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_AWS_CREDENTIALS.secretAccessKey,
    // Nothing from this machine's AWS setup.
    AWS_CONFIG_FILE: path.join(outdir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(outdir, 'no-credentials'),
  });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  const module = (await import(pathToFileURL(bundle.file).href)) as { handler: Handler };
  handler = module.handler;
});

afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  kmsClient?.destroy();
  await Promise.all([ses?.stop(), dynalite?.stop(), kms?.stop()]);
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

const seal = (email: string) => tokens.seal({ email, topic: TOPIC, purpose: 'unsubscribe' }, new Date());

/** A Lambda function URL request (payload format 2.0; form bodies arrive base64-encoded). */
function functionUrlEvent(method: string, token: string, body?: string) {
  const domain = 'abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: `data=${encodeURIComponent(token)}`,
    headers: {
      host: domain,
      'user-agent': 'Mozilla/5.0',
      ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    queryStringParameters: { data: token },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghijklmnopqrstuvwxyz012345',
      domainName: domain,
      domainPrefix: 'abcdefghijklmnopqrstuvwxyz012345',
      http: { method, path: '/', protocol: 'HTTP/1.1', sourceIp: '198.51.100.23', userAgent: 'Mozilla/5.0' },
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      routeKey: '$default',
      stage: '$default',
      time: '30/Nov/2026:10:00:00 +0000',
      timeEpoch: 1_796_032_800_000,
    },
    ...(body === undefined ? {} : { body: Buffer.from(body).toString('base64'), isBase64Encoded: true }),
  };
}

/** An API Gateway HTTP API request (payload format 2.0, a stage and a route). */
function httpApiEvent(method: string, token: string, body?: string) {
  const domain = 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com';
  return {
    version: '2.0',
    routeKey: 'ANY /unsubscribe',
    rawPath: '/unsubscribe',
    rawQueryString: `data=${encodeURIComponent(token)}`,
    cookies: [],
    headers: {
      host: domain,
      ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      domainName: domain,
      domainPrefix: 'a1b2c3d4e5',
      http: {
        method,
        path: '/unsubscribe',
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.9',
        userAgent: 'curl/8',
      },
      requestId: 'JKJaXmPLvHcESHA=',
      routeKey: 'ANY /unsubscribe',
      stage: '$default',
      time: '30/Nov/2026:10:00:00 +0000',
      timeEpoch: 1_796_032_800_000,
    },
    ...(body === undefined ? {} : { body, isBase64Encoded: false }),
  };
}

async function auditRows(client: DynamoDBClient, email: string) {
  const result = await client.send(
    new QueryCommand({
      TableName: SETTINGS.auditTable,
      KeyConditionExpression: 'email = :e',
      ExpressionAttributeValues: { ':e': { S: email } },
    }),
  );
  return result.Items ?? [];
}

describe('the unsubscribe Lambda bundle', () => {
  it('carries its own SDK, the root lockfile’s pinned versions; it imports only Node built-ins', () => {
    expect(bundle.externals.filter((name) => !isBuiltin(name))).toEqual([]);
    const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string }>;
    };
    const clients = new Set(
      bundle.inputs
        .map((input) => /node_modules\/(@aws-sdk\/client-[a-z0-9-]+)\//.exec(input)?.[1])
        .filter((name): name is string => name !== undefined),
    );
    for (const needed of ['dynamodb', 'kms', 'secrets-manager', 'sesv2'])
      expect(clients).toContain(`@aws-sdk/client-${needed}`);
    for (const client of clients) {
      const pkg = JSON.parse(
        readFileSync(path.join(REPO_ROOT, 'node_modules', client, 'package.json'), 'utf8'),
      ) as {
        version: string;
      };
      expect(pkg.version, client).toBe(lock.packages[`node_modules/${client}`]?.version);
    }
    expect(bundleText.length).toBeGreaterThan(0);
  });

  it.each([
    ['a function URL', functionUrlEvent],
    ['an HTTP API', httpApiEvent],
  ])('GET with a valid KMS token from %s → 200, the page, nothing changed', async (_, eventOf) => {
    const email = `page-${eventOf.name.toLowerCase()}@example.com`;
    ses.seedContacts(SETTINGS.contactList, [
      { EmailAddress: email, TopicPreferences: { [TOPIC]: 'OPT_IN' } },
    ]);
    const result = await handler(eventOf('GET', await seal(email)));
    expect(result.statusCode, result.body).toBe(200);
    expect(result.headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(result.body).toContain('Distro Nation');
    expect(ses.contact(SETTINGS.contactList, email)?.TopicPreferences[TOPIC]).toBe('OPT_IN');
    const client = dynalite.createClient();
    expect(await auditRows(client, email)).toEqual([]);
    client.destroy();
  });

  it.each([
    ['a function URL (base64 body)', functionUrlEvent, '198.51.100.23'],
    ['an HTTP API', httpApiEvent, '203.0.113.9'],
  ])('one-click POST from %s → 200; OPT_OUT on the contact list and an audit row', async (_, eventOf, ip) => {
    const email = `click-${eventOf.name.toLowerCase()}@example.com`;
    ses.seedContacts(SETTINGS.contactList, [
      { EmailAddress: email, TopicPreferences: { [TOPIC]: 'OPT_IN' } },
    ]);
    const result = await handler(eventOf('POST', await seal(email), 'List-Unsubscribe=One-Click'));
    expect(result.statusCode, result.body).toBe(200);
    expect(result.headers.Location).toBeUndefined();
    expect(ses.contact(SETTINGS.contactList, email)?.TopicPreferences[TOPIC]).toBe('OPT_OUT');
    const client = dynalite.createClient();
    const rows = await auditRows(client, email);
    client.destroy();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows[0])).toContain('one-click');
    expect(JSON.stringify(rows[0])).toContain(ip);
    // The token was read through KMS Decrypt, with the key the stack names.
    expect(kms.calls('Decrypt').length).toBeGreaterThan(0);
  });

  it('a tampered token → 400 page, nothing changed', async () => {
    const email = 'tampered@example.com';
    ses.seedContacts(SETTINGS.contactList, [
      { EmailAddress: email, TopicPreferences: { [TOPIC]: 'OPT_IN' } },
    ]);
    const token = await seal(email);
    const middle = Math.floor(token.length / 2);
    const tampered = `${token.slice(0, middle)}${token[middle] === 'A' ? 'B' : 'A'}${token.slice(middle + 1)}`;
    const updatesBefore = ses.requestsFor('UpdateContact').length + ses.requestsFor('CreateContact').length;
    for (const event of [
      functionUrlEvent('POST', tampered, 'List-Unsubscribe=One-Click'),
      httpApiEvent('GET', tampered),
    ]) {
      const result = await handler(event);
      expect(result.statusCode).toBe(400);
      expect(result.headers['Content-Type']).toBe('text/html; charset=utf-8');
    }
    expect(ses.requestsFor('UpdateContact').length + ses.requestsFor('CreateContact').length).toBe(
      updatesBefore,
    );
    expect(ses.contact(SETTINGS.contactList, email)?.TopicPreferences[TOPIC]).toBe('OPT_IN');
    const client = dynalite.createClient();
    expect(await auditRows(client, email)).toEqual([]);
    client.destroy();
  });
});
