import { randomUUID } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  ledgerTableInput,
  suppressionTableInput,
  trackingTableInput,
} from '../../src/adapters/aws/dynamo-tables.js';
import { DEMO, DEMO_DIR, DEMO_REPORTS, freshDir } from './demo.js';
import { createDocClient, type Dynalite, startDynalite } from './dynalite.js';
import { startDynamoDbLocal } from './dynamodb-local.js';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';
import { createBucket, createS3rverClient } from './s3-client.js';
import { S3RVER_CREDENTIALS } from './s3rver.js';
import { type SesFake, startSesFake } from './ses-fake.js';
import { type SesLocal, type SesLocalQuota, type StoredEmail, startSesLocal } from './ses-local.js';
import { type SesRouter, startSesRouter } from './ses-router.js';

export const CONTACT_LIST = 'dn-e2e-contacts';
export const TOPIC = DEMO.unsubscribe.topic;
/** SendEmail as the SDK calls it (restJson1). */
export const SEND_PATH = '/v2/email/outbound-emails';

type Json = Record<string, unknown>;

/**
 * Every peer the aws backend talks to, on 127.0.0.1: aws-ses-v2-local behind a fault proxy, the SES fake for
 * contact lists and suppressions, a router making them one SES endpoint, dynalite with the three tables, and a
 * bucket in the suite's s3rver holding the demo reports.
 */
export interface AwsWorld {
  ses: SesLocal;
  proxy: FaultProxy;
  fake: SesFake;
  router: SesRouter;
  dynamo: Dynalite;
  bucket: string;
  tables: { ledger: string; tracking: string; suppression: string };
  /** The env a CLI run needs: endpoints, region, credentials (S3RVER's, which every other peer accepts). */
  env: Record<string, string>;
  /** Writes `.distronationrc.json` (aws backend, demo data) into a fresh folder; returns the folder. */
  workspace(edit?: (config: Json) => void): Promise<string>;
  ledgerRows(campaignId: string): Promise<Json[]>;
  trackingRows(campaignId: string): Promise<Json[]>;
  suppress(email: string, reason: string): Promise<void>;
  /** Stored messages holding `recipient` in To or Bcc, by their To address. */
  sentTo(recipient: string): Promise<StoredEmail[]>;
  /** Empties the emulator's store (this world's own emulator: no other test file shares it). */
  clearStore(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `dynamo`: which DynamoDB emulator — dynalite (default; no transactions, so the ledger writes one row a request) or
 * Amazon's DynamoDB Local (a JVM; the ledger's claims and finishes then go out grouped in TransactWriteItems).
 */
export async function startAwsWorld(
  s3Endpoint: string,
  quota: Partial<SesLocalQuota> = {},
  dynamoEmulator: 'dynalite' | 'dynamodb-local' = 'dynalite',
): Promise<AwsWorld> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  try {
    const ses = await startSesLocal(quota);
    stops.push(ses.stop);
    const proxy = await startFaultProxy(ses.endpoint);
    stops.push(proxy.stop);
    const fake = await startSesFake();
    stops.push(fake.stop);
    fake.createContactList(CONTACT_LIST, [
      { TopicName: TOPIC, DisplayName: 'Financial reports', DefaultSubscriptionStatus: 'OPT_IN' },
    ]);
    const router = await startSesRouter({ emulator: proxy.endpoint, fake: fake.endpoint });
    stops.push(router.stop);
    const dynamo = dynamoEmulator === 'dynalite' ? await startDynalite() : await startDynamoDbLocal();
    stops.push(dynamo.stop);
    const suffix = randomUUID().slice(0, 8);
    const tables = {
      ledger: `dn-ledger-${suffix}`,
      tracking: `dn-tracking-${suffix}`,
      suppression: `dn-suppression-${suffix}`,
    };
    await dynamo.createTables([
      ledgerTableInput(tables.ledger),
      trackingTableInput(tables.tracking),
      suppressionTableInput(tables.suppression),
    ]);
    const bucket = `dn-send-${suffix}`;
    await uploadDemoReports(s3Endpoint, bucket);
    const client = dynamo.createClient();
    const doc = createDocClient(client);
    stops.push(async () => doc.destroy());
    const query = async (table: string, campaignId: string) => {
      const answer = await doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'campaignId = :c',
          ExpressionAttributeValues: { ':c': campaignId },
          ConsistentRead: true,
        }),
      );
      return (answer.Items ?? []) as Json[];
    };
    return {
      ses,
      proxy,
      fake,
      router,
      dynamo,
      bucket,
      tables,
      env: {
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_S3: s3Endpoint,
        AWS_ENDPOINT_URL_SESV2: router.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      },
      async workspace(edit = () => {}) {
        const dir = await freshDir('dn-send-aws-');
        const config = awsConfig(bucket, tables);
        edit(config);
        await writeFile(path.join(dir, '.distronationrc.json'), JSON.stringify(config, null, 2));
        return dir;
      },
      ledgerRows: (campaignId) => query(tables.ledger, campaignId),
      trackingRows: (campaignId) => query(tables.tracking, campaignId),
      async suppress(email, reason) {
        await doc.send(new PutCommand({ TableName: tables.suppression, Item: { email, reason } }));
      },
      async sentTo(recipient) {
        const wanted = recipient.toLowerCase();
        return (await ses.emails()).filter((e) => e.destination.to.some((to) => to.toLowerCase() === wanted));
      },
      async clearStore() {
        const answer = await fetch(`${ses.endpoint}/clear-store`, { method: 'POST' });
        if (!answer.ok) throw new Error(`clear-store: ${answer.status}`);
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The demo campaign on the aws backend: users and payouts from the demo files, reports from S3. */
function awsConfig(bucket: string, tables: AwsWorld['tables']): Json {
  const demo = JSON.parse(JSON.stringify(DEMO)) as Json & {
    users: Json;
    payouts: Json;
    links: Json;
    unsubscribe: Json;
  };
  return {
    backend: 'aws',
    users: { ...demo.users, source: 'file', file: path.join(DEMO_DIR, 'users.json') },
    reports: { bucket, forcePathStyle: true },
    payouts: { ...demo.payouts, source: 'file', file: path.join(DEMO_DIR, 'payouts.json') },
    links: {
      ...demo.links,
      privateKey: { file: path.join(DEMO_DIR, 'keys', 'cloudfront-demo-private.pem') },
    },
    email: demo.email,
    unsubscribe: {
      ...demo.unsubscribe,
      tokenKey: { file: path.join(DEMO_DIR, 'keys', 'unsubscribe-token-demo.key') },
    },
    tracking: { ledgerTable: tables.ledger, table: tables.tracking, suppressionTable: tables.suppression },
    ses: {},
  };
}

async function uploadDemoReports(endpoint: string, bucket: string): Promise<void> {
  const client = createS3rverClient(endpoint);
  try {
    await createBucket(client, bucket);
    const entries = await readdir(DEMO_REPORTS, { recursive: true, withFileTypes: true });
    for (const entry of entries.filter((e) => e.isFile())) {
      const file = path.join(entry.parentPath, entry.name);
      const key = path.relative(DEMO_REPORTS, file).split(path.sep).join('/');
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(file) }));
    }
  } finally {
    client.destroy();
  }
}
