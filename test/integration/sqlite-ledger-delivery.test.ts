import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE_SCHEMA_VERSION } from '../../src/adapters/local/sqlite-schema.js';
import { openSqliteStore } from '../../src/adapters/local/sqlite-store.js';
import { BackendError } from '../../src/core/common/errors.js';

/** The SQLite ledger's delivery columns: a file made by the previous schema upgrades in place. */

const V2_DUMP = readFileSync(new URL('../fixtures/sqlite/schema-v2.sql', import.meta.url), 'utf8');
const CAMPAIGN = 'financial-2025-01';
/** Version 3's columns, and version 5's `delivery_accepted_at` (sqlite-ledger-v5.test.ts). */
const DELIVERY_COLUMNS = ['delivery_state', 'delivery_at', 'delivery_detail', 'delivery_accepted_at'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dn-ledger-delivery-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let files = 0;
/** A file exactly as schema version 2 left it, with its three ledger rows. */
function versionTwoFile(): string {
  files += 1;
  const file = path.join(dir, `v2-${files}.sqlite`);
  const raw = new Database(file);
  raw.exec(V2_DUMP);
  raw.close();
  return file;
}

function raw<T>(file: string, read: (db: Database.Database) => T): T {
  const db = new Database(file);
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const ledgerColumns = (file: string) =>
  raw(file, (db) => (db.prepare('PRAGMA table_info(ledger)').all() as { name: string }[]).map((c) => c.name));

describe('SQLite ledger: delivery columns (schema version 3)', () => {
  it('upgrades a version-2 file in place: rows kept as they were, delivery recorded afterwards', async () => {
    const file = versionTwoFile();
    expect(ledgerColumns(file)).not.toContain('delivery_state');

    const store = openSqliteStore(file);
    const before = await store.ledger.listRows(CAMPAIGN);
    expect(
      before.map(({ email, status, messageId, reason, attempts, updatedAt }) => ({
        email,
        status,
        messageId,
        reason,
        attempts,
        updatedAt,
      })),
    ).toEqual([
      {
        email: 'planned@x.test',
        status: 'planned',
        messageId: undefined,
        reason: undefined,
        attempts: 0,
        updatedAt: '2025-02-01T10:00:00.000Z',
      },
      {
        email: 'sent@x.test',
        status: 'sent',
        messageId: 'ses-1',
        reason: undefined,
        attempts: 1,
        updatedAt: '2025-02-01T10:05:00.000Z',
      },
      {
        email: 'unknown@x.test',
        status: 'unknown',
        messageId: undefined,
        reason: 'the provider did not answer',
        attempts: 1,
        updatedAt: '2025-02-01T10:06:00.000Z',
      },
    ]);
    for (const row of before) expect(row.delivery).toBeUndefined();

    const bounce = {
      state: 'bounced',
      at: '2025-02-01T10:07:00.000Z',
      detail: 'Permanent/General: 550 5.1.1',
    } as const;
    expect(await store.ledger.recordDelivery(CAMPAIGN, 'sent@x.test', bounce, 'ses-1')).toBe(true);
    const delivered = { state: 'delivered', at: '2025-02-01T10:08:00.000Z' } as const;
    expect(await store.ledger.recordDelivery(CAMPAIGN, 'unknown@x.test', delivered, 'ses-2')).toBe(true);
    store.close();

    expect(ledgerColumns(file)).toEqual(expect.arrayContaining(DELIVERY_COLUMNS));
    const versions = raw(file, (db) =>
      db.prepare('SELECT version FROM schema_version ORDER BY version').pluck().all(),
    );
    expect(versions).toEqual(Array.from({ length: SQLITE_SCHEMA_VERSION }, (_, i) => i + 1));
    expect(
      raw(file, (db) =>
        db
          .prepare(
            'SELECT email, status, message_id, reason, updated_at, delivery_state, delivery_at, delivery_detail FROM ledger ORDER BY email',
          )
          .all(),
      ),
    ).toEqual([
      {
        email: 'planned@x.test',
        status: 'planned',
        message_id: null,
        reason: null,
        updated_at: '2025-02-01T10:00:00.000Z',
        delivery_state: null,
        delivery_at: null,
        delivery_detail: null,
      },
      {
        email: 'sent@x.test',
        status: 'sent',
        message_id: 'ses-1',
        reason: null,
        updated_at: '2025-02-01T10:05:00.000Z',
        delivery_state: 'bounced',
        delivery_at: bounce.at,
        delivery_detail: bounce.detail,
      },
      {
        email: 'unknown@x.test',
        status: 'sent',
        message_id: 'ses-2',
        reason: null,
        updated_at: delivered.at,
        delivery_state: 'delivered',
        delivery_at: delivered.at,
        delivery_detail: null,
      },
    ]);

    // Opening the upgraded file again changes nothing and keeps what was recorded.
    const again = openSqliteStore(file);
    expect(
      (await again.ledger.listRows(CAMPAIGN)).find((row) => row.email === 'sent@x.test')?.delivery,
    ).toEqual(bounce);
    again.close();
    expect(raw(file, (db) => db.prepare('SELECT COUNT(*) FROM schema_version').pluck().get())).toBe(
      SQLITE_SCHEMA_VERSION,
    );
  });

  it('upgrades a file whose version rows were lost after the columns were added (no duplicate column)', async () => {
    const file = versionTwoFile();
    openSqliteStore(file).close();
    raw(file, (db) => db.exec('DELETE FROM schema_version WHERE version >= 3'));
    const store = openSqliteStore(file);
    expect(
      await store.ledger.recordDelivery(CAMPAIGN, 'planned@x.test', { state: 'delayed', at: 'x' }, 'm'),
    ).toBe(true);
    store.close();
    expect(ledgerColumns(file).filter((name) => name.startsWith('delivery_'))).toEqual(DELIVERY_COLUMNS);
  });

  it('refuses a delivery state the schema does not know, and names a half-edited row', async () => {
    const file = versionTwoFile();
    openSqliteStore(file).close();
    expect(() =>
      raw(file, (db) =>
        db.exec("UPDATE ledger SET delivery_state = 'opened', delivery_at = 'x' WHERE email = 'sent@x.test'"),
      ),
    ).toThrow(/CHECK constraint failed/);

    raw(file, (db) => db.exec("UPDATE ledger SET delivery_state = 'bounced' WHERE email = 'sent@x.test'"));
    const store = openSqliteStore(file);
    const listing = store.ledger.listRows(CAMPAIGN);
    await expect(listing).rejects.toThrow(BackendError);
    await expect(listing).rejects.toThrow(
      /financial-2025-01 \/ sent@x\.test .* unreadable delivery: state bounced, at null/,
    );
    store.close();
  });
});
