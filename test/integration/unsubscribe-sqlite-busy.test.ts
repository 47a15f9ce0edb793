import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalListener } from '../../src/adapters/local/host.js';
import { openSqliteStore } from '../../src/adapters/local/sqlite-store.js';
import { StoreBusyError } from '../../src/core/common/errors.js';
import { ADDRESS, aesTokens, postForm, TOPIC, tokenFor } from '../support/unsubscribe-endpoint.js';

/**
 * `dn-mailer serve` on a SQLite file another process holds a write lock on (BEGIN IMMEDIATE from a second
 * connection): the endpoint answers 503 with Retry-After after the store's short lock wait, and works again once
 * the lock is released. Before, three one-click POSTs froze it (better-sqlite3 waits synchronously).
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('the unsubscribe endpoint on a locked SQLite file', () => {
  it('answers 503 + Retry-After while another connection holds the write lock, then unsubscribes', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dn-busy-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'dn-mailer.sqlite');
    const store = openSqliteStore(file, { topic: TOPIC, openTimeoutMs: 100, busyTimeoutMs: 100 });
    cleanups.push(() => store.close());
    const errors: unknown[] = [];
    const server = await createLocalListener().serveUnsubscribe(
      {
        contacts: store.contactList,
        audit: store.audit,
        tokens: aesTokens(),
        maxAgeDays: 30,
        brandName: 'Distro Nation',
        clock: { now: () => new Date() },
      },
      { port: 0, host: '127.0.0.1', trustProxy: 0, onError: (error) => errors.push(error) },
    );
    cleanups.push(() => server.close());

    const other = new Database(file);
    cleanups.push(() => {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
    });
    other.exec('BEGIN IMMEDIATE');
    const url = `${server.url}?data=${tokenFor()}`;
    for (let i = 0; i < 3; i += 1) {
      const busy = await postForm(url, 'List-Unsubscribe=One-Click');
      expect(busy.status).toBe(503);
      expect(busy.headers.get('retry-after')).toBe('30');
      expect(await busy.text()).toContain('We are busy right now');
    }
    expect(errors).toHaveLength(3);
    expect(errors.every((error) => error instanceof StoreBusyError)).toBe(true);
    expect(await store.contactList.get(ADDRESS)).toBeUndefined();

    other.exec('ROLLBACK');
    const done = await postForm(url, 'List-Unsubscribe=One-Click');
    expect(done.status).toBe(200);
    expect((await store.contactList.get(ADDRESS))?.topics[TOPIC]).toBe('OPT_OUT');
    expect((await store.audit.history(ADDRESS)).map((row) => row.source)).toEqual(['one-click']);
  });
});
