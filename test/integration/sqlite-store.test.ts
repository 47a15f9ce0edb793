import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/local/sqlite-store.js';
import { ConfigError } from '../../src/core/common/errors.js';
import type { TrackingRow } from '../../src/ports.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dn-sqlite-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const trackingRow = (i: number): TrackingRow => ({
  campaignId: 'financial-2025-01',
  timestamp: 1_738_400_000_000, // every row in the same millisecond: no key may depend on it
  email: `user${i}@x.test`,
  recipient: `user${i}@x.test`,
  eventType: 'financial_send',
  sendStatus: i % 3 === 0 ? 'failed' : 'success',
  sesMessageId: i % 3 === 0 ? undefined : `ses-${i}`,
  reason: i % 3 === 0 ? 'MessageRejected' : undefined,
  month: 'January',
  year: '2025',
  customIds: [`ID${i}`, 'SHARED'],
  tags: ['financial-report'],
  provider: 'outbox',
  expirationTime: 1_746_176_000,
});

describe('openSqliteStore', () => {
  it('creates the folder and the schema (version 5, WAL), and keeps data across reopening', async () => {
    const file = path.join(dir, 'a', 'b', 'state.sqlite');
    const store = openSqliteStore(file);
    await store.ledger.ensurePlanned('c', [{ email: 'a@x.test', customIds: ['A'] }], new Date());
    store.close();
    store.close(); // closing twice is harmless

    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT version FROM schema_version').all()).toEqual([
      { version: 1 },
      { version: 2 },
      { version: 3 },
      { version: 4 },
      { version: 5 },
    ]);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = raw
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    expect(tables).toEqual(['audit', 'contacts', 'ledger', 'schema_version', 'suppressions', 'tracking']);
    raw.close();

    const again = openSqliteStore(file);
    expect(await again.ledger.listRows('c')).toHaveLength(1);
    again.close();
    const raw2 = new Database(file, { readonly: true });
    expect(raw2.prepare('SELECT COUNT(*) FROM schema_version').pluck().get()).toBe(5);
    raw2.close();
  });

  it('refuses a file written by a newer schema, and a path it cannot create, as config errors', async () => {
    const file = path.join(dir, 'newer.sqlite');
    openSqliteStore(file).close();
    const raw = new Database(file);
    raw.prepare('INSERT INTO schema_version (version) VALUES (99)').run();
    raw.close();
    expect(() => openSqliteStore(file)).toThrow(ConfigError);
    expect(() => openSqliteStore(file)).toThrow(/schema version 99/);

    const blocker = path.join(dir, 'not-a-folder');
    await writeFile(blocker, 'x');
    expect(() => openSqliteStore(path.join(blocker, 'state.sqlite'))).toThrow(ConfigError);
  });
});

describe('SQLite tracking store', () => {
  it('writes 60 rows of one millisecond in one record call, fields and lists intact', async () => {
    const file = path.join(dir, 'tracking.sqlite');
    const store = openSqliteStore(file);
    const rows = Array.from({ length: 60 }, (_, i) => trackingRow(i));
    await store.tracking.record(rows);
    await store.tracking.record([]);
    store.close();

    const raw = new Database(file, { readonly: true });
    const stored = raw.prepare('SELECT * FROM tracking ORDER BY id').all() as Record<string, unknown>[];
    raw.close();
    expect(stored).toHaveLength(60);
    expect(stored[0]).toMatchObject({
      campaign_id: 'financial-2025-01',
      timestamp: 1_738_400_000_000,
      email: 'user0@x.test',
      event_type: 'financial_send',
      send_status: 'failed',
      ses_message_id: null,
      reason: 'MessageRejected',
      custom_ids: '["ID0","SHARED"]',
      tags: '["financial-report"]',
      provider: 'outbox',
      expiration_time: 1_746_176_000,
    });
    expect(stored[1]).toMatchObject({ ses_message_id: 'ses-1', reason: null, send_status: 'success' });
  });

  it('writes all rows of a call or none', async () => {
    const file = path.join(dir, 'tracking-atomic.sqlite');
    const store = openSqliteStore(file);
    const broken = { ...trackingRow(2), email: undefined } as unknown as TrackingRow;
    await expect(store.tracking.record([trackingRow(0), trackingRow(1), broken])).rejects.toThrow();
    store.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT COUNT(*) FROM tracking').pluck().get()).toBe(0);
    raw.close();
  });
});

describe('SQLite gate lists', () => {
  const file = () => path.join(dir, 'gates.sqlite');
  beforeAll(() => {
    openSqliteStore(file()).close();
    const raw = new Database(file());
    const contact = raw.prepare('INSERT INTO contacts VALUES (?, ?, ?, ?)');
    const at = '2025-01-01T00:00:00.000Z';
    contact.run('all@x.test', 1, '{}', at);
    contact.run('All-Mixed@X.test', 1, '{"financial-reports":"OPT_IN"}', at);
    contact.run('topic-out@x.test', 0, '{"financial-reports":"OPT_OUT","news":"OPT_IN"}', at);
    contact.run('other-topic-out@x.test', 0, '{"news":"OPT_OUT"}', at);
    contact.run('opted-in@x.test', 0, '{"financial-reports":"OPT_IN"}', at);
    contact.run('plain@x.test', 0, '{}', at);
    contact.run('garbled@x.test', 0, 'not json', at);
    const suppression = raw.prepare('INSERT INTO suppressions (email, reason, created_at) VALUES (?, ?, ?)');
    suppression.run('bounce@x.test', 'BOUNCE', at);
    suppression.run('Complaint@X.test', 'COMPLAINT', at);
    suppression.run('blank@x.test', '', at);
    raw.close();
  });

  it('contacts: blocks unsubscribe-all and an opt-out of the configured topic, by lower-cased address', async () => {
    const store = openSqliteStore(file(), { topic: 'financial-reports' });
    expect(Object.fromEntries(await store.contacts.loadBlocked())).toEqual({
      'all@x.test': 'unsubscribed from all',
      'all-mixed@x.test': 'unsubscribed from all',
      'topic-out@x.test': 'unsubscribed from financial-reports',
      'garbled@x.test': 'contact preferences unreadable',
    });
    expect(store.contacts.name).toContain('contacts');
    store.close();
  });

  it('contacts without a configured topic: only unsubscribe-all blocks', async () => {
    const store = openSqliteStore(file());
    expect([...(await store.contacts.loadBlocked()).keys()].sort()).toEqual([
      'all-mixed@x.test',
      'all@x.test',
    ]);
    store.close();
  });

  it('suppressions: every row blocks, with its reason', async () => {
    const store = openSqliteStore(file());
    expect(Object.fromEntries(await store.suppressions.loadBlocked())).toEqual({
      'bounce@x.test': 'suppressed (BOUNCE)',
      'complaint@x.test': 'suppressed (COMPLAINT)',
      'blank@x.test': 'suppressed (no reason given)',
    });
    store.close();
  });
});
