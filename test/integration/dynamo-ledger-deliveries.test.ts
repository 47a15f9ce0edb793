import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoLedger } from '../../src/adapters/aws/dynamo-ledger.js';
import { ledgerTableInput } from '../../src/adapters/aws/dynamo-tables.js';
import { ConfigError } from '../../src/core/common/errors.js';
import type { DeliveryUpdate, SendLedger } from '../../src/ports.js';
import { createDocClient, type Dynalite, startDynalite } from '../support/dynalite.js';

/**
 * `recordDeliveries` on DynamoDB, what the shared contract cannot show: the updates of one row go one after the
 * other even when the first one's write is slow, different rows go in parallel (at most 8 at once), and a failure
 * fails the batch. Dynalite on 127.0.0.1; the client's middleware delays or fails chosen requests.
 */

const t0 = new Date('2025-02-01T10:00:00.000Z');
const table = `dn-ledger-${randomUUID().slice(0, 8)}`;
let dynalite: Dynalite;
const clients: DynamoDBClient[] = [];

beforeAll(async () => {
  dynalite = await startDynalite();
  await dynalite.createTables([ledgerTableInput(table)]);
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await dynalite?.stop();
});

interface Watched {
  ledger: SendLedger;
  /** The most requests that were in flight at once. */
  peak(): number;
}

/**
 * A ledger whose client counts requests in flight and, for a request naming `slowEmail`, runs `before` first (a
 * delay, or a throw) — only for the first `times` such UpdateItem requests.
 */
function watchedLedger(
  options: { slowEmail?: string; before?: () => Promise<void>; times?: number } = {},
): Watched {
  const client = dynalite.createClient({ maxAttempts: 1 });
  clients.push(client);
  let inFlight = 0;
  let peak = 0;
  let hit = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      try {
        const slow =
          options.slowEmail !== undefined &&
          context.commandName === 'UpdateItemCommand' &&
          JSON.stringify(args.input).includes(options.slowEmail) &&
          hit < (options.times ?? 1);
        if (slow) {
          hit += 1;
          await options.before?.();
        }
        return await next(args);
      } finally {
        inFlight -= 1;
      }
    },
    { step: 'initialize', name: 'dnWatchRequests' },
  );
  return { ledger: createDynamoLedger(createDocClient(client), table), peak: () => peak };
}

const plain = () => watchedLedger().ledger;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const newCampaign = () => `financial-2025-01-${randomUUID().slice(0, 8)}`;

async function unknownRows(ledger: SendLedger, campaign: string, emails: readonly string[]) {
  await ledger.ensurePlanned(
    campaign,
    emails.map((email) => ({ email, customIds: [email] })),
    t0,
  );
  for (const email of emails) {
    expect(await ledger.claim(campaign, email, ['planned'], 'run-1', t0)).toBe(true);
    expect(await ledger.finish(campaign, email, 'sending', { status: 'unknown' }, t0, 'run-1')).toBe(true);
  }
}

describe('DynamoDB ledger: recordDeliveries', () => {
  it("applies a row's updates in order even when the first one's write is slow", async () => {
    const campaign = newCampaign();
    await unknownRows(plain(), campaign, ['a@x.test']);
    // Held back 200 ms: were the second update started alongside, it would find the row still unknown and resolve
    // it with its own message ID and time first.
    const { ledger } = watchedLedger({ slowEmail: 'a@x.test', before: () => sleep(200) });
    const updates: DeliveryUpdate[] = [
      {
        campaignId: campaign,
        email: 'a@x.test',
        delivery: { state: 'delayed', at: '2025-02-01T11:00:00.000Z' },
        messageId: 'ses-first',
      },
      {
        campaignId: campaign,
        email: 'a@x.test',
        delivery: { state: 'delivered', at: '2025-02-01T11:05:00.000Z' },
        messageId: 'ses-second',
      },
    ];
    expect(await ledger.recordDeliveries(updates)).toEqual([true, true]);
    const [row] = await plain().listRows(campaign);
    expect(row).toMatchObject({
      status: 'sent',
      messageId: 'ses-first',
      updatedAt: '2025-02-01T11:00:00.000Z',
      delivery: { state: 'delivered', at: '2025-02-01T11:05:00.000Z' },
    });
  });

  it('works on different rows in parallel, at most 8 at once', async () => {
    const campaign = newCampaign();
    const emails = Array.from({ length: 30 }, (_, i) => `r${i}@x.test`);
    await unknownRows(plain(), campaign, emails);
    const watched = watchedLedger();
    const updates = emails.map((email, i) => ({
      campaignId: campaign,
      email,
      delivery: { state: 'delivered' as const, at: '2025-02-01T11:00:00.000Z' },
      messageId: `ses-${i}`,
    }));
    expect(await watched.ledger.recordDeliveries(updates)).toEqual(emails.map(() => true));
    expect(watched.peak()).toBeGreaterThan(1);
    expect(watched.peak()).toBeLessThanOrEqual(8);
    const rows = await plain().listRows(campaign);
    const byEmail = new Map(rows.map((row) => [row.email, row]));
    expect(byEmail.size).toBe(30);
    for (const [i, email] of emails.entries()) {
      expect(byEmail.get(email)).toMatchObject({ status: 'sent', messageId: `ses-${i}` });
    }
  });

  it("reads the row again and lands when its write meets a send's transaction on the row (twice)", async () => {
    const campaign = newCampaign();
    await unknownRows(plain(), campaign, ['busy@x.test']);
    const { ledger } = watchedLedger({
      slowEmail: 'busy@x.test',
      times: 2,
      before: async () => {
        throw Object.assign(new Error('Transaction is ongoing for the item'), {
          name: 'TransactionConflictException',
          $metadata: {},
        });
      },
    });
    const event = { state: 'delivered' as const, at: '2025-02-01T11:00:00.000Z' };
    expect(
      await ledger.recordDeliveries([
        { campaignId: campaign, email: 'busy@x.test', delivery: event, messageId: 'ses-busy' },
      ]),
    ).toEqual([true]);
    const [row] = await plain().listRows(campaign);
    expect(row).toMatchObject({ status: 'sent', messageId: 'ses-busy', delivery: { state: 'delivered' } });
  });

  it('fails the batch with the translated error when one write is refused', async () => {
    const campaign = newCampaign();
    await unknownRows(plain(), campaign, ['ok@x.test', 'denied@x.test']);
    const { ledger } = watchedLedger({
      slowEmail: 'denied@x.test',
      before: async () => {
        throw Object.assign(new Error('not allowed'), { name: 'AccessDeniedException', $metadata: {} });
      },
    });
    const event = { state: 'delivered' as const, at: '2025-02-01T11:00:00.000Z' };
    await expect(
      ledger.recordDeliveries([
        { campaignId: campaign, email: 'ok@x.test', delivery: event, messageId: 'ses-ok' },
        { campaignId: campaign, email: 'denied@x.test', delivery: event, messageId: 'ses-denied' },
      ]),
    ).rejects.toThrow(ConfigError);
    // The update that was allowed has landed (nothing is left half-written in flight when the batch rejects).
    const rows = await plain().listRows(campaign);
    expect(rows.find((row) => row.email === 'ok@x.test')).toMatchObject({
      status: 'sent',
      messageId: 'ses-ok',
    });
    expect(rows.find((row) => row.email === 'denied@x.test')?.status).toBe('unknown');
  });
});
