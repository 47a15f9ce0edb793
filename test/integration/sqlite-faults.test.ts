import { chmod, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { translateSqliteError } from '../../src/adapters/local/sqlite-errors.js';
import { openSqliteStore } from '../../src/adapters/local/sqlite-store.js';
import {
  BackendError,
  ConfigError,
  type DnMailerError,
  ExitCode,
  isDnMailerError,
  StoreBusyError,
} from '../../src/core/common/errors.js';
import { freshDir } from '../support/demo.js';
import { withUmask } from '../support/file-modes.js';
import { damagePages, holdLock, IS_ROOT, seedStore } from '../support/store-faults.js';

/**
 * Faults of the SQLite file itself — damaged, not a database, locked, read-only — on real files. Each must come
 * out of the store as the project's error with its exit code and a hint, never as a raw SqliteError (which the CLI
 * reports as "internal error … this is a bug").
 */

let dir: string;
beforeEach(async () => {
  dir = await freshDir('dn-sqlite-faults-');
});

/** What a call threw (it must throw). */
function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

function expectProjectError(
  error: unknown,
  type: typeof BackendError | typeof ConfigError,
  exitCode: number,
): DnMailerError {
  expect(error).toBeInstanceOf(type);
  if (!isDnMailerError(error)) throw new Error(`not one of the project's errors: ${String(error)}`);
  expect(error.exitCode).toBe(exitCode);
  expect(error.hint).toBeTruthy();
  return error;
}

describe('a damaged SQLite file', () => {
  it('a file of garbage: opening it is exit 5 "not a SQLite database, or is damaged", restore hint', async () => {
    const file = path.join(dir, 'state.sqlite');
    await writeFile(file, 'this is not a database\n'.repeat(400));
    const error = expectProjectError(
      thrownBy(() => openSqliteStore(file)),
      BackendError,
      ExitCode.backend,
    );
    expect(error.message).toContain(`${file} is not a SQLite database, or is damaged`);
    expect(error.hint).toMatch(/restore tracking\.file from a backup/);
  });

  it('damaged pages in the middle: reads fail as exit 5 "is damaged" and verify() names the damage', async () => {
    const file = path.join(dir, 'state.sqlite');
    seedStore(file);
    await damagePages(file);
    let store: ReturnType<typeof openSqliteStore> | undefined;
    const error = await (async () => {
      try {
        store = openSqliteStore(file);
        // The header and schema page may still read: the damage shows on the first read of the table.
        const problems = store.verify();
        expect(problems.length).toBeGreaterThan(0);
        return await rejectionOf(store.ledger.listRows('older-campaign'));
      } catch (error) {
        return error;
      }
    })();
    store?.close();
    const damaged = expectProjectError(error, BackendError, ExitCode.backend);
    expect(damaged).not.toBeInstanceOf(StoreBusyError);
    expect(damaged.message).toMatch(new RegExp(`${file}.*(is damaged|not a SQLite database)`));
    expect(damaged.hint).toMatch(/restore tracking\.file from a backup.*keep the damaged file/);
  });

  it('a ledger row whose custom_ids is not a JSON list: exit 5 naming the row, not a crash', async () => {
    const file = path.join(dir, 'state.sqlite');
    seedStore(file);
    const db = new Database(file);
    db.prepare("UPDATE ledger SET custom_ids = '{oops' WHERE email = 'creator7@example.test'").run();
    db.close();
    const store = openSqliteStore(file);
    try {
      const error = expectProjectError(
        await rejectionOf(store.ledger.listRows('older-campaign')),
        BackendError,
        ExitCode.backend,
      );
      expect(error.message).toContain('older-campaign / creator7@example.test');
    } finally {
      store.close();
    }
  });
});

describe('a SQLite file locked by another process', () => {
  let lock: { release(): void } | undefined;
  afterEach(() => {
    lock?.release();
    lock = undefined;
  });

  it('opening waits its short open timeout, then StoreBusyError (exit 5) "locked by another process"', async () => {
    const file = path.join(dir, 'state.sqlite');
    seedStore(file);
    lock = holdLock(file);
    const error = thrownBy(() => openSqliteStore(file, { openTimeoutMs: 20 }));
    const busy = expectProjectError(error, StoreBusyError, ExitCode.backend);
    expect(busy.message).toContain(`the SQLite store ${file} is locked by another process`);
    expect(busy.hint).toMatch(
      /another dn-mailer run .* holds it; let it finish, then run the same command again/,
    );
  });

  it('a lock taken after opening: each operation fails with StoreBusyError after busyTimeoutMs', async () => {
    const file = path.join(dir, 'state.sqlite');
    seedStore(file);
    const store = openSqliteStore(file, { busyTimeoutMs: 20 });
    try {
      lock = holdLock(file);
      const at = new Date();
      expectProjectError(
        await rejectionOf(
          store.ledger.claim('older-campaign', 'creator1@example.test', ['planned'], 'r', at),
        ),
        StoreBusyError,
        ExitCode.backend,
      );
      expectProjectError(
        await rejectionOf(store.ledger.ensurePlanned('c', [{ email: 'a@example.test', customIds: [] }], at)),
        StoreBusyError,
        ExitCode.backend,
      );
      expectProjectError(
        await rejectionOf(store.contactList.setTopic('a@example.test', 'topic', 'OPT_OUT')),
        StoreBusyError,
        ExitCode.backend,
      );
      expectProjectError(
        await rejectionOf(
          store.audit.record({
            at: at.toISOString(),
            email: 'a@example.test',
            action: 'unsubscribe',
            topic: 'topic',
            actor: 'test',
            source: 'cli',
          }),
        ),
        StoreBusyError,
        ExitCode.backend,
      );
      // Reads still work beside a writer (WAL): a locked file is not a dead one.
      expect(await store.ledger.listRows('older-campaign')).toHaveLength(2000);
    } finally {
      lock?.release();
      lock = undefined;
      store.close();
    }
  });
});

describe('permissions', () => {
  it('a new store file is 0600 and the folder it creates 0700, under umask 022', async () => {
    const file = path.join(dir, 'new', 'deeper', 'state.sqlite');
    await withUmask(0o022, async () => {
      const store = openSqliteStore(file);
      await store.ledger.ensurePlanned('c', [{ email: 'a@example.test', customIds: [] }], new Date());
      store.close();
    });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dir, 'new'))).mode & 0o777).toBe(0o700);
  });

  it('an existing file keeps the mode its owner gave it', async () => {
    const file = path.join(dir, 'state.sqlite');
    openSqliteStore(file).close();
    await chmod(file, 0o640);
    openSqliteStore(file).close();
    expect((await stat(file)).mode & 0o777).toBe(0o640);
  });

  it.skipIf(IS_ROOT)(
    'a read-only file: opening is exit 3 "read-only for this user" (write probe)',
    async () => {
      // Skipped as root only: root writes a 0444 file anyway. test/integration/store-faults-cli.test.ts runs this
      // case as the unprivileged user `nobody` when the tests run as root.
      const file = path.join(dir, 'state.sqlite');
      seedStore(file);
      await chmod(file, 0o444);
      const error = expectProjectError(
        thrownBy(() => openSqliteStore(file)),
        ConfigError,
        ExitCode.config,
      );
      expect(error.message).toContain(`the SQLite store ${file} is read-only for this user`);
      expect(error.hint).toMatch(/chmod u\+w/);
    },
  );

  it('a connection SQLite opened read-only: the write fails as exit 3 (the translation, whoever runs the tests)', () => {
    // SQLite falls back to a read-only connection when the file is not writable; this opens one on purpose,
    // so the real SQLITE_READONLY error goes through the one translation even when the tests run as root.
    const file = path.join(dir, 'state.sqlite');
    seedStore(file);
    const db = new Database(file, { readonly: true });
    try {
      const raw = thrownBy(() => db.prepare('INSERT INTO schema_version (version) VALUES (0)').run());
      expect((raw as { code?: string }).code).toBe('SQLITE_READONLY');
      const error = expectProjectError(
        translateSqliteError(raw, file, 'testing'),
        ConfigError,
        ExitCode.config,
      );
      expect(error.message).toContain('is read-only for this user');
    } finally {
      db.close();
    }
  });

  it('a store path under a file: exit 3 naming tracking.file', async () => {
    const blocker = path.join(dir, 'blocker');
    await writeFile(blocker, 'x');
    const error = expectProjectError(
      thrownBy(() => openSqliteStore(path.join(blocker, 'state.sqlite'))),
      ConfigError,
      ExitCode.config,
    );
    expect(error.hint).toMatch(/tracking\.file/);
  });
});

describe('translateSqliteError: every SQLite result code family', () => {
  const file = '/data/state.sqlite';
  const sqliteError = (code: string, message: string) => new Database.SqliteError(message, code);
  it.each([
    ['SQLITE_BUSY', 'database is locked', StoreBusyError, ExitCode.backend, /locked by another process/],
    ['SQLITE_BUSY_SNAPSHOT', 'database is locked', StoreBusyError, ExitCode.backend, /locked by another/],
    ['SQLITE_LOCKED', 'database table is locked', StoreBusyError, ExitCode.backend, /locked by another/],
    ['SQLITE_CORRUPT', 'database disk image is malformed', BackendError, ExitCode.backend, /is damaged/],
    ['SQLITE_NOTADB', 'file is not a database', BackendError, ExitCode.backend, /not a SQLite database/],
    ['SQLITE_READONLY', 'attempt to write a readonly database', ConfigError, ExitCode.config, /read-only/],
    ['SQLITE_READONLY_DIRECTORY', 'readonly', ConfigError, ExitCode.config, /read-only/],
    ['SQLITE_CANTOPEN', 'unable to open database file', ConfigError, ExitCode.config, /cannot open/],
    ['SQLITE_FULL', 'database or disk is full', BackendError, ExitCode.backend, /disk .* is full/],
    ['SQLITE_IOERR_WRITE', 'disk I/O error', BackendError, ExitCode.backend, /could not be read or written/],
    ['SQLITE_ERROR', 'no such table: ledger', BackendError, ExitCode.backend, /lacks dn-mailer's tables/],
  ] as const)('%s → %s', (code, message, type, exitCode, pattern) => {
    const error = expectProjectError(
      translateSqliteError(sqliteError(code, message), file, 'x'),
      type,
      exitCode,
    );
    expect(error.message).toMatch(pattern);
    expect(error.message).toContain(file);
    expect(error.cause).toBeInstanceOf(Database.SqliteError);
  });

  it('a misuse or an unexpected constraint stays what it is: that would be a bug', () => {
    const misuse = sqliteError('SQLITE_MISUSE', 'bad parameter or other API misuse');
    expect(translateSqliteError(misuse, file, 'x')).toBe(misuse);
    const constraint = sqliteError('SQLITE_CONSTRAINT_PRIMARYKEY', 'UNIQUE constraint failed');
    expect(translateSqliteError(constraint, file, 'x')).toBe(constraint);
  });

  it('creating the folder fails (EACCES from mkdir): exit 3', () => {
    const error = Object.assign(new Error("EACCES: permission denied, mkdir '/data'"), { code: 'EACCES' });
    expectProjectError(translateSqliteError(error, file, 'opening the store'), ConfigError, ExitCode.config);
  });
});
