import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createDynamoSuppressionGate,
  createDynamoSuppressions,
} from '../../src/adapters/aws/dynamo-suppression.js';
import {
  ledgerTableInput,
  suppressionTableInput,
  trackingTableInput,
} from '../../src/adapters/aws/dynamo-tables.js';
import { createDynamoTracking } from '../../src/adapters/aws/dynamo-tracking.js';
import { BACKENDS } from '../../src/adapters/backends.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/common/errors.js';
import { createSecretRegistry } from '../../src/core/common/secret-registry.js';
import type { TrackingRow } from '../../src/ports.js';
import { demoConfigCopy, freshDir } from '../support/demo.js';
import { countCommands, createDocClient, type Dynalite, startDynalite } from '../support/dynalite.js';

const suffix = randomUUID().slice(0, 8);
const SUPPRESSION = `dn-suppression-${suffix}`;
const TRACKING = `dn-tracking-${suffix}`;
const LEDGER = `dn-ledger-${suffix}`;
const BOUNCE_AT = '2025-02-03T10:00:00.000Z';
let dynalite: Dynalite;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let counts: Map<string, number>;

beforeAll(async () => {
  dynalite = await startDynalite();
  await dynalite.createTables([
    suppressionTableInput(SUPPRESSION),
    trackingTableInput(TRACKING),
    ledgerTableInput(LEDGER),
  ]);
  client = dynalite.createClient();
  counts = countCommands(client);
  doc = createDocClient(client);
});
afterAll(async () => {
  client?.destroy();
  await dynalite?.stop();
});

const item = async (email: string) =>
  (await doc.send(new GetCommand({ TableName: SUPPRESSION, Key: { email }, ConsistentRead: true }))).Item;

describe('DynamoDB suppression store', () => {
  it('writes the reference item once; a later add keeps the first reason and time; get reads it', async () => {
    const store = createDynamoSuppressions(doc, SUPPRESSION);
    await store.add([
      { email: 'Bounced@X.test', reason: 'bounce', at: BOUNCE_AT, expirationTime: 1_800_000_000 },
    ]);
    counts.clear();
    await store.add([
      { email: 'bounced@x.test', reason: 'complaint', at: '2025-03-01T00:00:00.000Z', expirationTime: 1 },
      { email: 'complained@x.test', reason: 'complaint', at: BOUNCE_AT },
      { email: 'Complained@x.test', reason: 'bounce', at: BOUNCE_AT },
    ]);
    expect(counts.get('PutItemCommand')).toBe(2);
    expect(await item('bounced@x.test')).toEqual({
      email: 'bounced@x.test',
      reason: 'bounce',
      timestamp: Date.parse(BOUNCE_AT),
      expirationTime: 1_800_000_000,
    });
    expect(await item('Bounced@X.test')).toBeUndefined();
    expect(await store.get('BOUNCED@x.test')).toEqual({
      email: 'bounced@x.test',
      reason: 'bounce',
      at: BOUNCE_AT,
      expirationTime: 1_800_000_000,
    });
    expect(await store.get('complained@x.test')).toEqual({
      email: 'complained@x.test',
      reason: 'complaint',
      at: BOUNCE_AT,
    });
    expect(await store.get('nobody@x.test')).toBeUndefined();
    const blocked = await createDynamoSuppressionGate(doc, SUPPRESSION).loadBlocked();
    expect(blocked.get('bounced@x.test')).toBe('suppressed (bounce)');
    expect(blocked.get('complained@x.test')).toBe('suppressed (complaint)');
  });

  it('reads items written by hand: a timestamp in seconds, none at all', async () => {
    await doc.send(
      new PutCommand({
        TableName: SUPPRESSION,
        Item: { email: 'old@x.test', reason: 'bounce', timestamp: 1_738_400_000 },
      }),
    );
    await doc.send(new PutCommand({ TableName: SUPPRESSION, Item: { email: 'bare@x.test' } }));
    const store = createDynamoSuppressions(doc, SUPPRESSION);
    expect(await store.get('old@x.test')).toEqual({
      email: 'old@x.test',
      reason: 'bounce',
      at: new Date(1_738_400_000_000).toISOString(),
    });
    expect(await store.get('bare@x.test')).toEqual({
      email: 'bare@x.test',
      reason: 'no reason given',
      at: '1970-01-01T00:00:00.000Z',
    });
  });

  it('names a missing table in a config error', async () => {
    const store = createDynamoSuppressions(doc, 'dn-no-such-suppression');
    const added = await store
      .add([{ email: 'a@x.test', reason: 'bounce', at: BOUNCE_AT }])
      .catch((e: unknown) => e);
    expect(added).toBeInstanceOf(ConfigError);
    expect((added as Error).message).toContain('dn-no-such-suppression');
    await expect(store.get('a@x.test')).rejects.toThrow(/dn-no-such-suppression/);
  });
});

describe('the aws backend wires its suppressions to the table its gate reads', () => {
  async function awsSendingPorts(tracking: Record<string, string>) {
    const workspace = await freshDir('dn-suppressions-aws-');
    await demoConfigCopy(workspace, (config) => {
      config.backend = 'aws';
      config.reports = { bucket: 'dn-unused' };
      config.tracking = tracking;
    });
    const loaded = await loadConfig({ cwd: workspace, env: {} });
    await rm(workspace, { recursive: true, force: true });
    const backend = await BACKENDS.aws.create(loaded, {
      onProgress: () => {},
      clock: { now: () => new Date(BOUNCE_AT) },
      sleep: async () => {},
      random: () => 0.5,
      secrets: createSecretRegistry(),
    });
    return backend.sending();
  }

  it('a suppression written through the sending ports blocks the next send with its reason', async () => {
    // The SDK reads these itself (the CLI's environment); stubbed for this file's process only.
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', dynalite.endpoint);
    vi.stubEnv('AWS_ENDPOINT_URL_SESV2', 'http://127.0.0.1:9');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'dynalite');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'dynalite');
    try {
      const tables = { ledgerTable: LEDGER, table: TRACKING, suppressionTable: SUPPRESSION };
      const first = await awsSendingPorts(tables);
      await first.suppressions.add([{ email: 'Wired@X.test', reason: 'complaint', at: BOUNCE_AT }]);
      first.close();
      const next = await awsSendingPorts(tables);
      const gate = next.gates.find((g) => g.name === `DynamoDB ${SUPPRESSION}`);
      expect((await gate?.loadBlocked())?.get('wired@x.test')).toBe('suppressed (complaint)');
      expect(next.suppressions.location).toBe(`DynamoDB ${SUPPRESSION}`);
      next.close();

      const without = await awsSendingPorts({ ledgerTable: LEDGER, table: TRACKING });
      expect(await without.suppressions.get('wired@x.test')).toBeUndefined();
      await without.suppressions.add([]);
      const refused = await without.suppressions
        .add([{ email: 'a@x.test', reason: 'bounce', at: BOUNCE_AT }])
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ConfigError);
      expect((refused as ConfigError).message).toBe(
        'tracking.suppressionTable is needed to record bounces and complaints',
      );
      expect((refused as ConfigError).hint).toContain('tracking.suppressionTable');
      without.close();
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

const eventRow = (overrides: Partial<TrackingRow> = {}): TrackingRow => ({
  campaignId: 'c-events',
  timestamp: 1_738_400_000_000,
  email: 'a@x.test',
  recipient: 'a@x.test',
  eventType: 'delivery',
  sendStatus: 'success',
  sesMessageId: 'ses-a',
  month: '01',
  year: '2025',
  customIds: ['A'],
  tags: ['campaign:c-events'],
  provider: 'ses',
  expirationTime: 1_746_176_000,
  ...overrides,
});

describe('DynamoDB tracking rows of delivery events', () => {
  it('records the same event rows twice (in two calls, and twice within one call) as one item each', async () => {
    const tracking = createDynamoTracking(doc, TRACKING);
    const rows = [
      eventRow(),
      eventRow({
        timestamp: 1_738_400_000_500,
        eventType: 'bounce',
        sendStatus: 'failed',
        reason: 'Permanent/General',
      }),
    ];
    await tracking.record(rows);
    // A replay: the same rows, one of them twice in the batch, its fields set in another order.
    const { reason, ...bounce } = rows[1] as TrackingRow;
    await tracking.record([rows[0] as TrackingRow, { reason, ...bounce }, rows[1] as TrackingRow]);
    const items = await doc.send(
      new QueryCommand({
        TableName: TRACKING,
        KeyConditionExpression: 'campaignId = :c',
        ExpressionAttributeValues: { ':c': 'c-events' },
        ConsistentRead: true,
      }),
    );
    // The key is `<ms>.<slot>` (dynamo-tracking.ts): still the event's millisecond to a reader.
    expect(items.Items?.map((i) => [Math.floor(i.timestamp), i.eventType])).toEqual([
      [1_738_400_000_000, 'delivery'],
      [1_738_400_000_500, 'bounce'],
    ]);
  });
});
