import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoLedger } from '../../src/adapters/aws/dynamo-ledger.js';
import { ledgerTableInput } from '../../src/adapters/aws/dynamo-tables.js';
import { ConfigError } from '../../src/core/common/errors.js';
import { countCommands, createDocClient, type Dynalite, startDynalite } from '../support/dynalite.js';

const at = new Date('2025-02-01T10:00:00.000Z');
const table = `dn-ledger-${randomUUID().slice(0, 8)}`;
let dynalite: Dynalite;
const clients: DynamoDBClient[] = [];

function newClient(): DynamoDBClient {
  const client = dynalite.createClient();
  clients.push(client);
  return client;
}

/**
 * Lets the first `times` calls of `command` reach dynalite, then throws a timeout as if the answer were lost: the
 * SDK's retry sends the same request again, which now fails its condition.
 */
function loseAnswers(client: DynamoDBClient, command: string, times: number): () => number {
  let lost = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === command && lost < times) {
        lost += 1;
        throw Object.assign(new Error('answer lost'), { name: 'TimeoutError', $metadata: {} });
      }
      return result;
    },
    { step: 'deserialize', name: 'dnLoseAnswers' },
  );
  return () => lost;
}

beforeAll(async () => {
  dynalite = await startDynalite();
  await dynalite.createTables([ledgerTableInput(table)]);
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await dynalite?.stop();
});

describe('DynamoDB ledger (createDynamoLedger)', () => {
  it('reports a claim and a finish as won when the SDK retried a write that had landed', async () => {
    const client = newClient();
    const lost = loseAnswers(client, 'UpdateItemCommand', 2);
    const ledger = createDynamoLedger(createDocClient(client), table);
    const rival = createDynamoLedger(createDocClient(newClient()), table);
    await ledger.ensurePlanned('c-retry', [{ email: 'a@x.test', customIds: ['A'] }], at);

    expect(await ledger.claim('c-retry', 'a@x.test', ['planned'], 'run-1', at)).toBe(true);
    expect(await rival.claim('c-retry', 'a@x.test', ['planned'], 'run-2', at)).toBe(false);
    expect(
      await ledger.finish('c-retry', 'a@x.test', 'sending', { status: 'sent', messageId: 'm' }, at, 'run-1'),
    ).toBe(true);
    expect(lost()).toBe(2);
    expect(await rival.listRows('c-retry')).toEqual([
      expect.objectContaining({ status: 'sent', attempts: 1, runId: 'run-1', messageId: 'm' }),
    ]);
  });

  it('still refuses a retried claim when the row was claimed by someone else', async () => {
    const ledger = createDynamoLedger(createDocClient(newClient()), table);
    const rival = createDynamoLedger(createDocClient(newClient()), table);
    await ledger.ensurePlanned('c-lost', [{ email: 'a@x.test', customIds: [] }], at);
    expect(await rival.claim('c-lost', 'a@x.test', ['planned'], 'run-2', at)).toBe(true);
    const client = newClient();
    loseAnswers(client, 'UpdateItemCommand', 1);
    const unlucky = createDynamoLedger(createDocClient(client), table);
    expect(await unlucky.claim('c-lost', 'a@x.test', ['planned'], 'run-3', at)).toBe(false);
  });

  it('plans a rerun with one Query page and writes only the recipients it has not seen, 25 a BatchWriteItem', async () => {
    const client = newClient();
    const counts = countCommands(client);
    const ledger = createDynamoLedger(createDocClient(client), table);
    const rows = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ email: `u${i}@x.test`, customIds: [] }));
    await ledger.ensurePlanned('c-rerun', rows(30), at);
    // The planning lease: one conditional PutItem to take it, one DeleteItem to give it back.
    expect(Object.fromEntries(counts)).toEqual({
      PutItemCommand: 1,
      QueryCommand: 1,
      BatchWriteItemCommand: 2,
      DeleteItemCommand: 1,
    });
    counts.clear();
    await ledger.ensurePlanned('c-rerun', rows(35), at);
    expect(Object.fromEntries(counts)).toEqual({
      PutItemCommand: 1,
      QueryCommand: 1,
      BatchWriteItemCommand: 1,
      DeleteItemCommand: 1,
    });
    expect(await ledger.listRows('c-rerun')).toHaveLength(35);
  });

  it('without batching, plans with one conditional PutItem per recipient it has not seen (the path before #15)', async () => {
    const client = newClient();
    const counts = countCommands(client);
    const ledger = createDynamoLedger(createDocClient(client), table, { batching: false });
    const rows = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ email: `v${i}@x.test`, customIds: [] }));
    await ledger.ensurePlanned('c-rerun-old', rows(30), at);
    expect(Object.fromEntries(counts)).toEqual({ PutItemCommand: 31, QueryCommand: 1, DeleteItemCommand: 1 });
    counts.clear();
    await ledger.ensurePlanned('c-rerun-old', rows(35), at);
    expect(Object.fromEntries(counts)).toEqual({ PutItemCommand: 6, QueryCommand: 1, DeleteItemCommand: 1 });
    expect(await ledger.listRows('c-rerun-old')).toHaveLength(35);
  });

  it('reads a campaign larger than 1 MB in several Query pages', async () => {
    const client = newClient();
    const counts = countCommands(client);
    const ledger = createDynamoLedger(createDocClient(client), table);
    const customIds = Array.from({ length: 40 }, (_, i) => `CUSTOM-ID-${String(i).padStart(14, '0')}`);
    const rows = Array.from({ length: 1_200 }, (_, i) => ({ email: `p${i}@x.test`, customIds }));
    await ledger.ensurePlanned('c-pages', rows, at);
    counts.clear();
    expect(await ledger.listRows('c-pages')).toHaveLength(1_200);
    expect(counts.get('QueryCommand')).toBeGreaterThan(1);
  });

  it('names the table in a config error when it does not exist', async () => {
    const ledger = createDynamoLedger(createDocClient(newClient()), 'dn-missing-ledger');
    const error = await ledger.listRows('c').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('dn-missing-ledger');
    await expect(ledger.claim('c', 'a@x.test', ['planned'], 'r', at)).rejects.toThrow(/dn-missing-ledger/);
  });
});
