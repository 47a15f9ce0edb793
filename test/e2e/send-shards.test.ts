import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type AwsWorld, startAwsWorld } from '../support/aws-world.js';
import {
  parseJson,
  plannedMessages,
  SEND_JANUARY,
  type SendJson,
  startCli,
  stopStrayClis,
} from '../support/send-world.js';

let world: AwsWorld;
let dir: string;
let planned: Awaited<ReturnType<typeof plannedMessages>>;

beforeAll(async () => {
  // DynamoDB Local: the shards' claims and finishes go out in transactions, as against DynamoDB.
  world = await startAwsWorld(inject('s3Endpoint'), {}, 'dynamodb-local');
  dir = await world.workspace();
  planned = await plannedMessages(path.join(dir, '.distronationrc.json'), world.env);
}, 60_000);
afterAll(async () => {
  stopStrayClis();
  await world?.stop();
});

describe('--shard i/n: parallel jobs against one DynamoDB ledger (built CLI, DynamoDB Local + the SES emulator)', () => {
  it('three shards run at once cover every recipient exactly once', async () => {
    const shard = (i: number) =>
      startCli(
        [
          'send-report',
          ...SEND_JANUARY,
          '--yes',
          '--json',
          '--verbose',
          '--backend',
          'aws',
          '--shard',
          `${i}/3`,
        ],
        {
          cwd: dir,
          env: world.env,
        },
      ).done;
    const results = await Promise.all([1, 2, 3].map(shard));
    for (const result of results) expect(result.code, result.stderr).toBe(0);

    const sentByShard = results.map((r) =>
      parseJson<SendJson>(r).data.results.successful.map((s) => s.email),
    );
    const union = sentByShard.flat().sort();
    expect(union).toEqual(planned.map((m) => m.to).sort());
    expect(new Set(union).size).toBe(union.length);
    for (const message of planned) expect(await world.sentTo(message.to), message.to).toHaveLength(1);

    const rows = await world.ledgerRows('financial-2025-01');
    expect(rows.map((r) => r.status)).toEqual(planned.map(() => 'sent'));
  }, 60_000);

  it('a bad --shard is a usage error', async () => {
    const result = await startCli(['send-report', ...SEND_JANUARY, '--yes', '--shard', '4/3'], {
      cwd: dir,
      env: world.env,
    }).done;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--shard');
  });
});
