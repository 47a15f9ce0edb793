import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoLedger, type DynamoLedgerOptions } from '../../src/adapters/aws/dynamo-ledger.js';
import { ledgerTableInput } from '../../src/adapters/aws/dynamo-tables.js';
import { isDnMailerError } from '../../src/core/common/errors.js';
import { countCommands, createDocClient, type Dynalite, startDynalite } from '../support/dynalite.js';
import { startDynamoDbLocal } from '../support/dynamodb-local.js';

// Claims and finishes grouped into TransactWriteItems (dynamo-group-write.ts), against Amazon's DynamoDB Local —
// the emulator that runs transactions — and dynalite, which does not (the ledger then writes one row a request).

const at = new Date('2025-02-01T10:00:00.000Z');
const table = `dn-ledger-${randomUUID().slice(0, 8)}`;
let local: Dynalite;
let dynalite: Dynalite;
const clients: DynamoDBClient[] = [];

function ledgerOn(emulator: Dynalite, options: DynamoLedgerOptions = {}) {
  const client = emulator.createClient();
  clients.push(client);
  const counts = countCommands(client);
  return { ledger: createDynamoLedger(createDocClient(client), table, options), counts, client };
}

const emails = (n: number, prefix = 'u') => Array.from({ length: n }, (_, i) => `${prefix}${i}@x.test`);
const rowsOf = (list: readonly string[]) => list.map((email, i) => ({ email, customIds: [`ID${i}`] }));

beforeAll(async () => {
  [local, dynalite] = await Promise.all([startDynamoDbLocal(), startDynalite()]);
  await Promise.all([local, dynalite].map((emulator) => emulator.createTables([ledgerTableInput(table)])));
}, 90_000);

afterAll(async () => {
  for (const client of clients) client.destroy();
  await Promise.all([local?.stop(), dynalite?.stop()]);
});

describe('DynamoDB ledger: claims and finishes in transactions (DynamoDB Local)', () => {
  it('writes 40 concurrent claims and then their finishes in a few transactions, each row as one by one would', async () => {
    const { ledger, counts } = ledgerOn(local);
    const list = emails(40);
    await ledger.ensurePlanned('c-group', rowsOf(list), at);
    counts.clear();

    const claimed = await Promise.all(
      list.map((email) => ledger.claim('c-group', email, ['planned'], 'run-1', at)),
    );
    expect(claimed.every(Boolean)).toBe(true);
    const finished = await Promise.all(
      list.map((email, i) =>
        ledger.finish('c-group', email, 'sending', { status: 'sent', messageId: `m-${i}` }, at, 'run-1'),
      ),
    );
    expect(finished.every(Boolean)).toBe(true);

    // 80 moves, at most 25 a transaction, never one request each.
    const transactions = counts.get('TransactWriteItemsCommand') ?? 0;
    expect(transactions).toBeGreaterThanOrEqual(4);
    expect(transactions).toBeLessThan(20);
    expect(counts.get('UpdateItemCommand') ?? 0).toBe(0);
    const rows = await ledger.listRows('c-group');
    expect(rows).toHaveLength(40);
    for (const row of rows)
      expect(row).toMatchObject({
        status: 'sent',
        runId: 'run-1',
        attempts: 1,
        messageId: `m-${list.indexOf(row.email)}`,
      });
  });

  it('turns back only the claim whose row another run holds; the rest of its group is written', async () => {
    const first = ledgerOn(local).ledger;
    const rival = ledgerOn(local).ledger;
    const list = emails(10, 'v');
    await first.ensurePlanned('c-mixed', rowsOf(list), at);
    expect(await rival.claim('c-mixed', 'v3@x.test', ['planned'], 'run-rival', at)).toBe(true);

    const claimed = await Promise.all(
      list.map((email) => first.claim('c-mixed', email, ['planned'], 'run-1', at)),
    );
    expect(claimed).toEqual(list.map((email) => email !== 'v3@x.test'));
    const rows = await first.listRows('c-mixed');
    expect(rows.find((row) => row.email === 'v3@x.test')).toMatchObject({ runId: 'run-rival', attempts: 1 });
    expect(rows.filter((row) => row.runId === 'run-1')).toHaveLength(9);
  });

  it('lets two ledgers racing for the same 200 rows win each row exactly once', async () => {
    const a = ledgerOn(local).ledger;
    const b = ledgerOn(local).ledger;
    const list = emails(200, 'w');
    await a.ensurePlanned('c-race', rowsOf(list), at);
    const race = (ledger: typeof a, runId: string, order: string[]) =>
      Promise.all(order.map((email) => ledger.claim('c-race', email, ['planned'], runId, at)));
    const [wonA, wonB] = await Promise.all([race(a, 'run-a', list), race(b, 'run-b', [...list].reverse())]);
    const winnersA = list.filter((_, i) => wonA[i]);
    const winnersB = [...list].reverse().filter((_, i) => wonB[i]);
    expect(winnersA.length + winnersB.length).toBe(200);
    expect(new Set([...winnersA, ...winnersB]).size).toBe(200);
    const rows = await a.listRows('c-race');
    expect(rows.every((row) => row.status === 'sending' && row.attempts === 1)).toBe(true);
    expect(
      rows
        .filter((row) => row.runId === 'run-a')
        .map((row) => row.email)
        .sort(),
    ).toEqual(winnersA.sort());
  });

  it('reports a claim as won when the SDK retried a transaction whose first attempt had landed', async () => {
    const { ledger, client } = ledgerOn(local);
    let lost = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'TransactWriteItemsCommand' && lost < 1) {
          lost += 1;
          throw Object.assign(new Error('answer lost'), { name: 'TimeoutError', $metadata: {} });
        }
        return result;
      },
      { step: 'deserialize', name: 'dnLoseAnswers' },
    );
    await ledger.ensurePlanned('c-lost', rowsOf(['x@x.test', 'y@x.test']), at);
    const claimed = await Promise.all(
      ['x@x.test', 'y@x.test'].map((email) => ledger.claim('c-lost', email, ['planned'], 'run-1', at)),
    );
    expect(lost).toBe(1);
    expect(claimed).toEqual([true, true]);
    const rows = await ledger.listRows('c-lost');
    expect(rows.map((row) => [row.status, row.attempts])).toEqual([
      ['sending', 1],
      ['sending', 1],
    ]);
  });

  it('names what each caller was doing when the transaction fails as a whole (a missing table)', async () => {
    const client = local.createClient({ maxAttempts: 1 });
    clients.push(client);
    const ledger = createDynamoLedger(createDocClient(client), 'dn-no-such-table');
    const outcomes = await Promise.allSettled([
      ledger.claim('c', 'a@x.test', ['planned'], 'run-1', at),
      ledger.claim('c', 'b@x.test', ['planned'], 'run-1', at),
    ]);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const reason = (outcome as PromiseRejectedResult).reason;
      expect(isDnMailerError(reason)).toBe(true);
      expect(String(reason.message)).toContain('dn-no-such-table');
    }
  });

  it('with grouping off writes one UpdateItem per claim (the path before, kept to measure against)', async () => {
    const { ledger, counts } = ledgerOn(local, { grouping: false });
    const list = emails(5, 'z');
    await ledger.ensurePlanned('c-single', rowsOf(list), at);
    counts.clear();
    await Promise.all(list.map((email) => ledger.claim('c-single', email, ['planned'], 'run-1', at)));
    expect(counts.get('UpdateItemCommand')).toBe(5);
    expect(counts.get('TransactWriteItemsCommand') ?? 0).toBe(0);
  });
});

describe('DynamoDB ledger on a store without transactions (dynalite)', () => {
  it('asks once, then writes one UpdateItem per claim and finish, with the same answers', async () => {
    const { ledger, counts } = ledgerOn(dynalite);
    const rival = ledgerOn(dynalite).ledger;
    const list = emails(12, 'd');
    await ledger.ensurePlanned('c-fallback', rowsOf(list), at);
    expect(await rival.claim('c-fallback', 'd0@x.test', ['planned'], 'run-rival', at)).toBe(true);
    counts.clear();
    const claimed = await Promise.all(
      list.map((email) => ledger.claim('c-fallback', email, ['planned'], 'run-1', at)),
    );
    expect(claimed).toEqual(list.map((email) => email !== 'd0@x.test'));
    expect(counts.get('TransactWriteItemsCommand')).toBe(1);
    expect(counts.get('UpdateItemCommand')).toBe(12);
    const rows = await ledger.listRows('c-fallback');
    expect(rows.filter((row) => row.runId === 'run-1' && row.status === 'sending')).toHaveLength(11);
  });
});
