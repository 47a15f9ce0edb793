import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoLedger, type DynamoLedgerOptions } from '../../src/adapters/aws/dynamo-ledger.js';
import { PLANNING_LEASE_PARTITION } from '../../src/adapters/aws/dynamo-ledger-planning.js';
import { ledgerTableInput } from '../../src/adapters/aws/dynamo-tables.js';
import { BackendError } from '../../src/core/common/errors.js';
import type { SendLedger } from '../../src/ports.js';
import { countCommands, createDocClient, type Dynalite, startDynalite } from '../support/dynalite.js';

const at = new Date('2025-02-01T10:00:00.000Z');
const table = `dn-ledger-plan-${randomUUID().slice(0, 8)}`;
let dynalite: Dynalite;
const clients: DynamoDBClient[] = [];

function newClient(): DynamoDBClient {
  const client = dynalite.createClient();
  clients.push(client);
  return client;
}

function ledgerOn(client: DynamoDBClient, options: DynamoLedgerOptions = {}): SendLedger {
  return createDynamoLedger(createDocClient(client), table, options);
}

const rows = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ email: `${prefix}${i}@x.test`, customIds: [`ID${i}`] }));

/** Runs `between` once, after the client's first Query of ledger rows has been answered and before it returns. */
function afterFirstRowQuery(client: DynamoDBClient, between: () => Promise<void>): void {
  let done = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'QueryCommand' && !done) {
        done = true;
        await between();
      }
      return result;
    },
    { step: 'initialize', name: 'dnBetweenReadAndWrite' },
  );
}

beforeAll(async () => {
  dynalite = await startDynalite();
  await dynalite.createTables([ledgerTableInput(table)]);
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await dynalite?.stop();
});

describe('DynamoDB ledger planning (lease + Query + BatchWriteItem)', () => {
  it('never overwrites a row another run planned, claimed and sent between its read and its write', async () => {
    const campaign = 'c-race';
    const clientA = newClient();
    let rivalWaited = false;
    let rivalDone: Promise<void> = Promise.resolve();
    const order: string[] = [];
    // Run B plans the same recipient, claims it and records it sent — started in the window between A's Query
    // (which found the row absent) and A's BatchWriteItem. A resolves its window when B is seen waiting for the
    // lease, or when B is done (without a lease B would be done, and A's unconditional write would land on B's row).
    afterFirstRowQuery(clientA, async () => {
      let waiting!: () => void;
      const seenWaiting = new Promise<void>((resolve) => {
        waiting = resolve;
      });
      const rival = ledgerOn(newClient(), {
        sleep: async (ms) => {
          rivalWaited = true;
          waiting();
          await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 20)));
        },
      });
      rivalDone = (async () => {
        await rival.ensurePlanned(campaign, rows('r', 1), at);
        order.push('B planned');
        expect(await rival.claim(campaign, 'r0@x.test', ['planned'], 'run-B', at)).toBe(true);
        expect(
          await rival.finish(
            campaign,
            'r0@x.test',
            'sending',
            { status: 'sent', messageId: 'ses-B' },
            at,
            'run-B',
          ),
        ).toBe(true);
      })();
      await Promise.race([seenWaiting, rivalDone]);
    });
    const runA = ledgerOn(clientA);
    await runA.ensurePlanned(campaign, rows('r', 30), at);
    order.push('A planned');
    await rivalDone;

    expect(rivalWaited).toBe(true);
    expect(order).toEqual(['A planned', 'B planned']);
    const listed = await runA.listRows(campaign);
    expect(listed).toHaveLength(30);
    expect(listed.find((row) => row.email === 'r0@x.test')).toMatchObject({
      status: 'sent',
      messageId: 'ses-B',
      runId: 'run-B',
      attempts: 1,
    });
    expect(listed.filter((row) => row.status === 'planned')).toHaveLength(29);
  });

  it('plans concurrently from three shards: each row once, none overwritten, every lease given back', async () => {
    const campaign = 'c-three';
    const shards = [0, 1, 2].map(() => ledgerOn(newClient()));
    // Overlapping recipient lists, planned at the same time; then each shard claims and sends its first recipient.
    await Promise.all(shards.map((ledger, n) => ledger.ensurePlanned(campaign, rows('s', 40 + n * 10), at)));
    const [first] = shards as [SendLedger, ...SendLedger[]];
    expect(await first.claim(campaign, 's0@x.test', ['planned'], 'run-0', at)).toBe(true);
    await first.finish(campaign, 's0@x.test', 'sending', { status: 'sent', messageId: 'm0' }, at, 'run-0');
    await Promise.all(shards.map((ledger) => ledger.ensurePlanned(campaign, rows('s', 70), at)));
    const listed = await first.listRows(campaign);
    expect(listed).toHaveLength(70);
    expect(listed.find((row) => row.email === 's0@x.test')).toMatchObject({
      status: 'sent',
      messageId: 'm0',
    });
    expect((await first.listCampaigns()).map((c) => c.campaignId)).not.toContain(PLANNING_LEASE_PARTITION);
  });

  it('takes over a lease a crashed run left behind once it has expired, and waits while it has not', async () => {
    const campaign = 'c-crashed';
    const client = newClient();
    const doc = createDocClient(client);
    const now = Date.now();
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          campaignId: PLANNING_LEASE_PARTITION,
          email: campaign,
          leaseOf: campaign,
          holder: 'dead',
          expiresAt: now + 400,
        },
      }),
    );
    const waits: number[] = [];
    const ledger = ledgerOn(client, {
      sleep: async (ms) => {
        waits.push(ms);
        await new Promise((resolve) => setTimeout(resolve, ms));
      },
    });
    await ledger.ensurePlanned(campaign, rows('c', 3), at);
    expect(waits.length).toBeGreaterThan(0);
    expect(await ledger.listRows(campaign)).toHaveLength(3);
  });

  it('gives up waiting for a live lease with an error naming the campaign and the table', async () => {
    const campaign = 'c-busy';
    const client = newClient();
    await createDocClient(client).send(
      new PutCommand({
        TableName: table,
        Item: {
          campaignId: PLANNING_LEASE_PARTITION,
          email: campaign,
          leaseOf: campaign,
          holder: 'alive',
          expiresAt: Date.now() + 60_000,
        },
      }),
    );
    let clock = 0;
    const ledger = ledgerOn(client, {
      monotonic: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      waitMs: 5_000,
    });
    const error = await ledger.ensurePlanned(campaign, rows('b', 2), at).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/another run has been planning .*c-busy.* in dn-ledger-plan-/);
    expect(await ledger.listRows(campaign)).toEqual([]);
  });

  it('sends no write once its own lease deadline has passed (it may have expired for the others)', async () => {
    const campaign = 'c-late';
    const client = newClient();
    const counts = countCommands(client);
    let clock = 0;
    afterFirstRowQuery(client, async () => {
      clock += 60_000; // the run stalled for a whole lease between its read and its write
    });
    const ledger = ledgerOn(client, { monotonic: () => clock, leaseMs: 30_000, safetyMs: 10_000 });
    const error = await ledger.ensurePlanned(campaign, rows('l', 5), at).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/planning lease of c-late .* ran out/);
    expect(counts.get('BatchWriteItemCommand') ?? 0).toBe(0);
    expect(await ledger.listRows(campaign)).toEqual([]);
  });

  it('renews its lease while it writes, so a long planning keeps it', async () => {
    const campaign = 'c-long';
    const client = newClient();
    const counts = countCommands(client);
    let clock = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'BatchWriteItemCommand') clock += 8_000; // each batch takes 8 s
        return next(args);
      },
      { step: 'initialize', name: 'dnSlowBatches' },
    );
    const ledger = ledgerOn(client, {
      monotonic: () => clock,
      leaseMs: 30_000,
      safetyMs: 10_000,
      concurrency: 1,
    });
    await ledger.ensurePlanned(campaign, rows('g', 25 * 6), at);
    expect(await ledger.listRows(campaign)).toHaveLength(150);
    expect(counts.get('UpdateItemCommand')).toBeGreaterThan(0); // the renewals
  });
});
