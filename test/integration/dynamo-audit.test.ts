import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoAuditLog } from '../../src/adapters/aws/dynamo-audit.js';
import { auditTableInput } from '../../src/adapters/aws/dynamo-tables.js';
import { ConfigError } from '../../src/core/common/errors.js';
import type { AuditEntry, AuditSource } from '../../src/ports.js';
import { countCommands, createDocClient, type Dynalite, startDynalite } from '../support/dynalite.js';

const table = `dn-audit-${randomUUID().slice(0, 8)}`;
let dynalite: Dynalite;
const clients: DynamoDBClient[] = [];

function newDoc(): { doc: DynamoDBDocumentClient; client: DynamoDBClient } {
  const client = dynalite.createClient();
  clients.push(client);
  return { doc: createDocClient(client), client };
}

const entry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  at: '2025-03-01T12:00:00.000Z',
  email: 'a@x.test',
  action: 'unsubscribe',
  topic: 'financial-reports',
  actor: 'arn:aws:sts::123456789012:assumed-role/finance/alice',
  source: 'cli',
  ...over,
});

beforeAll(async () => {
  dynalite = await startDynalite();
  await dynalite.createTables([auditTableInput(table)]);
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await dynalite?.stop();
});

describe('DynamoDB audit log (createDynamoAuditLog)', () => {
  it('keeps a row per change and source, oldest first per address, optional fields only when given', async () => {
    const audit = createDynamoAuditLog(newDoc().doc, table);
    const sources: AuditSource[] = ['cli', 'one-click', 'mailto', 'token', 'page'];
    const written = sources.map((source, i) =>
      entry({
        at: `2025-03-0${5 - i}T12:00:00.000Z`, // written newest first: history must sort them
        email: 'Sources@X.test',
        source,
        action: i % 2 ? 'resubscribe' : 'unsubscribe',
        ...(source === 'cli' ? { reason: 'asked by phone' } : { actor: 'recipient', detail: '203.0.113.9' }),
      }),
    );
    for (const e of written) await audit.record(e);
    await audit.record(entry({ email: 'other@x.test' }));

    const history = await audit.history('sources@x.test');
    expect(history).toEqual([...written].reverse().map((e) => ({ ...e, email: 'sources@x.test' })));
    expect(history.find((e) => e.source === 'cli')).not.toHaveProperty('detail');
    expect(history.find((e) => e.source === 'page')).not.toHaveProperty('reason');
    expect(await audit.history('nobody@x.test')).toEqual([]);
    expect(audit.location).toBe(`DynamoDB ${table}`);
  });

  it('two changes in the same millisecond keep both rows; the key is the time plus a random suffix', async () => {
    let n = 0;
    const { doc } = newDoc();
    const audit = createDynamoAuditLog(doc, table, { random: () => [0.1, 0.9][n++ % 2] ?? 0 });
    await audit.record(entry({ email: 'same@x.test', action: 'unsubscribe' }));
    await audit.record(entry({ email: 'same@x.test', action: 'resubscribe' }));
    expect((await audit.history('same@x.test')).map((e) => [e.at, e.action])).toEqual([
      ['2025-03-01T12:00:00.000Z', 'unsubscribe'],
      ['2025-03-01T12:00:00.000Z', 'resubscribe'],
    ]);
    const items = await doc.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: 'email = :e',
        ExpressionAttributeValues: { ':e': 'same@x.test' },
      }),
    );
    expect(items.Items?.map((item) => item.at).sort()).toEqual([
      '2025-03-01T12:00:00.000Z#199999',
      '2025-03-01T12:00:00.000Z#e66666',
    ]);
    expect(items.Items?.[0]).toMatchObject({ changedAt: '2025-03-01T12:00:00.000Z', source: 'cli' });
  });

  it('reads every page of a long history', async () => {
    const { doc, client } = newDoc();
    // Pages of 3 items: the loop over LastEvaluatedKey is what is under test.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'QueryCommand') (args.input as { Limit?: number }).Limit = 3;
        return next(args);
      },
      { step: 'initialize', name: 'dnSmallPages' },
    );
    const counts = countCommands(client);
    const audit = createDynamoAuditLog(doc, table);
    const ats = Array.from({ length: 10 }, (_, i) => new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString());
    for (const at of ats) await audit.record(entry({ email: 'long@x.test', at }));
    expect((await audit.history('long@x.test')).map((e) => e.at)).toEqual(ats);
    expect(counts.get('QueryCommand')).toBe(4);
  });

  it('a missing table is a ConfigError naming tracking.auditTable', async () => {
    const audit = createDynamoAuditLog(newDoc().doc, 'no-such-audit-table');
    for (const call of [() => audit.record(entry()), () => audit.history('a@x.test')]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/^tracking\.auditTable: .*"no-such-audit-table"/);
    }
  });

  it('auditTableInput: email HASH and at RANGE, both strings, on demand', () => {
    expect(auditTableInput('t')).toEqual({
      TableName: 't',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'email', AttributeType: 'S' },
        { AttributeName: 'at', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'email', KeyType: 'HASH' },
        { AttributeName: 'at', KeyType: 'RANGE' },
      ],
    });
  });
});
