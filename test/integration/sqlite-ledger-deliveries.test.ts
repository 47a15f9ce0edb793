import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../../src/adapters/local/sqlite-store.js';
import { BackendError } from '../../src/core/common/errors.js';
import type { DeliveryUpdate } from '../../src/ports.js';

/**
 * `recordDeliveries` on SQLite, what the shared contract cannot show: a batch is ONE transaction (all of it lands
 * or none), and an empty batch does not take the file's write lock.
 */

const CAMPAIGN = 'financial-2025-01';
const t0 = new Date('2025-02-01T10:00:00.000Z');
let dir: string;
let file: string;
let store: SqliteStore;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dn-ledger-deliveries-'));
  file = path.join(dir, 'state.sqlite');
  store = openSqliteStore(file, { busyTimeoutMs: 200 });
  const emails = ['a@x.test', 'b@x.test', 'damaged@x.test'];
  await store.ledger.ensurePlanned(
    CAMPAIGN,
    emails.map((email) => ({ email, customIds: [] })),
    t0,
  );
  for (const email of emails) {
    await store.ledger.claim(CAMPAIGN, email, ['planned'], 'run-1', t0);
    await store.ledger.finish(CAMPAIGN, email, 'sending', { status: 'unknown' }, t0, 'run-1');
  }
});

afterAll(async () => {
  store?.close();
  await rm(dir, { recursive: true, force: true });
});

const update = (email: string): DeliveryUpdate => ({
  campaignId: CAMPAIGN,
  email,
  delivery: { state: 'delivered', at: '2025-02-01T11:00:00.000Z' },
  messageId: `ses-${email}`,
});

function withRaw<T>(use: (db: Database.Database) => T): T {
  const db = new Database(file);
  try {
    return use(db);
  } finally {
    db.close();
  }
}

describe('SQLite ledger: recordDeliveries', () => {
  it('writes a batch in one transaction: a row that cannot be read fails it, and no row of it is written', async () => {
    withRaw((db) =>
      db.prepare("UPDATE ledger SET custom_ids = 'not json' WHERE email = 'damaged@x.test'").run(),
    );
    const attempt = store.ledger.recordDeliveries([
      update('a@x.test'),
      update('b@x.test'),
      update('damaged@x.test'),
    ]);
    await expect(attempt).rejects.toThrow(BackendError);
    await expect(attempt).rejects.toThrow(/damaged@x\.test .* unreadable custom_ids/);
    const statuses = withRaw((db) =>
      db
        .prepare("SELECT email, status FROM ledger WHERE email IN ('a@x.test', 'b@x.test') ORDER BY email")
        .all(),
    );
    expect(statuses).toEqual([
      { email: 'a@x.test', status: 'unknown' },
      { email: 'b@x.test', status: 'unknown' },
    ]);

    withRaw((db) => db.prepare("UPDATE ledger SET custom_ids = '[]' WHERE email = 'damaged@x.test'").run());
    expect(await store.ledger.recordDeliveries([update('a@x.test'), update('b@x.test')])).toEqual([
      true,
      true,
    ]);
    expect((await store.ledger.listRows(CAMPAIGN)).map((row) => row.status)).toEqual([
      'sent',
      'sent',
      'unknown',
    ]);
  });

  it('answers an empty batch without taking the write lock (another process may hold it)', async () => {
    const other = new Database(file);
    try {
      other.exec('BEGIN IMMEDIATE');
      expect(await store.ledger.recordDeliveries([])).toEqual([]);
      // A real write waits for the lock, then gives up as busy: the lock was indeed held.
      await expect(store.ledger.recordDeliveries([update('damaged@x.test')])).rejects.toThrow(/busy|locked/i);
      other.exec('ROLLBACK');
    } finally {
      other.close();
    }
  });
});
