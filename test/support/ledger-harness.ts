import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoLedger } from '../../src/adapters/aws/dynamo-ledger.js';
import { ledgerTableInput } from '../../src/adapters/aws/dynamo-tables.js';
import { openSqliteStore } from '../../src/adapters/local/sqlite-store.js';
import type { LedgerRow, SendLedger } from '../../src/ports.js';
import { countCommands, createDocClient, type Dynalite, startDynalite } from './dynalite.js';
import { startDynamoDbLocal } from './dynamodb-local.js';
import { memoryLedger } from './memory-ports.js';

/** Two ledger instances on one store (two connections / two clients), as two runs of a campaign would hold. */
export interface LedgerHarness {
  first: SendLedger;
  second: SendLedger;
  /** Read pages fetched by `first` since the last reset (undefined: the store has no pages). */
  pagesRead(): number | undefined;
  resetPages(): void;
  close(): Promise<void>;
}

export async function openSqliteHarness(): Promise<LedgerHarness> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dn-ledger-'));
  const file = path.join(dir, 'nested', 'state.sqlite');
  const stores = [openSqliteStore(file), openSqliteStore(file)] as const;
  return {
    first: stores[0].ledger,
    second: stores[1].ledger,
    pagesRead: () => undefined,
    resetPages: () => {},
    close: async () => {
      for (const store of stores) store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Two DynamoDB ledgers on one table. dynalite (the default) has no TransactWriteItems, so its ledgers write one row
 * a request; on DynamoDB Local claims and finishes go out grouped in transactions.
 */
export async function openDynamoHarness(
  start: () => Promise<Dynalite> = startDynalite,
): Promise<LedgerHarness & { dynalite: Dynalite; table: string }> {
  const dynalite = await start();
  const table = `dn-ledger-${randomUUID().slice(0, 8)}`;
  await dynalite.createTables([ledgerTableInput(table)]);
  const clients: DynamoDBClient[] = [dynalite.createClient(), dynalite.createClient()];
  const counts = countCommands(clients[0] as DynamoDBClient);
  const [first, second] = clients.map((client) => createDynamoLedger(createDocClient(client), table)) as [
    SendLedger,
    SendLedger,
  ];
  return {
    dynalite,
    table,
    first,
    second,
    pagesRead: () => counts.get('QueryCommand') ?? 0,
    resetPages: () => counts.clear(),
    close: async () => {
      for (const client of clients) client.destroy();
      await dynalite.stop();
    },
  };
}

/** The in-memory ledger of the core tests: two instances sharing one row map. */
export async function openMemoryHarness(): Promise<LedgerHarness> {
  const first = memoryLedger();
  return {
    first,
    second: memoryLedger(first.rows),
    pagesRead: () => undefined,
    resetPages: () => {},
    close: async () => {},
  };
}

/** Every SendLedger adapter, for the shared contract test. */
export const LEDGER_ADAPTERS: [string, () => Promise<LedgerHarness>][] = [
  ['SQLite (two connections to one file)', openSqliteHarness],
  ['DynamoDB on dynalite (two clients)', () => openDynamoHarness()],
  [
    'DynamoDB on DynamoDB Local (two clients, claims and finishes in transactions)',
    () => openDynamoHarness(startDynamoDbLocal),
  ],
  ['memory (two instances on one map)', openMemoryHarness],
];

export const t0 = new Date('2025-02-01T10:00:00.000Z');
export const t1 = new Date('2025-02-01T10:05:00.000Z');
export const t2 = new Date('2025-02-01T10:10:00.000Z');

export const newCampaign = () => `financial-2025-01-${randomUUID().slice(0, 8)}`;

/** Planned recipients with one custom ID each (`ID0`, `ID1`, …). */
export const recipients = (...emails: string[]) =>
  emails.map((email, i) => ({ email, customIds: [`ID${i}`] }));

export async function rowOf(
  ledger: SendLedger,
  campaignId: string,
  email: string,
): Promise<LedgerRow | undefined> {
  return (await ledger.listRows(campaignId)).find((row) => row.email === email);
}
