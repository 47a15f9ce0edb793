import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createGroupWrite, type RowUpdate } from '../../src/adapters/aws/dynamo-group-write.js';

// How a cancelled transaction is settled, with scripted answers: DynamoDB Local cannot be made to report a
// transaction conflict or throttling on demand (test/integration/dynamo-group-write.test.ts runs the real thing).

const update = (email: string): RowUpdate => ({
  TableName: 'ledger',
  Key: { campaignId: 'c', email },
  UpdateExpression: 'SET #status = :to',
  ConditionExpression: '#status = :from',
  ExpressionAttributeNames: { '#status': 'status' },
  ExpressionAttributeValues: { ':to': 'sending', ':from': 'planned' },
});

const cancelled = (...codes: string[]) =>
  Object.assign(new Error('Transaction cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

/** A document client whose answers come from `answers`, in order; it records what each transaction carried. */
function scripted(answers: (Error | 'ok')[], enabled = true) {
  const carried: string[][] = [];
  const doc = {
    async send(command: { input: { TransactItems?: { Update: RowUpdate }[] } }) {
      carried.push((command.input.TransactItems ?? []).map((item) => String(item.Update.Key.email)));
      const answer = answers.shift() ?? 'ok';
      if (answer !== 'ok') throw answer;
      return {};
    },
  } as unknown as DynamoDBDocumentClient;
  const slept: number[] = [];
  const writes = createGroupWrite(doc, {
    enabled,
    call: async (doing, send) => {
      try {
        return await send();
      } catch (error) {
        throw new Error(`${doing}: ${(error as Error).message}`, { cause: error });
      }
    },
    sleep: async (ms) => {
      slept.push(ms);
    },
  });
  return { writes, carried, slept };
}

describe('group writes: settling a cancelled transaction', () => {
  it('answers a failed condition false, sends the untouched and the conflicting Updates again, and waits before a conflict', async () => {
    const { writes, carried, slept } = scripted([
      cancelled('None', 'TransactionConflict', 'ConditionalCheckFailed'),
      'ok',
      'ok',
    ]);
    const results = await Promise.all(
      ['a', 'b', 'c'].map((email) => writes.submit('claiming a row', update(email))),
    );
    expect(results).toEqual(['applied', 'applied', 'condition-failed']);
    expect(carried[0]).toEqual(['a', 'b', 'c']);
    expect(carried.slice(1).flat().sort()).toEqual(['a', 'b']);
    expect(slept).toHaveLength(1);
  });

  it('gives up on an Update that keeps conflicting, with the error named after what it was doing', async () => {
    const { writes } = scripted(Array.from({ length: 10 }, () => cancelled('TransactionConflict')));
    await expect(writes.submit('finishing a row', update('a'))).rejects.toThrow(/^finishing a row: /);
  });

  it('fails every Update of a cancellation that does not say which one failed', async () => {
    const { writes, carried } = scripted([cancelled(), cancelled('None', 'None')]);
    const first = await Promise.allSettled([writes.submit('claiming a row', update('a'))]);
    expect(first[0]?.status).toBe('rejected');
    const second = await Promise.allSettled(
      ['b', 'c'].map((email) => writes.submit('claiming a row', update(email))),
    );
    expect(second.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(carried).toHaveLength(2);
  });

  it('never puts two Updates of one row in one transaction', async () => {
    const { writes, carried } = scripted(['ok', 'ok']);
    await Promise.all([
      writes.submit('claiming a row', update('a')),
      writes.submit('finishing a row', update('a')),
    ]);
    expect(carried).toEqual([['a'], ['a']]);
  });

  it("without transactions, waits and writes a plain UpdateItem again when it met another run's transaction", async () => {
    const conflict = () =>
      Object.assign(new Error('Transaction is ongoing for the item'), {
        name: 'TransactionConflictException',
      });
    const { writes, slept } = scripted([conflict(), conflict(), 'ok'], false);
    expect(await writes.submit('claiming a row', update('a'))).toBe('applied');
    expect(slept).toHaveLength(2);
    const stuck = scripted(
      Array.from({ length: 10 }, () => conflict()),
      false,
    );
    await expect(stuck.writes.submit('claiming a row', update('b'))).rejects.toThrow(/^claiming a row: /);
  });
});
