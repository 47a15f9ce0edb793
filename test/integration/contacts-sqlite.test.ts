import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteAuditLog, createSqliteContactList } from '../../src/adapters/local/sqlite-contacts.js';
import { openSqliteStore, type SqliteStore } from '../../src/adapters/local/sqlite-store.js';
import { InputError } from '../../src/core/common/errors.js';
import type { AuditEntry } from '../../src/ports.js';

const TOPIC = 'financial-reports';
const AT = new Date('2025-03-01T12:00:00.000Z');
const clock = { now: () => AT };
let dir: string;
let counter = 0;
const opened: SqliteStore[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dn-contacts-'));
});
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function freshFile(): string {
  counter += 1;
  return path.join(dir, `state-${counter}.sqlite`);
}

function open(file = freshFile()): SqliteStore {
  const store = openSqliteStore(file, { topic: TOPIC, clock });
  opened.push(store);
  return store;
}

function rawRows(file: string, sql: string, ...params: unknown[]): Record<string, unknown>[] {
  const raw = new Database(file, { readonly: true });
  try {
    return raw.prepare(sql).all(...params) as Record<string, unknown>[];
  } finally {
    raw.close();
  }
}

describe('SQLite contact list', () => {
  it('creates a missing contact lower-cased, and the send gate then blocks it', async () => {
    const file = freshFile();
    const store = open(file);
    expect(await store.contactList.get('New@Example.com')).toBeUndefined();
    const after = await store.contactList.setTopic(' New@Example.com ', TOPIC, 'OPT_OUT');
    expect(after).toEqual({
      email: 'new@example.com',
      unsubscribeAll: false,
      topics: { [TOPIC]: 'OPT_OUT' },
    });
    expect(await store.contactList.get('NEW@example.com')).toEqual(after);
    expect(Object.fromEntries(await store.contacts.loadBlocked())).toEqual({
      'new@example.com': `unsubscribed from ${TOPIC}`,
    });
    expect(rawRows(file, 'SELECT email FROM contacts')).toEqual([{ email: 'new@example.com' }]);
    expect(store.contactList.location).toContain(file);
  });

  it('changes one topic and keeps every other topic exactly', async () => {
    const store = open();
    await store.contactList.setTopic('a@x.test', 'A', 'OPT_IN');
    await store.contactList.setTopic('a@x.test', 'B', 'OPT_OUT');
    await store.contactList.setTopic('a@x.test', 'C', 'OPT_IN');
    expect((await store.contactList.setTopic('a@x.test', 'A', 'OPT_OUT')).topics).toEqual({
      A: 'OPT_OUT',
      B: 'OPT_OUT',
      C: 'OPT_IN',
    });
    expect((await store.contactList.setTopic('a@x.test', 'B', 'OPT_IN')).topics).toEqual({
      A: 'OPT_OUT',
      B: 'OPT_IN',
      C: 'OPT_IN',
    });
  });

  it('an opt-out keeps unsubscribe-all; an opt-in clears it (and the gate lets the address through)', async () => {
    const file = freshFile();
    const store = open(file);
    const raw = new Database(file);
    raw
      .prepare('INSERT INTO contacts VALUES (?, 1, ?, ?)')
      .run('all@x.test', JSON.stringify({ news: 'OPT_OUT' }), '2024-01-01T00:00:00.000Z');
    raw.close();
    const out = await store.contactList.setTopic('all@x.test', TOPIC, 'OPT_OUT');
    expect(out.unsubscribeAll).toBe(true);
    const back = await store.contactList.setTopic('all@x.test', TOPIC, 'OPT_IN');
    expect(back).toEqual({
      email: 'all@x.test',
      unsubscribeAll: false,
      topics: { news: 'OPT_OUT', [TOPIC]: 'OPT_IN' },
    });
    expect(await store.contacts.loadBlocked()).toEqual(new Map());
  });

  it('updates a row written in another case in place, without a second row', async () => {
    const file = freshFile();
    const store = open(file);
    const raw = new Database(file);
    raw.prepare("INSERT INTO contacts VALUES ('Mixed@X.test', 0, '{\"news\":\"OPT_IN\"}', 'then')").run();
    raw.close();
    expect(await store.contactList.get('mixed@x.test')).toEqual({
      email: 'mixed@x.test',
      unsubscribeAll: false,
      topics: { news: 'OPT_IN' },
    });
    await store.contactList.setTopic('MIXED@x.test', TOPIC, 'OPT_OUT');
    expect(rawRows(file, 'SELECT email, topics, updated_at FROM contacts')).toEqual([
      {
        email: 'Mixed@X.test',
        topics: `{"news":"OPT_IN","${TOPIC}":"OPT_OUT"}`,
        updated_at: AT.toISOString(),
      },
    ]);
  });

  it('starts a new contact from defaultTopics and stamps updated_at from the clock', async () => {
    const file = freshFile();
    const store = open(file);
    const raw = new Database(file);
    const list = createSqliteContactList(raw, file, {
      defaultTopics: { news: 'OPT_IN', [TOPIC]: 'OPT_IN' },
      clock,
    });
    expect((await list.setTopic('d@x.test', TOPIC, 'OPT_OUT')).topics).toEqual({
      news: 'OPT_IN',
      [TOPIC]: 'OPT_OUT',
    });
    raw.close();
    expect(rawRows(file, 'SELECT updated_at FROM contacts')).toEqual([{ updated_at: AT.toISOString() }]);
    expect(await store.contactList.get('d@x.test')).toBeDefined();
  });

  it('refuses a row with unreadable topics and leaves it as it is (the gate keeps blocking it)', async () => {
    const file = freshFile();
    const store = open(file);
    const raw = new Database(file);
    raw.prepare("INSERT INTO contacts VALUES ('garbled@x.test', 0, 'not json', 'then')").run();
    raw.prepare("INSERT INTO contacts VALUES ('odd@x.test', 0, '{\"a\":\"MAYBE\"}', 'then')").run();
    raw.close();
    await expect(store.contactList.setTopic('garbled@x.test', TOPIC, 'OPT_IN')).rejects.toThrow(InputError);
    await expect(store.contactList.get('odd@x.test')).rejects.toThrow(/unreadable topic preferences/);
    expect(rawRows(file, "SELECT topics FROM contacts WHERE email = 'garbled@x.test'")).toEqual([
      { topics: 'not json' },
    ]);
  });

  it('two handles on one file (two processes) do not lose each other’s topic', async () => {
    const file = freshFile();
    const first = open(file);
    const second = open(file);
    await first.contactList.setTopic('two@x.test', 'A', 'OPT_OUT');
    await second.contactList.setTopic('two@x.test', 'B', 'OPT_OUT');
    await first.contactList.setTopic('two@x.test', 'C', 'OPT_IN');
    expect((await second.contactList.get('two@x.test'))?.topics).toEqual({
      A: 'OPT_OUT',
      B: 'OPT_OUT',
      C: 'OPT_IN',
    });
  });
});

describe('SQLite audit log', () => {
  const entry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
    at: AT.toISOString(),
    email: 'a@x.test',
    action: 'unsubscribe',
    topic: TOPIC,
    actor: 'alice',
    source: 'cli',
    ...over,
  });

  it('keeps every row of an address, oldest first, with optional fields only when given', async () => {
    const file = freshFile();
    const store = open(file);
    await store.audit.record(
      entry({ at: '2025-03-02T00:00:00.000Z', action: 'resubscribe', reason: 'asked by phone' }),
    );
    await store.audit.record(
      entry({ email: 'A@X.test', source: 'one-click', actor: 'recipient', detail: '203.0.113.9' }),
    );
    await store.audit.record(entry({ email: 'other@x.test' }));
    await store.audit.record(
      entry({ at: '2025-03-02T00:00:00.000Z', reason: 'same instant, written later' }),
    );
    store.close();

    const again = open(file);
    expect(again.audit.location).toContain(file);
    expect(await again.audit.history('A@x.TEST')).toEqual([
      entry({ source: 'one-click', actor: 'recipient', detail: '203.0.113.9' }),
      entry({ at: '2025-03-02T00:00:00.000Z', action: 'resubscribe', reason: 'asked by phone' }),
      entry({ at: '2025-03-02T00:00:00.000Z', reason: 'same instant, written later' }),
    ]);
    expect(await again.audit.history('nobody@x.test')).toEqual([]);
    const [first] = rawRows(file, 'SELECT * FROM audit ORDER BY id LIMIT 1');
    expect(first).toEqual({
      id: 1,
      ...entry({ at: '2025-03-02T00:00:00.000Z', action: 'resubscribe' }),
      reason: 'asked by phone',
      detail: null,
    });
  });

  it('a version-1 file gains the audit table (schema version 2) and keeps its contacts', async () => {
    const file = freshFile();
    openSqliteStore(file).close();
    const raw = new Database(file);
    raw.exec(`DROP TABLE audit; DELETE FROM schema_version WHERE version >= 2;
      INSERT INTO contacts VALUES ('old@x.test', 1, '{}', 'then');`);
    raw.close();
    expect(rawRows(file, "SELECT name FROM sqlite_master WHERE name = 'audit'")).toEqual([]);
    const store = open(file);
    expect(await store.contactList.get('old@x.test')).toEqual({
      email: 'old@x.test',
      unsubscribeAll: true,
      topics: {},
    });
    await store.audit.record(entry());
    expect(await store.audit.history('a@x.test')).toHaveLength(1);
    expect(rawRows(file, 'SELECT version FROM schema_version ORDER BY version')).toEqual([
      { version: 1 },
      { version: 2 },
      { version: 3 },
      { version: 4 },
      { version: 5 },
    ]);
  });

  it('createSqliteAuditLog works on any database that has the table', async () => {
    const file = freshFile();
    open(file);
    const raw = new Database(file);
    const audit = createSqliteAuditLog(raw, file);
    await audit.record(entry({ source: 'mailto' }));
    expect((await audit.history('a@x.test'))[0]?.source).toBe('mailto');
    raw.close();
  });
});
