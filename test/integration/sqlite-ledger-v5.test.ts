import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE_SCHEMA_VERSION } from '../../src/adapters/local/sqlite-schema.js';
import { openSqliteStore } from '../../src/adapters/local/sqlite-store.js';

/**
 * Schema version 5: the ledger's `claimed_at` and `delivery_accepted_at`. A file made by version 4 (the fixture is
 * that version's own migration and three rows, dumped) upgrades in place.
 */

const V4_DUMP = readFileSync(new URL('../fixtures/sqlite/schema-v4.sql', import.meta.url), 'utf8');
const CAMPAIGN = 'financial-2025-01';
const NEW_COLUMNS = ['claimed_at', 'delivery_accepted_at'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dn-ledger-v5-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let files = 0;
/** A file exactly as schema version 4 left it, with its three ledger rows. */
function versionFourFile(): string {
  files += 1;
  const file = path.join(dir, `v4-${files}.sqlite`);
  const db = new Database(file);
  db.exec(V4_DUMP);
  db.close();
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
const versions = (file: string) =>
  raw(file, (db) => db.prepare('SELECT version FROM schema_version ORDER BY version').pluck().all());

describe('SQLite ledger: claimed_at and delivery_accepted_at (schema version 5)', () => {
  it('upgrades a version-4 file in place: rows kept as they were, the new facts recorded afterwards', async () => {
    const file = versionFourFile();
    expect(versions(file)).toEqual([1, 2, 3, 4]);
    for (const column of NEW_COLUMNS) expect(ledgerColumns(file)).not.toContain(column);

    const store = openSqliteStore(file);
    expect(await store.ledger.listRows(CAMPAIGN)).toEqual([
      {
        campaignId: CAMPAIGN,
        email: 'planned@x.test',
        status: 'planned',
        customIds: ['ID2'],
        messageId: undefined,
        reason: undefined,
        attempts: 0,
        runId: undefined,
        updatedAt: '2025-02-01T10:00:00.000Z',
      },
      {
        campaignId: CAMPAIGN,
        email: 'sent@x.test',
        status: 'sent',
        customIds: ['ID0'],
        messageId: 'ses-1',
        reason: undefined,
        attempts: 1,
        runId: 'host-1-run',
        updatedAt: '2025-02-01T10:05:00.000Z',
        delivery: { state: 'delivered', at: '2025-02-01T10:05:30.000Z' },
      },
      {
        campaignId: CAMPAIGN,
        email: 'unknown@x.test',
        status: 'unknown',
        customIds: ['ID1'],
        messageId: undefined,
        reason: 'the provider did not answer',
        attempts: 1,
        runId: 'host-1-run',
        updatedAt: '2025-02-01T10:06:00.000Z',
      },
    ]);
    const rows = await store.ledger.listRows(CAMPAIGN);
    for (const row of rows) {
      expect(row).not.toHaveProperty('claimedAt');
      expect(row.delivery ?? {}).not.toHaveProperty('acceptedAt');
    }

    // The old delivered outcome fills in its acceptance time from a later event of the same kind; a claim is timed.
    const accepted = '2025-02-01T10:04:59.800Z';
    const later = { state: 'delivered', at: '2025-02-01T10:06:30.000Z', acceptedAt: accepted } as const;
    expect(await store.ledger.recordDelivery(CAMPAIGN, 'sent@x.test', later, 'ses-1')).toBe(true);
    const claimedAt = new Date('2025-02-01T11:00:00.000Z');
    expect(await store.ledger.claim(CAMPAIGN, 'unknown@x.test', ['unknown'], 'run-2', claimedAt)).toBe(true);
    store.close();

    expect(ledgerColumns(file)).toEqual(expect.arrayContaining(NEW_COLUMNS));
    expect(versions(file)).toEqual(Array.from({ length: SQLITE_SCHEMA_VERSION }, (_, i) => i + 1));
    expect(SQLITE_SCHEMA_VERSION).toBe(5);
    expect(
      raw(file, (db) =>
        db
          .prepare(
            'SELECT email, status, updated_at, claimed_at, delivery_state, delivery_at, delivery_accepted_at FROM ledger ORDER BY email',
          )
          .all(),
      ),
    ).toEqual([
      {
        email: 'planned@x.test',
        status: 'planned',
        updated_at: '2025-02-01T10:00:00.000Z',
        claimed_at: null,
        delivery_state: null,
        delivery_at: null,
        delivery_accepted_at: null,
      },
      {
        email: 'sent@x.test',
        status: 'sent',
        updated_at: '2025-02-01T10:05:00.000Z',
        claimed_at: null,
        delivery_state: 'delivered',
        delivery_at: '2025-02-01T10:05:30.000Z',
        delivery_accepted_at: accepted,
      },
      {
        email: 'unknown@x.test',
        status: 'sending',
        updated_at: claimedAt.toISOString(),
        claimed_at: claimedAt.toISOString(),
        delivery_state: null,
        delivery_at: null,
        delivery_accepted_at: null,
      },
    ]);

    // Opening the upgraded file again changes nothing and reads back what was recorded.
    const again = openSqliteStore(file);
    const reread = await again.ledger.listRows(CAMPAIGN);
    expect(reread.find((row) => row.email === 'sent@x.test')?.delivery).toEqual({
      state: 'delivered',
      at: '2025-02-01T10:05:30.000Z',
      acceptedAt: accepted,
    });
    expect(reread.find((row) => row.email === 'unknown@x.test')?.claimedAt).toBe(claimedAt.toISOString());
    again.close();
    expect(raw(file, (db) => db.prepare('SELECT COUNT(*) FROM schema_version').pluck().get())).toBe(
      SQLITE_SCHEMA_VERSION,
    );
  });

  it('upgrades a file whose version-5 row was lost after the columns were added (no duplicate column)', async () => {
    const file = versionFourFile();
    openSqliteStore(file).close();
    raw(file, (db) => db.exec('DELETE FROM schema_version WHERE version >= 5'));
    const store = openSqliteStore(file);
    expect(await store.ledger.claim(CAMPAIGN, 'planned@x.test', ['planned'], 'run-3', new Date(0))).toBe(
      true,
    );
    store.close();
    expect(ledgerColumns(file).filter((name) => NEW_COLUMNS.includes(name))).toEqual(NEW_COLUMNS);
    expect(versions(file)).toEqual([1, 2, 3, 4, 5]);
  });
});
