import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSend, type SendPeers } from '../../bench/support/send-run.js';
import type { Dynalite } from '../support/dynalite.js';
import { startDynamoDbLocal } from '../support/dynamodb-local.js';
import { type SesLocal, startSesLocal } from '../support/ses-local.js';

/**
 * DynamoDB requests per message of a whole send (prepareSend + executeSend with the real adapters against DynamoDB
 * Local and aws-ses-v2-local), counted as `npm run bench -- send` counts them, for each path. Counts, not time.
 */
const MESSAGES = 120;
let ses: SesLocal;
let dynamo: Dynalite & { pid: number };
let tmpDir: string;

beforeAll(async () => {
  tmpDir = await mkdtemp(path.join(tmpdir(), 'dn-send-requests-'));
  ses = await startSesLocal({ maxSendRate: 10_000, max24HourSend: 100_000, sentLast24Hours: 0 });
  dynamo = await startDynamoDbLocal();
}, 90_000);

afterAll(async () => {
  await dynamo?.stop();
  await ses?.stop();
  await rm(tmpDir, { recursive: true, force: true });
});

function perMessage(commands: Map<string, number> | undefined): Record<string, number> {
  return Object.fromEntries([...(commands ?? [])].map(([name, count]) => [name, count / MESSAGES]));
}

describe('DynamoDB requests per message of a send', () => {
  it('plans with BatchWriteItem and groups claims and finishes in transactions: under 1 request a message, down from 3', async () => {
    const peers: SendPeers = { ses, dynamo, tmpDir };
    const spec = { backend: 'dynamo', messages: MESSAGES, concurrency: 8 } as const;
    const before = await runSend({ ...spec, label: 'req-perrow', batching: false, grouping: false }, peers);
    const batched = await runSend({ ...spec, label: 'req-batched', batching: true, grouping: false }, peers);
    const grouped = await runSend({ ...spec, label: 'req-grouped' }, peers);
    for (const run of [before, batched, grouped]) {
      expect(run.check.reasons).toEqual([]);
      expect(run.check.mismatches).toBe(0);
    }
    const total = (m: typeof grouped) =>
      [...(m.dynamoCommands ?? [])].reduce((sum, [, n]) => sum + n, 0) / MESSAGES;
    // Before #15: a conditional PutItem per row to plan it (+ the lease and the tracking slot), then claim and finish.
    expect(before.dynamoCommands?.get('PutItemCommand')).toBe(MESSAGES + 2);
    expect(perMessage(before.dynamoCommands).UpdateItemCommand).toBe(2);
    expect(total(before)).toBeGreaterThan(3);
    // Batched planning: the rows in BatchWriteItem calls of 25; claim and finish one conditional UpdateItem each.
    expect(batched.dynamoCommands?.get('PutItemCommand')).toBe(2); // the planning lease and the tracking slot
    // Planned rows, 25 a call, and tracking rows, 25 a call (or fewer when the buffer's 1 s wait runs out first).
    expect(batched.dynamoCommands?.get('BatchWriteItemCommand')).toBeGreaterThanOrEqual(
      2 * Math.ceil(MESSAGES / 25),
    );
    expect(perMessage(batched.dynamoCommands).UpdateItemCommand).toBe(2);
    expect(total(batched)).toBeLessThan(2.2);
    // Grouped (the default): the claims and finishes of sends in flight together share a TransactWriteItems.
    expect(grouped.dynamoCommands?.get('UpdateItemCommand') ?? 0).toBe(0);
    expect(perMessage(grouped.dynamoCommands).TransactWriteItemsCommand).toBeLessThan(1);
    expect(total(grouped)).toBeLessThan(1.1);
  });
});
