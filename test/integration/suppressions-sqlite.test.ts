import { rm } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../../src/adapters/backends.js';
import { openSqliteStore } from '../../src/adapters/local/sqlite-store.js';
import { loadConfig } from '../../src/config/load.js';
import { createSecretRegistry } from '../../src/core/common/secret-registry.js';
import type { TrackingRow } from '../../src/ports.js';
import { demoConfigCopy, freshDir } from '../support/demo.js';

let dir: string;
let count = 0;
beforeAll(async () => {
  dir = await freshDir('dn-suppressions-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
const freshFile = () => path.join(dir, `store-${++count}.sqlite`);
const rawRows = (file: string, sql: string) => {
  const raw = new Database(file, { readonly: true });
  try {
    return raw.prepare(sql).all();
  } finally {
    raw.close();
  }
};

const BOUNCE_AT = '2025-02-03T10:00:00.000Z';

describe('SQLite suppressions', () => {
  it('adds an address once, lower-cased; a later add keeps the first reason and time; get reads it', async () => {
    const store = openSqliteStore(freshFile());
    const { suppressionStore: suppressions } = store;
    await suppressions.add([
      { email: 'Bounced@X.test', reason: 'bounce', at: BOUNCE_AT, expirationTime: 1_800_000_000 },
      { email: 'never@x.test', reason: 'complaint', at: BOUNCE_AT },
    ]);
    await suppressions.add([
      { email: 'bounced@x.test', reason: 'complaint', at: '2025-03-01T00:00:00.000Z', expirationTime: 1 },
      { email: 'BOUNCED@x.test', reason: 'manual', at: '2025-04-01T00:00:00.000Z' },
    ]);
    expect(await suppressions.get('BOUNCED@x.TEST')).toEqual({
      email: 'bounced@x.test',
      reason: 'bounce',
      at: BOUNCE_AT,
      expirationTime: 1_800_000_000,
    });
    expect(await suppressions.get('never@x.test')).toEqual({
      email: 'never@x.test',
      reason: 'complaint',
      at: BOUNCE_AT,
    });
    expect(await suppressions.get('other@x.test')).toBeUndefined();
    expect(Object.fromEntries(await store.suppressions.loadBlocked())).toEqual({
      'bounced@x.test': 'suppressed (bounce)',
      'never@x.test': 'suppressed (complaint)',
    });
    store.close();
  });

  it('keeps a row written by hand in another case, and two entries of one call keep the first', async () => {
    const file = freshFile();
    openSqliteStore(file).close();
    const raw = new Database(file);
    raw
      .prepare('INSERT INTO suppressions (email, reason, created_at) VALUES (?, ?, ?)')
      .run('Hand@X.test', 'manual', '2024-12-01T00:00:00.000Z');
    raw.close();
    const store = openSqliteStore(file);
    await store.suppressionStore.add([
      { email: 'hand@x.test', reason: 'bounce', at: BOUNCE_AT },
      { email: 'twice@x.test', reason: 'complaint', at: BOUNCE_AT },
      { email: 'Twice@x.test', reason: 'bounce', at: '2025-05-01T00:00:00.000Z' },
    ]);
    expect(await store.suppressionStore.get('hand@x.test')).toEqual({
      email: 'hand@x.test',
      reason: 'manual',
      at: '2024-12-01T00:00:00.000Z',
    });
    expect((await store.suppressionStore.get('twice@x.test'))?.reason).toBe('complaint');
    expect(rawRows(file, 'SELECT email FROM suppressions ORDER BY email')).toEqual([
      { email: 'Hand@X.test' },
      { email: 'twice@x.test' },
    ]);
    store.close();
  });

  it("the local backend's sending ports: a suppression written by one run blocks the next run's gate", async () => {
    const file = freshFile();
    const workspace = await freshDir('dn-suppressions-ws-');
    await demoConfigCopy(workspace, (config) => {
      config.tracking = { file };
    });
    const loaded = await loadConfig({ cwd: workspace, env: {} });
    const backend = await BACKENDS.local.create(loaded, {
      onProgress: () => {},
      clock: { now: () => new Date(BOUNCE_AT) },
      sleep: async () => {},
      random: () => 0.5,
      secrets: createSecretRegistry(),
    });
    const events = backend.sending();
    await events.suppressions.add([{ email: 'Complainer@X.test', reason: 'complaint', at: BOUNCE_AT }]);
    events.close();
    const next = backend.sending();
    const blocked = new Map<string, string>();
    for (const gate of next.gates)
      for (const [email, why] of await gate.loadBlocked()) blocked.set(email, why);
    expect(blocked.get('complainer@x.test')).toBe('suppressed (complaint)');
    expect(await next.suppressions.get('complainer@x.test')).toMatchObject({ reason: 'complaint' });
    expect(next.suppressions.location).toContain(file);
    next.close();
    await rm(workspace, { recursive: true, force: true });
  });
});

const eventRow = (overrides: Partial<TrackingRow> = {}): TrackingRow => ({
  campaignId: 'financial-2025-01',
  timestamp: 1_738_400_000_000,
  email: 'a@x.test',
  recipient: 'a@x.test',
  eventType: 'delivery',
  sendStatus: 'success',
  sesMessageId: 'ses-a',
  month: '01',
  year: '2025',
  customIds: ['A'],
  tags: ['campaign:financial-2025-01'],
  provider: 'ses',
  expirationTime: 1_746_176_000,
  ...overrides,
});

describe('SQLite tracking rows of delivery events', () => {
  it('records the same event rows twice (in two calls and within one) as one row each', async () => {
    const file = freshFile();
    const store = openSqliteStore(file);
    const rows = [
      eventRow(),
      eventRow({ eventType: 'bounce', sendStatus: 'failed', email: 'b@x.test', recipient: 'b@x.test' }),
      // Another event of the same message in the same millisecond is another row.
      eventRow({ eventType: 'open' }),
    ];
    await store.tracking.record(rows);
    await store.tracking.record([...rows, rows[0] as TrackingRow]);
    expect(
      rawRows(file, 'SELECT event_type, recipient FROM tracking ORDER BY event_type, recipient'),
    ).toEqual([
      { event_type: 'bounce', recipient: 'b@x.test' },
      { event_type: 'delivery', recipient: 'a@x.test' },
      { event_type: 'open', recipient: 'a@x.test' },
    ]);
    store.close();
  });

  it('keeps every send row: same millisecond and recipient, no message ID (failed attempts), none is merged', async () => {
    const file = freshFile();
    const store = openSqliteStore(file);
    const send = eventRow({ eventType: 'financial_send', sendStatus: 'failed', sesMessageId: undefined });
    await store.tracking.record([send, send, eventRow({ eventType: 'financial_send' })]);
    expect(rawRows(file, 'SELECT COUNT(*) AS n FROM tracking')).toEqual([{ n: 3 }]);
    store.close();
  });

  it('a version-3 file (send rows recorded twice in one millisecond) migrates to version 4', async () => {
    const file = freshFile();
    openSqliteStore(file).close();
    const raw = new Database(file);
    raw.exec(`DROP INDEX tracking_event_once; DROP INDEX suppressions_by_address;
      ALTER TABLE suppressions DROP COLUMN expiration_time; DELETE FROM schema_version WHERE version >= 4;
      INSERT INTO suppressions VALUES ('old@x.test', 'bounce', '2024-01-01T00:00:00.000Z');`);
    const insert =
      raw.prepare(`INSERT INTO tracking (campaign_id, timestamp, email, recipient, event_type, send_status,
      ses_message_id, month, year, custom_ids, tags, provider, expiration_time)
      VALUES ('c', 1, 'a@x.test', 'a@x.test', 'financial_send', 'success', 'ses-1', '01', '2025', '[]', '[]', 'ses', 2)`);
    insert.run();
    insert.run();
    raw.close();
    const store = openSqliteStore(file);
    expect(rawRows(file, 'SELECT version FROM schema_version ORDER BY version').at(-1)).toEqual({
      version: 5,
    });
    expect(rawRows(file, 'SELECT COUNT(*) AS n FROM tracking')).toEqual([{ n: 2 }]);
    expect(await store.suppressionStore.get('old@x.test')).toEqual({
      email: 'old@x.test',
      reason: 'bounce',
      at: '2024-01-01T00:00:00.000Z',
    });
    await store.tracking.record([eventRow(), eventRow()]);
    expect(rawRows(file, "SELECT COUNT(*) AS n FROM tracking WHERE event_type = 'delivery'")).toEqual([
      { n: 1 },
    ]);
    store.close();
  });
});
