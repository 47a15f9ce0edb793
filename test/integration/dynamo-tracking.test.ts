import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoSuppressionGate } from '../../src/adapters/aws/dynamo-suppression.js';
import { suppressionTableInput, trackingTableInput } from '../../src/adapters/aws/dynamo-tables.js';
import { createDynamoTracking } from '../../src/adapters/aws/dynamo-tracking.js';
import { BackendError, ConfigError } from '../../src/core/common/errors.js';
import type { TrackingRow } from '../../src/ports.js';
import { countCommands, createDocClient, type Dynalite, startDynalite } from '../support/dynalite.js';

const suffix = randomUUID().slice(0, 8);
const TRACKING = `dn-tracking-${suffix}`;
const SUPPRESSION = `dn-suppression-${suffix}`;
let dynalite: Dynalite;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let counts: Map<string, number>;

const row = (campaignId: string, i: number, timestamp = 1_738_400_000_000): TrackingRow => ({
  campaignId,
  timestamp,
  email: `user${i}@x.test`,
  recipient: `user${i}@x.test`,
  eventType: 'financial_send',
  sendStatus: i % 2 === 0 ? 'success' : 'failed',
  sesMessageId: i % 2 === 0 ? `ses-${i}` : undefined,
  reason: i % 2 === 0 ? undefined : 'MessageRejected',
  month: 'January',
  year: '2025',
  customIds: [`ID${i}`],
  tags: ['financial-report'],
  provider: 'SES',
  expirationTime: 1_746_176_000,
});

async function queryCampaign(campaignId: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: TRACKING,
        KeyConditionExpression: 'campaignId = :c',
        ExpressionAttributeValues: { ':c': campaignId },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * A document client whose BatchWriteItem processes only `keep(call, size)` puts and hands back the rest; other
 * commands (the writer slot's PutItem) go to dynalite as they are.
 */
function partialWrites(keep: (call: number, size: number) => number): DynamoDBDocumentClient {
  let calls = 0;
  const send = async (command: BatchWriteCommand) => {
    if (!(command instanceof BatchWriteCommand)) return doc.send(command);
    calls += 1;
    const requests = command.input.RequestItems?.[TRACKING] ?? [];
    const n = keep(calls, requests.length);
    if (n > 0) await doc.send(new BatchWriteCommand({ RequestItems: { [TRACKING]: requests.slice(0, n) } }));
    return { UnprocessedItems: n < requests.length ? { [TRACKING]: requests.slice(n) } : {} };
  };
  return { send } as unknown as DynamoDBDocumentClient;
}

beforeAll(async () => {
  dynalite = await startDynalite();
  await dynalite.createTables([trackingTableInput(TRACKING), suppressionTableInput(SUPPRESSION)]);
  client = dynalite.createClient();
  counts = countCommands(client);
  doc = createDocClient(client);
});
afterAll(async () => {
  client?.destroy();
  await dynalite?.stop();
});

describe('DynamoDB tracking store', () => {
  it('writes 60 rows in batches of 25 (3 calls); same-millisecond rows get distinct keys, none is lost', async () => {
    const tracking = createDynamoTracking(doc, TRACKING);
    counts.clear();
    await tracking.record(Array.from({ length: 60 }, (_, i) => row('c-60', i)));
    expect(counts.get('BatchWriteItemCommand')).toBe(3);
    const items = await queryCampaign('c-60');
    expect(items).toHaveLength(60);
    expect(new Set(items.map((item) => item.timestamp)).size).toBe(60);
    // The key is still milliseconds (the writer's slot in the decimals): read as a time, it is the row's time.
    expect(Math.min(...items.map((item) => Math.floor(Number(item.timestamp))))).toBe(1_738_400_000_000);
    expect(new Date(Math.min(...items.map((item) => Number(item.timestamp)))).getTime()).toBe(
      1_738_400_000_000,
    );
    const first = items.find((item) => item.email === 'user0@x.test');
    expect(first).toMatchObject({
      eventType: 'financial_send',
      sendStatus: 'success',
      sesMessageId: 'ses-0',
    });
    expect(first).not.toHaveProperty('reason');
    const byEmail = await doc.send(
      new QueryCommand({
        TableName: TRACKING,
        IndexName: 'EmailIndex',
        KeyConditionExpression: 'email = :e',
        ExpressionAttributeValues: { ':e': 'user1@x.test' },
      }),
    );
    expect(byEmail.Items).toEqual([
      expect.objectContaining({ reason: 'MessageRejected', customIds: ['ID1'] }),
    ]);
  });

  it('sends unprocessed items again with growing backoff until every row landed', async () => {
    const delays: number[] = [];
    const tracking = createDynamoTracking(
      partialWrites((call, size) => (call <= 3 ? Math.floor(size / 2) : size)),
      TRACKING,
      { sleep: async (ms) => void delays.push(ms), random: () => 0.5, concurrency: 1 },
    );
    await tracking.record(Array.from({ length: 20 }, (_, i) => row('c-retry', i, 1_738_500_000_000 + i)));
    expect(await queryCampaign('c-retry')).toHaveLength(20);
    expect(delays).toHaveLength(3);
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
  });

  it('gives up after maxAttempts, naming how many rows did not land', async () => {
    const delays: number[] = [];
    const tracking = createDynamoTracking(
      partialWrites(() => 0),
      TRACKING,
      { sleep: async (ms) => void delays.push(ms), maxAttempts: 4 },
    );
    const error = await tracking.record([row('c-stuck', 1), row('c-stuck', 2, 1)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/2 tracking rows .* after 4 attempts/);
    expect(delays).toHaveLength(3);
  });

  it('three shards writing the same millisecond keep every row (each writer holds its own key slot)', async () => {
    const ms = 1_738_600_000_123;
    const shards = [0, 1, 2].map(() => dynalite.createClient());
    try {
      // Each shard: its own client and store, as three processes would have; two rows in that millisecond each.
      await Promise.all(
        shards.map((shardClient, n) =>
          createDynamoTracking(createDocClient(shardClient), TRACKING).record([
            row('c-shards', 10 * n, ms),
            row('c-shards', 10 * n + 1, ms),
          ]),
        ),
      );
    } finally {
      for (const shardClient of shards) shardClient.destroy();
    }
    const items = await queryCampaign('c-shards');
    expect(items.map((item) => item.email).sort()).toEqual(
      ['user0', 'user1', 'user10', 'user11', 'user20', 'user21'].map((u) => `${u}@x.test`).sort(),
    );
    expect(new Set(items.map((item) => item.timestamp)).size).toBe(6);
    // Every key reads as the row's millisecond (or the next one: a writer's second row of that millisecond).
    for (const item of items) expect(Math.floor(Number(item.timestamp)) - ms).toBeLessThanOrEqual(1);
    // Sorted by key = sorted by time, and the reference's index on (recipient, timestamp) still finds the row.
    const byRecipient = await doc.send(
      new QueryCommand({
        TableName: TRACKING,
        IndexName: 'email-event-index',
        KeyConditionExpression: 'recipient = :r AND #t BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#t': 'timestamp' },
        ExpressionAttributeValues: { ':r': 'user20@x.test', ':from': ms, ':to': ms + 1 },
      }),
    );
    expect(byRecipient.Items).toHaveLength(1);
  });

  it('a replayed event writes the same item under the same key, in any grouping (idempotent)', async () => {
    const ms = 1_738_700_000_000;
    const event = (i: number): TrackingRow => ({ ...row('c-events', i, ms), eventType: 'delivery' });
    const tracking = createDynamoTracking(doc, TRACKING);
    await tracking.record([event(1), event(2), event(3)]);
    const first = await queryCampaign('c-events');
    // Replayed by another process, one at a time and in another order.
    const other = createDynamoTracking(doc, TRACKING);
    for (const i of [3, 1, 2]) await other.record([event(i)]);
    const again = await queryCampaign('c-events');
    expect(again).toHaveLength(3);
    expect(new Set(again.map((item) => item.timestamp))).toEqual(
      new Set(first.map((item) => item.timestamp)),
    );
  });

  it('names a missing table in a config error', async () => {
    const error = await createDynamoTracking(doc, 'dn-no-such-tracking')
      .record([row('c', 1)])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('dn-no-such-tracking');
  });
});

describe('DynamoDB suppression gate', () => {
  it('scans every page (1,200 items of ~1 KB) into address → suppressed (<reason>)', async () => {
    const padding = 'x'.repeat(1_000);
    const items = Array.from({ length: 1_200 }, (_, i) => ({
      email: i === 0 ? 'Mixed.Case@X.test' : `s${i}@x.test`,
      ...(i === 1 ? {} : { reason: i % 2 === 0 ? 'bounce' : 'complaint' }),
      timestamp: 1_738_400_000,
      expirationTime: 1_746_176_000,
      note: padding,
    }));
    for (let i = 0; i < items.length; i += 25) {
      const batch = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      await doc.send(new BatchWriteCommand({ RequestItems: { [SUPPRESSION]: batch } }));
    }
    counts.clear();
    const blocked = await createDynamoSuppressionGate(doc, SUPPRESSION).loadBlocked();
    expect(counts.get('ScanCommand')).toBeGreaterThan(1);
    expect(blocked.size).toBe(1_200);
    expect(blocked.get('mixed.case@x.test')).toBe('suppressed (bounce)');
    expect(blocked.get('s1@x.test')).toBe('suppressed (no reason given)');
    expect(blocked.get('s3@x.test')).toBe('suppressed (complaint)');
  });

  it('names a missing table in a config error', async () => {
    const gate = createDynamoSuppressionGate(doc, 'dn-no-such-suppression');
    const error = await gate.loadBlocked().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('dn-no-such-suppression');
  });
});
